// The BLAKE2b compression of one block in every lane (see blake2b_x8.c), written once over a lane
// type. blake2b_x8.c includes this file once per kernel set, after defining:
//   VEC, V_ATTR                     the vector type and the set's target attribute
//   V_ADD(a, b), V_XOR(a, b), V_SET1(x)   64-bit lane addition, xor, broadcast
//   V_ROR32(x), V_ROR24(x), V_ROR16(x), V_ROR63(x)   64-bit lane rotations right
//   V_NAME(base)                    the set's name for `base`
// It undefines them at its end (no include guard: it is meant to be included more than once).

#define V_G(a, b, c, d, x, y)                      \
    do {                                           \
        a = V_ADD(V_ADD(a, b), x);                 \
        d = V_ROR32(V_XOR(d, a));                  \
        c = V_ADD(c, d);                           \
        b = V_ROR24(V_XOR(b, c));                  \
        a = V_ADD(V_ADD(a, b), y);                 \
        d = V_ROR16(V_XOR(d, a));                  \
        c = V_ADD(c, d);                           \
        b = V_ROR63(V_XOR(b, c));                  \
    } while (0)

/// One compression of every lane: message words m[0..15] (lane L in element L), byte counter
/// `counter` (the same in every lane), final-block flag `last`.
V_ATTR static inline void V_NAME(compress)(VEC h[8], const VEC m[16], uint64_t counter, int last) {
    VEC v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
    VEC v8 = V_SET1(blake2b_iv[0]);
    VEC v9 = V_SET1(blake2b_iv[1]);
    VEC v10 = V_SET1(blake2b_iv[2]);
    VEC v11 = V_SET1(blake2b_iv[3]);
    VEC v12 = V_SET1(blake2b_iv[4] ^ counter);
    VEC v13 = V_SET1(blake2b_iv[5]);
    VEC v14 = V_SET1(last ? ~blake2b_iv[6] : blake2b_iv[6]);
    VEC v15 = V_SET1(blake2b_iv[7]);
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = blake2b_sigma[r];
        V_G(v0, v4, v8, v12, m[s[0]], m[s[1]]);
        V_G(v1, v5, v9, v13, m[s[2]], m[s[3]]);
        V_G(v2, v6, v10, v14, m[s[4]], m[s[5]]);
        V_G(v3, v7, v11, v15, m[s[6]], m[s[7]]);
        V_G(v0, v5, v10, v15, m[s[8]], m[s[9]]);
        V_G(v1, v6, v11, v12, m[s[10]], m[s[11]]);
        V_G(v2, v7, v8, v13, m[s[12]], m[s[13]]);
        V_G(v3, v4, v9, v14, m[s[14]], m[s[15]]);
    }
    h[0] = V_XOR(h[0], V_XOR(v0, v8));
    h[1] = V_XOR(h[1], V_XOR(v1, v9));
    h[2] = V_XOR(h[2], V_XOR(v2, v10));
    h[3] = V_XOR(h[3], V_XOR(v3, v11));
    h[4] = V_XOR(h[4], V_XOR(v4, v12));
    h[5] = V_XOR(h[5], V_XOR(v5, v13));
    h[6] = V_XOR(h[6], V_XOR(v6, v14));
    h[7] = V_XOR(h[7], V_XOR(v7, v15));
}

#undef V_G

#undef VEC
#undef V_ATTR
#undef V_ADD
#undef V_XOR
#undef V_SET1
#undef V_ROR32
#undef V_ROR24
#undef V_ROR16
#undef V_ROR63
#undef V_NAME
