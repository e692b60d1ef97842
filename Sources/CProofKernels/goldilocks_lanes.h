// The Goldilocks kernels whose code is the same for every vector width (see goldilocks_x8.c), written
// once over a lane type. goldilocks_x8.c includes this file once per kernel set, after defining:
//   LANES              words per vector (8 or 4; 8 is a multiple)
//   VEC                the vector type
//   V_ATTR             the target attribute of the set
//   V_LOAD(p), V_STORE(p, v), V_SET1(x)
//   V_ADD, V_SUB, V_MUL  canonical Goldilocks +, −, · on vectors
//   V_NAME(base)       the set's name for `base` (base##_avx512, base##_avx2)
// It undefines them at its end (no include guard: it is meant to be included more than once).

/// Radix-4 DIF on the vectors at a, b, c, d (entries k, k + h/2, k + h, k + 3h/2) with twiddles
/// t1 = tw[h + k], t2 = tw[h + k + h/2], w = tw[h/2 + k].
V_ATTR static inline void V_NAME(radix4)(uint64_t *pa, uint64_t *pb, uint64_t *pc, uint64_t *pd, VEC t1, VEC t2, VEC w) {
    VEC a = V_LOAD(pa), b = V_LOAD(pb), c = V_LOAD(pc), d = V_LOAD(pd);
    VEC a1 = V_ADD(a, c), c1 = V_MUL(V_SUB(a, c), t1);
    VEC b1 = V_ADD(b, d), d1 = V_MUL(V_SUB(b, d), t2);
    V_STORE(pa, V_ADD(a1, b1));
    V_STORE(pb, V_MUL(V_SUB(a1, b1), w));
    V_STORE(pc, V_ADD(c1, d1));
    V_STORE(pd, V_MUL(V_SUB(c1, d1), w));
}

/// The radix-4 passes of a block of `count` words while a quarter (h/2) holds whole vectors;
/// returns the half left for the last stages (below 2 · LANES).
V_ATTR static size_t V_NAME(ntt_radix4_passes)(uint64_t *data, size_t count, const uint64_t *tw) {
    size_t h = count / 2;
    while (h >= 2 * LANES) {
        size_t q = h / 2;
        for (size_t j = 0; j < count; j += 2 * h) {
            uint64_t *base = data + j;
            for (size_t k = 0; k < q; k += LANES) {
                V_NAME(radix4)(base + k, base + k + q, base + k + h, base + k + h + q,
                               V_LOAD(tw + h + k), V_LOAD(tw + h + k + q), V_LOAD(tw + q + k));
            }
        }
        h /= 4;
    }
    return h;
}

/// `ciro_ntt_wide_stripe_x8`: every wide stage on one stripe (a radix-2 stage first when their
/// count is odd, then radix-4 pairs).
V_ATTR static void V_NAME(ntt_wide_stripe)(uint64_t *data, size_t rows, size_t stripe, size_t block, size_t column,
                                           const uint64_t *tw) {
    size_t half_rows = rows / 2;
    if (__builtin_ctzll((unsigned long long)rows) % 2 == 1) {
        size_t h = half_rows * block;
        for (size_t r = 0; r < half_rows; r++) {
            uint64_t *a = data + r * stripe, *b = data + (r + half_rows) * stripe;
            const uint64_t *t = tw + h + r * block + column;
            for (size_t j = 0; j < stripe; j += LANES) {
                VEC u = V_LOAD(a + j), v = V_LOAD(b + j);
                V_STORE(a + j, V_ADD(u, v));
                V_STORE(b + j, V_MUL(V_SUB(u, v), V_LOAD(t + j)));
            }
        }
        half_rows /= 2;
    }
    while (half_rows >= 2) {
        size_t quarter_rows = half_rows / 2;
        size_t h = half_rows * block, q = h / 2;
        for (size_t group = 0; group < rows; group += 2 * half_rows) {
            for (size_t r = 0; r < quarter_rows; r++) {
                uint64_t *a = data + (group + r) * stripe, *b = a + quarter_rows * stripe;
                uint64_t *c = a + half_rows * stripe, *d = c + quarter_rows * stripe;
                size_t k = r * block + column;
                for (size_t j = 0; j < stripe; j += LANES) {
                    V_NAME(radix4)(a + j, b + j, c + j, d + j, V_LOAD(tw + h + k + j), V_LOAD(tw + h + k + q + j),
                                   V_LOAD(tw + q + k + j));
                }
            }
        }
        half_rows /= 4;
    }
}

/// `ciro_goldilocks_scale_powers_x8`: the eight powers as 8 / LANES vectors, each stepped by `step`.
V_ATTR static void V_NAME(scale_powers)(uint64_t *dst, const uint64_t *src, size_t count, const uint64_t *powers8,
                                        uint64_t step) {
    VEC s[8 / LANES];
    for (int i = 0; i < 8 / LANES; i++) { s[i] = V_LOAD(powers8 + i * LANES); }
    const VEC st = V_SET1(step);
    for (size_t j = 0; j < count; j += 8) {
        for (int i = 0; i < 8 / LANES; i++) {
            V_STORE(dst + j + i * LANES, V_MUL(V_LOAD(src + j + i * LANES), s[i]));
            s[i] = V_MUL(s[i], st);
        }
    }
}

/// `ciro_mobius_pass_x8`: bits `bit` and `bit + 1` (or `bit` alone when `bits` is 1) of the Möbius
/// transform for the groups k in [first, last): group k is the 2^bits entries at stride 2^bit from
/// base + (((k >> bit) << (bit + bits)) | (k & (2^bit - 1))).
V_ATTR static void V_NAME(mobius_pass)(uint64_t *base, size_t first, size_t last, unsigned bit, unsigned bits,
                                       int subtract) {
    const size_t stride = (size_t)1 << bit, low = stride - 1;
    size_t k = first;
    while (k < last) {
        uint64_t *p = base + (((k >> bit) << (bit + bits)) | (k & low));
        // Entries k .. up to the end of this run of 2^bit consecutive groups are contiguous.
        size_t run = stride - (k & low);
        if (run > last - k) { run = last - k; }
        size_t j = 0;
        for (; j + LANES <= run; j += LANES) {
            uint64_t *q = p + j;
            if (bits == 2) {
                VEC a = V_LOAD(q), b = V_LOAD(q + stride), c = V_LOAD(q + 2 * stride), d = V_LOAD(q + 3 * stride);
                if (subtract) {
                    VEC b1 = V_SUB(b, a);
                    V_STORE(q + stride, b1);
                    V_STORE(q + 2 * stride, V_SUB(c, a));
                    V_STORE(q + 3 * stride, V_SUB(V_SUB(d, c), b1));
                } else {
                    VEC b1 = V_ADD(b, a);
                    V_STORE(q + stride, b1);
                    V_STORE(q + 2 * stride, V_ADD(c, a));
                    V_STORE(q + 3 * stride, V_ADD(V_ADD(d, c), b1));
                }
            } else {
                VEC a = V_LOAD(q), b = V_LOAD(q + stride);
                V_STORE(q + stride, subtract ? V_SUB(b, a) : V_ADD(b, a));
            }
        }
        for (; j < run; j++) { mobius_group_scalar(p + j, stride, bits, subtract); }
        k += run;
    }
}

#undef LANES
#undef VEC
#undef V_ATTR
#undef V_LOAD
#undef V_STORE
#undef V_SET1
#undef V_ADD
#undef V_SUB
#undef V_MUL
#undef V_NAME
