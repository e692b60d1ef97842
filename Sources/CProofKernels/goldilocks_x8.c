// Goldilocks NTT butterflies and Möbius transforms in the eight 64-bit lanes of AVX-512F registers
// and in the four lanes of AVX2 registers (see CProofKernels.h). Written for this project; each
// kernel is compiled for its extension through a function attribute and selected at run time. Every
// operation returns the canonical residue (< p), exactly as the Swift `Goldilocks` operators do, so
// results are bit-identical to the scalar transform.

#include "CProofKernels.h"

#include <stdlib.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define CIRO_AVX512 __attribute__((target("avx512f")))
#define CIRO_AVX2 __attribute__((target("avx2")))
#define GL_P 0xFFFFFFFF00000001ULL
#define GL_EPS 0xFFFFFFFFULL

// ---- Scalar pieces (the few words no vector covers) ----

static inline uint64_t gl_add1(uint64_t a, uint64_t b) {
    uint64_t pb = GL_P - b;
    return a < pb ? a + b : a - pb;
}

static inline uint64_t gl_sub1(uint64_t a, uint64_t b) { return a < b ? a - b + GL_P : a - b; }

static inline uint64_t gl_mul1(uint64_t a, uint64_t b) {
    unsigned __int128 prod = (unsigned __int128)a * b;
    uint64_t lo = (uint64_t)prod, hi = (uint64_t)(prod >> 64);
    uint64_t hihi = hi >> 32, hilo = hi & GL_EPS;
    uint64_t t0 = lo - hihi;
    uint64_t t1 = lo < hihi ? t0 - GL_EPS : t0;
    uint64_t t2 = (hilo << 32) - hilo;
    uint64_t t3 = t1 + t2;
    uint64_t r = t3 < t2 ? t3 + GL_EPS : t3;
    return r >= GL_P ? r - GL_P : r;
}

/// The last stages of `ntt_block_*` once the half is `h` (4, 2 or 1) and too few entries remain
/// for whole vectors: half 4 (twiddles tw[4 ..< 8]), half 2 (1 and w_4 = tw[3]), half 1 (1), in scalar code.
static void ntt_last_stages_scalar(uint64_t *data, size_t count, size_t h, const uint64_t *tw) {
    if (h == 4) {
        // Eight entries: half 4 (twiddles tw[4 ..< 8]), then halves 2 (1 and w_4 = tw[3]) and 1 (1).
        const uint64_t t4[4] = {tw[4], tw[5], tw[6], tw[7]};
        const uint64_t w4 = tw[3];
        for (size_t j = 0; j < count; j += 8) {
            uint64_t *e = data + j;
            for (int k = 0; k < 4; k++) {
                uint64_t u = e[k], v = e[k + 4];
                e[k] = gl_add1(u, v);
                e[k + 4] = gl_mul1(gl_sub1(u, v), t4[k]);
            }
            for (int g = 0; g < 8; g += 4) {
                uint64_t a = e[g], b = e[g + 1], c = e[g + 2], d = e[g + 3];
                uint64_t a1 = gl_add1(a, c), c1 = gl_sub1(a, c), b1 = gl_add1(b, d), d1 = gl_mul1(gl_sub1(b, d), w4);
                e[g] = gl_add1(a1, b1);
                e[g + 1] = gl_sub1(a1, b1);
                e[g + 2] = gl_add1(c1, d1);
                e[g + 3] = gl_sub1(c1, d1);
            }
        }
    } else if (h == 2) {
        const uint64_t w4 = tw[3];
        for (size_t g = 0; g < count; g += 4) {
            uint64_t *e = data + g;
            uint64_t a = e[0], b = e[1], c = e[2], d = e[3];
            uint64_t a1 = gl_add1(a, c), c1 = gl_sub1(a, c), b1 = gl_add1(b, d), d1 = gl_mul1(gl_sub1(b, d), w4);
            e[0] = gl_add1(a1, b1);
            e[1] = gl_sub1(a1, b1);
            e[2] = gl_add1(c1, d1);
            e[3] = gl_sub1(c1, d1);
        }
    } else if (h == 1) {
        for (size_t g = 0; g < count; g += 2) {
            uint64_t u = data[g], v = data[g + 1];
            data[g] = gl_add1(u, v);
            data[g + 1] = gl_sub1(u, v);
        }
    }
}

/// One group of `mobius_pass_*` in scalar code: the 2^bits entries at stride `stride` from `q`.
static inline void mobius_group_scalar(uint64_t *q, size_t stride, unsigned bits, int subtract) {
    if (bits == 2) {
        uint64_t a = q[0], b = q[stride], c = q[2 * stride], d = q[3 * stride];
        if (subtract) {
            uint64_t b1 = gl_sub1(b, a);
            q[stride] = b1;
            q[2 * stride] = gl_sub1(c, a);
            q[3 * stride] = gl_sub1(gl_sub1(d, c), b1);
        } else {
            uint64_t b1 = gl_add1(b, a);
            q[stride] = b1;
            q[2 * stride] = gl_add1(c, a);
            q[3 * stride] = gl_add1(gl_add1(d, c), b1);
        }
    } else {
        q[stride] = subtract ? gl_sub1(q[stride], q[0]) : gl_add1(q[stride], q[0]);
    }
}

// ---- AVX-512F: eight lanes per register ----


/// (a + b) mod p for canonical a, b: a − (p − b), or a + b when that borrows (then a + b < p).
CIRO_AVX512 static inline __m512i gl_add(__m512i a, __m512i b) {
    const __m512i p = _mm512_set1_epi64((long long)GL_P);
    __m512i pb = _mm512_sub_epi64(p, b);
    __mmask8 borrow = _mm512_cmplt_epu64_mask(a, pb);
    __m512i t = _mm512_sub_epi64(a, pb);
    return _mm512_mask_add_epi64(t, borrow, a, b);
}

/// (a − b) mod p for canonical a, b.
CIRO_AVX512 static inline __m512i gl_sub(__m512i a, __m512i b) {
    const __m512i p = _mm512_set1_epi64((long long)GL_P);
    __mmask8 borrow = _mm512_cmplt_epu64_mask(a, b);
    __m512i d = _mm512_sub_epi64(a, b);
    return _mm512_mask_add_epi64(d, borrow, d, p);
}

/// a · b mod p, canonical: the 128-bit product from four 32 × 32 products, reduced with
/// 2^64 ≡ 2^32 − 1 and 2^96 ≡ −1 as `Goldilocks.reduce128` does.
CIRO_AVX512 static inline __m512i gl_mul(__m512i a, __m512i b) {
    const __m512i eps = _mm512_set1_epi64((long long)GL_EPS);
    const __m512i p = _mm512_set1_epi64((long long)GL_P);
    __m512i ah = _mm512_srli_epi64(a, 32), bh = _mm512_srli_epi64(b, 32);
    __m512i ll = _mm512_mul_epu32(a, b);
    __m512i lh = _mm512_mul_epu32(a, bh);
    __m512i hl = _mm512_mul_epu32(ah, b);
    __m512i hh = _mm512_mul_epu32(ah, bh);
    __m512i mid = _mm512_add_epi64(lh, _mm512_srli_epi64(ll, 32));
    __m512i mid2 = _mm512_add_epi64(hl, _mm512_and_si512(mid, eps));
    __m512i lo = _mm512_or_si512(_mm512_slli_epi64(mid2, 32), _mm512_and_si512(ll, eps));
    __m512i hi = _mm512_add_epi64(_mm512_add_epi64(hh, _mm512_srli_epi64(mid, 32)), _mm512_srli_epi64(mid2, 32));
    // reduce128(hi, lo)
    __m512i hihi = _mm512_srli_epi64(hi, 32);
    __m512i hilo = _mm512_and_si512(hi, eps);
    __mmask8 borrow = _mm512_cmplt_epu64_mask(lo, hihi);
    __m512i t0 = _mm512_sub_epi64(lo, hihi);
    __m512i t1 = _mm512_mask_sub_epi64(t0, borrow, t0, eps);
    __m512i t2 = _mm512_sub_epi64(_mm512_slli_epi64(hilo, 32), hilo);
    __m512i t3 = _mm512_add_epi64(t1, t2);
    __mmask8 carry = _mm512_cmplt_epu64_mask(t3, t2);
    __m512i r = _mm512_mask_add_epi64(t3, carry, t3, eps);
    __mmask8 big = _mm512_cmpge_epu64_mask(r, p);
    return _mm512_mask_sub_epi64(r, big, r, p);
}

#define LOAD(ptr) _mm512_loadu_si512((const void *)(ptr))
#define STORE(ptr, v) _mm512_storeu_si512((void *)(ptr), (v))

#define LANES 8
#define VEC __m512i
#define V_ATTR CIRO_AVX512
#define V_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define V_STORE(p, v) _mm512_storeu_si512((void *)(p), (v))
#define V_SET1(x) _mm512_set1_epi64((long long)(x))
#define V_ADD gl_add
#define V_SUB gl_sub
#define V_MUL gl_mul
#define V_NAME(base) base##_avx512
#include "goldilocks_lanes.h"

CIRO_AVX512 static void ntt_block_avx512(uint64_t *data, size_t count, const uint64_t *tw) {
    size_t h = ntt_radix4_passes_avx512(data, count, tw);
    if (h == 8) {
        // Half 8: one vector pair per 16 entries.
        __m512i t = LOAD(tw + 8);
        for (size_t j = 0; j < count; j += 16) {
            __m512i u = LOAD(data + j), v = LOAD(data + j + 8);
            STORE(data + j, gl_add(u, v));
            STORE(data + j + 8, gl_mul(gl_sub(u, v), t));
        }
        h = 4;
    }
    if (h == 4 && count >= 16) {
        // Halves 4, 2 and 1 on 16 entries (x = 0..7, y = 8..15) per step, in registers: each stage
        // pairs its operands into two full vectors with lane permutations, then permutes back.
        const __m512i t4 = _mm512_set_epi64((long long)tw[7], (long long)tw[6], (long long)tw[5], (long long)tw[4],
                                            (long long)tw[7], (long long)tw[6], (long long)tw[5], (long long)tw[4]);
        const __m512i w2 = _mm512_set_epi64((long long)tw[3], 1, (long long)tw[3], 1, (long long)tw[3], 1, (long long)tw[3], 1);
        const __m512i lo4 = _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0), hi4 = _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4);
        const __m512i lo2 = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0), hi2 = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
        const __m512i even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0), odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
        const __m512i outx = _mm512_set_epi64(13, 5, 9, 1, 12, 4, 8, 0), outy = _mm512_set_epi64(15, 7, 11, 3, 14, 6, 10, 2);
        for (size_t j = 0; j < count; j += 16) {
            __m512i x = LOAD(data + j), y = LOAD(data + j + 8);
            // Half 4: u = (x0..3, y0..3), v = (x4..7, y4..7).
            __m512i u = _mm512_permutex2var_epi64(x, lo4, y), v = _mm512_permutex2var_epi64(x, hi4, y);
            __m512i u1 = gl_add(u, v), v1 = gl_mul(gl_sub(u, v), t4);
            // Half 2: pairs (0, 2), (1, 3) of each four: P = (u0, u1, v0, v1, u4, u5, v4, v5), Q the +2 lanes.
            __m512i p = _mm512_permutex2var_epi64(u1, lo2, v1), q = _mm512_permutex2var_epi64(u1, hi2, v1);
            __m512i p1 = gl_add(p, q), q1 = gl_mul(gl_sub(p, q), w2);
            // Half 1: adjacent lanes of P and of Q.
            __m512i e = _mm512_permutex2var_epi64(p1, even, q1), o = _mm512_permutex2var_epi64(p1, odd, q1);
            __m512i e1 = gl_add(e, o), o1 = gl_sub(e, o);
            STORE(data + j, _mm512_permutex2var_epi64(e1, outx, o1));
            STORE(data + j + 8, _mm512_permutex2var_epi64(e1, outy, o1));
        }
    } else {
        ntt_last_stages_scalar(data, count, h, tw);
    }
}

/// Every bit of the Möbius transform on `count` (a power of two, >= 8) entries at `data`: bits 0-2
/// inside each vector of 8 (lane permutations, masked updates), the higher ones by
/// `mobius_pass_avx512`.
CIRO_AVX512 static void mobius_block_avx512(uint64_t *data, size_t count, int subtract) {
    const __m512i i1 = _mm512_set_epi64(6, 6, 4, 4, 2, 2, 0, 0);
    const __m512i i2 = _mm512_set_epi64(5, 4, 5, 4, 1, 0, 1, 0);
    const __m512i i4 = _mm512_set_epi64(3, 2, 1, 0, 3, 2, 1, 0);
    for (size_t j = 0; j < count; j += 8) {
        __m512i x = LOAD(data + j);
        if (subtract) {
            x = _mm512_mask_mov_epi64(x, 0xAA, gl_sub(x, _mm512_permutexvar_epi64(i1, x)));
            x = _mm512_mask_mov_epi64(x, 0xCC, gl_sub(x, _mm512_permutexvar_epi64(i2, x)));
            x = _mm512_mask_mov_epi64(x, 0xF0, gl_sub(x, _mm512_permutexvar_epi64(i4, x)));
        } else {
            x = _mm512_mask_mov_epi64(x, 0xAA, gl_add(x, _mm512_permutexvar_epi64(i1, x)));
            x = _mm512_mask_mov_epi64(x, 0xCC, gl_add(x, _mm512_permutexvar_epi64(i2, x)));
            x = _mm512_mask_mov_epi64(x, 0xF0, gl_add(x, _mm512_permutexvar_epi64(i4, x)));
        }
        STORE(data + j, x);
    }
    unsigned log = (unsigned)__builtin_ctzll((unsigned long long)count);
    for (unsigned bit = 3; bit < log; bit += 2) {
        unsigned bits = log - bit >= 2 ? 2 : 1;
        mobius_pass_avx512(data, 0, count >> bits, bit, bits, subtract);
    }
}

// ---- AVX2: four lanes per register ----

#define LOAD4(ptr) _mm256_loadu_si256((const __m256i *)(const void *)(ptr))
#define STORE4(ptr, v) _mm256_storeu_si256((__m256i *)(void *)(ptr), (v))

/// All ones in the lanes where a < b as unsigned words: AVX2 only compares signed words, so both
/// sides are offset by 2^63 first (which maps unsigned order onto signed order).
CIRO_AVX2 static inline __m256i gl4_below(__m256i a, __m256i b) {
    const __m256i sign = _mm256_set1_epi64x((long long)0x8000000000000000ULL);
    return _mm256_cmpgt_epi64(_mm256_xor_si256(b, sign), _mm256_xor_si256(a, sign));
}

/// (a + b) mod p for canonical a, b: a − (p − b), plus p in the lanes where that borrowed (there
/// a + b < p, and the wrapped difference plus p is a + b). The compare runs on a and p − b offset by
/// 2^63 (x ^ 2^63 = x + 2^63 mod 2^64, so p − b is offset by subtracting b from p ^ 2^63).
CIRO_AVX2 static inline __m256i gl4_add(__m256i a, __m256i b) {
    const __m256i sign = _mm256_set1_epi64x((long long)0x8000000000000000ULL);
    const __m256i p = _mm256_set1_epi64x((long long)GL_P);
    const __m256i p_s = _mm256_set1_epi64x((long long)(GL_P ^ 0x8000000000000000ULL));
    __m256i a_s = _mm256_xor_si256(a, sign);
    __m256i pb_s = _mm256_sub_epi64(p_s, b);
    __m256i borrow = _mm256_cmpgt_epi64(pb_s, a_s);
    return _mm256_add_epi64(_mm256_sub_epi64(a_s, pb_s), _mm256_and_si256(borrow, p));
}

/// (a − b) mod p for canonical a, b: the wrapped difference plus p where a < b.
CIRO_AVX2 static inline __m256i gl4_sub(__m256i a, __m256i b) {
    const __m256i p = _mm256_set1_epi64x((long long)GL_P);
    __m256i borrow = gl4_below(a, b);
    return _mm256_add_epi64(_mm256_sub_epi64(a, b), _mm256_and_si256(borrow, p));
}

/// a · b mod p, canonical. AVX2 multiplies only 32 × 32 → 64 bits (`_mm256_mul_epu32`, the low
/// halves of each lane): the 128-bit product is assembled from the four partial products
/// (lo·lo, lo·hi, hi·lo, hi·hi) with the carries of the middle terms, then reduced with
/// 2^64 ≡ 2^32 − 1 and 2^96 ≡ −1 (mod p) like `gl_mul1`, carries and borrows found by unsigned
/// compares.
CIRO_AVX2 static inline __m256i gl4_mul(__m256i a, __m256i b) {
    const __m256i eps = _mm256_set1_epi64x((long long)GL_EPS);
    const __m256i p = _mm256_set1_epi64x((long long)GL_P);
    __m256i ah = _mm256_srli_epi64(a, 32), bh = _mm256_srli_epi64(b, 32);
    __m256i ll = _mm256_mul_epu32(a, b);
    __m256i lh = _mm256_mul_epu32(a, bh);
    __m256i hl = _mm256_mul_epu32(ah, b);
    __m256i hh = _mm256_mul_epu32(ah, bh);
    // Bits 32..95: lo·hi + carry of lo·lo, then + the low half of hi·lo (no overflow: each sum is
    // at most (2^32 − 1)^2 + 2^33 − 2 < 2^64).
    __m256i mid = _mm256_add_epi64(lh, _mm256_srli_epi64(ll, 32));
    __m256i mid2 = _mm256_add_epi64(hl, _mm256_and_si256(mid, eps));
    __m256i lo = _mm256_or_si256(_mm256_slli_epi64(mid2, 32), _mm256_and_si256(ll, eps));
    __m256i hi = _mm256_add_epi64(_mm256_add_epi64(hh, _mm256_srli_epi64(mid, 32)), _mm256_srli_epi64(mid2, 32));
    // lo + 2^64 (hi mod 2^32) + 2^96 (hi >> 32) ≡ lo − (hi >> 32) + (hi mod 2^32)(2^32 − 1). The
    // sums run offset by 2^63 (x_s = x ^ 2^63), so the unsigned carry and borrow tests are signed
    // compares of offset words, and only lo is offset and the result restored.
    const __m256i sign = _mm256_set1_epi64x((long long)0x8000000000000000ULL);
    const __m256i p_s = _mm256_set1_epi64x((long long)(GL_P ^ 0x8000000000000000ULL));
    __m256i hihi = _mm256_srli_epi64(hi, 32);
    __m256i hilo = _mm256_and_si256(hi, eps);
    __m256i lo_s = _mm256_xor_si256(lo, sign);
    __m256i t0_s = _mm256_sub_epi64(lo_s, hihi);
    __m256i borrow = _mm256_cmpgt_epi64(t0_s, lo_s);  // lo − hihi wrapped: t0 > lo
    __m256i t1_s = _mm256_sub_epi64(t0_s, _mm256_and_si256(borrow, eps));
    __m256i t2 = _mm256_sub_epi64(_mm256_slli_epi64(hilo, 32), hilo);
    __m256i t3_s = _mm256_add_epi64(t1_s, t2);
    __m256i carry = _mm256_cmpgt_epi64(t1_s, t3_s);  // t1 + t2 wrapped: t3 < t1
    __m256i r_s = _mm256_add_epi64(t3_s, _mm256_and_si256(carry, eps));
    __m256i canonical = _mm256_cmpgt_epi64(p_s, r_s);  // r < p
    return _mm256_xor_si256(_mm256_sub_epi64(r_s, _mm256_andnot_si256(canonical, p)), sign);
}

#define LANES 4
#define VEC __m256i
#define V_ATTR CIRO_AVX2
#define V_LOAD(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define V_STORE(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define V_SET1(x) _mm256_set1_epi64x((long long)(x))
#define V_ADD gl4_add
#define V_SUB gl4_sub
#define V_MUL gl4_mul
#define V_NAME(base) base##_avx2
#include "goldilocks_lanes.h"

/// `ntt_block_avx512` in four lanes: radix-4 passes while a quarter holds whole vectors, then the
/// last two or three stages on eight entries per step in registers.
CIRO_AVX2 static void ntt_block_avx2(uint64_t *data, size_t count, const uint64_t *tw) {
    size_t h = ntt_radix4_passes_avx2(data, count, tw);
    if (h == 4 || (h == 2 && count >= 8)) {
        // Eight entries per step, a = entries 0..3, b = 4..7: half 4 (when h is 4) pairs a with b
        // lane by lane; halves 2 and 1 then run in each group of four (a, b) after lane shuffles.
        const __m256i t4 = LOAD4(tw + 4);
        const __m256i w2 = _mm256_setr_epi64x(1, (long long)tw[3], 1, (long long)tw[3]);
        for (size_t j = 0; j < count; j += 8) {
            __m256i a = LOAD4(data + j), b = LOAD4(data + j + 4);
            if (h == 4) {
                __m256i u = gl4_add(a, b), v = gl4_mul(gl4_sub(a, b), t4);
                a = u;
                b = v;
            }
            // Half 2: pairs (0, 2) and (1, 3) of each four: P = (a0, a1, b0, b1), Q = (a2, a3, b2, b3).
            __m256i p = _mm256_permute2x128_si256(a, b, 0x20), q = _mm256_permute2x128_si256(a, b, 0x31);
            __m256i p1 = gl4_add(p, q), q1 = gl4_mul(gl4_sub(p, q), w2);
            // Half 1: pairs (0, 1) and (2, 3): E = (a0, a2, b0, b2), O = (a1, a3, b1, b3).
            __m256i e = _mm256_unpacklo_epi64(p1, q1), o = _mm256_unpackhi_epi64(p1, q1);
            __m256i e1 = gl4_add(e, o), o1 = gl4_sub(e, o);
            // Back to order: (a0, a1, b0, b1) and (a2, a3, b2, b3), then a and b.
            __m256i lo = _mm256_unpacklo_epi64(e1, o1), hi = _mm256_unpackhi_epi64(e1, o1);
            STORE4(data + j, _mm256_permute2x128_si256(lo, hi, 0x20));
            STORE4(data + j + 4, _mm256_permute2x128_si256(lo, hi, 0x31));
        }
    } else {
        ntt_last_stages_scalar(data, count, h, tw);
    }
}

/// Every bit of the Möbius transform on `count` (a power of two, >= 8) entries: bits 0 and 1 inside
/// each vector of four (in-lane and cross-lane shuffles, blends), bits from 2 up by `mobius_pass_avx2`
/// (the bits commute, so the order does not change the words).
CIRO_AVX2 static void mobius_block_avx2(uint64_t *data, size_t count, int subtract) {
    for (size_t j = 0; j < count; j += 4) {
        __m256i x = LOAD4(data + j);
        // Bit 0: lanes 1 and 3 take lanes 0 and 2; bit 1: lanes 2 and 3 take lanes 0 and 1.
        __m256i s0 = _mm256_shuffle_epi32(x, _MM_SHUFFLE(1, 0, 1, 0));
        x = _mm256_blend_epi32(x, subtract ? gl4_sub(x, s0) : gl4_add(x, s0), 0xCC);
        __m256i s1 = _mm256_permute4x64_epi64(x, _MM_SHUFFLE(1, 0, 1, 0));
        x = _mm256_blend_epi32(x, subtract ? gl4_sub(x, s1) : gl4_add(x, s1), 0xF0);
        STORE4(data + j, x);
    }
    unsigned log = (unsigned)__builtin_ctzll((unsigned long long)count);
    for (unsigned bit = 2; bit < log; bit += 2) {
        unsigned bits = log - bit >= 2 ? 2 : 1;
        mobius_pass_avx2(data, 0, count >> bits, bit, bits, subtract);
    }
}

// ---- Entry points: the requested set, which the CPU must run ----

void ciro_ntt_block_x8(int kernels, uint64_t *data, size_t count, const uint64_t *twiddles) {
    if (!ciro_kernels_supported(kernels)) { abort(); }
    if (kernels == CIRO_KERNELS_AVX512F) { ntt_block_avx512(data, count, twiddles); } else { ntt_block_avx2(data, count, twiddles); }
}

void ciro_ntt_wide_stripe_x8(int kernels, uint64_t *data, size_t rows, size_t stripe, size_t block, size_t column,
                             const uint64_t *twiddles) {
    if (!ciro_kernels_supported(kernels)) { abort(); }
    if (kernels == CIRO_KERNELS_AVX512F) {
        ntt_wide_stripe_avx512(data, rows, stripe, block, column, twiddles);
    } else {
        ntt_wide_stripe_avx2(data, rows, stripe, block, column, twiddles);
    }
}

void ciro_goldilocks_scale_powers_x8(int kernels, uint64_t *dst, const uint64_t *src, size_t count, const uint64_t *powers8,
                                     uint64_t step) {
    if (!ciro_kernels_supported(kernels)) { abort(); }
    if (kernels == CIRO_KERNELS_AVX512F) {
        scale_powers_avx512(dst, src, count, powers8, step);
    } else {
        scale_powers_avx2(dst, src, count, powers8, step);
    }
}

void ciro_mobius_block_x8(int kernels, uint64_t *data, size_t count, int subtract) {
    if (!ciro_kernels_supported(kernels)) { abort(); }
    if (kernels == CIRO_KERNELS_AVX512F) { mobius_block_avx512(data, count, subtract); } else { mobius_block_avx2(data, count, subtract); }
}

void ciro_mobius_pass_x8(int kernels, uint64_t *base, size_t first, size_t last, unsigned bit, unsigned bits, int subtract) {
    if (!ciro_kernels_supported(kernels)) { abort(); }
    if (kernels == CIRO_KERNELS_AVX512F) {
        mobius_pass_avx512(base, first, last, bit, bits, subtract);
    } else {
        mobius_pass_avx2(base, first, last, bit, bits, subtract);
    }
}

#else

void ciro_ntt_block_x8(int kernels, uint64_t *data, size_t count, const uint64_t *twiddles) {
    (void)kernels; (void)data; (void)count; (void)twiddles;
    abort();
}

void ciro_ntt_wide_stripe_x8(int kernels, uint64_t *data, size_t rows, size_t stripe, size_t block, size_t column,
                             const uint64_t *twiddles) {
    (void)kernels; (void)data; (void)rows; (void)stripe; (void)block; (void)column; (void)twiddles;
    abort();
}

void ciro_goldilocks_scale_powers_x8(int kernels, uint64_t *dst, const uint64_t *src, size_t count, const uint64_t *powers8,
                                     uint64_t step) {
    (void)kernels; (void)dst; (void)src; (void)count; (void)powers8; (void)step;
    abort();
}

void ciro_mobius_block_x8(int kernels, uint64_t *data, size_t count, int subtract) {
    (void)kernels; (void)data; (void)count; (void)subtract;
    abort();
}

void ciro_mobius_pass_x8(int kernels, uint64_t *base, size_t first, size_t last, unsigned bit, unsigned bits, int subtract) {
    (void)kernels; (void)base; (void)first; (void)last; (void)bit; (void)bits; (void)subtract;
    abort();
}

#endif
