// Eight BLAKE2b-256 digests per call for Merkle leaves and inner nodes (see CProofKernels.h): in the
// eight 64-bit lanes of AVX-512F registers, or as two groups of four lanes of AVX2 registers.
// Written for this project from RFC 7693; each kernel is compiled for its extension through a
// function attribute and selected at run time, so the rest of the build keeps the baseline x86-64
// target.

#include "CProofKernels.h"

#include <stdlib.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define CIRO_AVX512 __attribute__((target("avx512f")))
#define CIRO_AVX2 __attribute__((target("avx2")))

static const uint64_t blake2b_iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const uint8_t blake2b_sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

#define VEC __m512i
#define V_ATTR CIRO_AVX512
#define V_ADD(a, b) _mm512_add_epi64((a), (b))
#define V_XOR(a, b) _mm512_xor_si512((a), (b))
#define V_SET1(x) _mm512_set1_epi64((long long)(x))
#define V_ROR32(x) _mm512_ror_epi64((x), 32)
#define V_ROR24(x) _mm512_ror_epi64((x), 24)
#define V_ROR16(x) _mm512_ror_epi64((x), 16)
#define V_ROR63(x) _mm512_ror_epi64((x), 63)
#define V_NAME(base) base##_avx512
#include "blake2b_lanes.h"

CIRO_AVX512 static void blake2b_x8_avx512(const uint8_t *const *segments, size_t segment_count, size_t segment_bytes,
                                          size_t lane_stride, const uint8_t *salts, uint64_t personal0,
                                          uint64_t personal1, uint8_t *out) {
    const long long st = (long long)lane_stride;
    const __m512i offsets = _mm512_set_epi64(7 * st, 6 * st, 5 * st, 4 * st, 3 * st, 2 * st, st, 0);
    __m512i h[8];
    h[0] = _mm512_set1_epi64((long long)(blake2b_iv[0] ^ 0x01010020ULL));
    h[1] = _mm512_set1_epi64((long long)blake2b_iv[1]);
    h[2] = _mm512_set1_epi64((long long)blake2b_iv[2]);
    h[3] = _mm512_set1_epi64((long long)blake2b_iv[3]);
    h[4] = _mm512_set1_epi64((long long)blake2b_iv[4]);
    h[5] = _mm512_set1_epi64((long long)blake2b_iv[5]);
    h[6] = _mm512_set1_epi64((long long)(blake2b_iv[6] ^ personal0));
    h[7] = _mm512_set1_epi64((long long)(blake2b_iv[7] ^ personal1));
    if (salts != NULL) {
        const __m512i salt_offsets = _mm512_set_epi64(112, 96, 80, 64, 48, 32, 16, 0);
        h[4] = _mm512_xor_si512(h[4], _mm512_i64gather_epi64(salt_offsets, (const void *)salts, 1));
        h[5] = _mm512_xor_si512(h[5], _mm512_i64gather_epi64(salt_offsets, (const void *)(salts + 8), 1));
    }
    __m512i m[16];
    const size_t total = segment_count * segment_bytes;
    size_t done = 0;
    for (size_t p = 0; p < segment_count; p++) {
        for (size_t start = 0; start < segment_bytes; start += 128) {
            const size_t bytes = segment_bytes - start < 128 ? segment_bytes - start : 128;
            const uint8_t *base = segments[p] + start;
            size_t w = 0;
            for (; w < bytes / 8; w++) {
                m[w] = _mm512_i64gather_epi64(offsets, (const void *)(base + 8 * w), 1);
            }
            for (; w < 16; w++) { m[w] = _mm512_setzero_si512(); }
            done += bytes;
            compress_avx512(h, m, (uint64_t)done, done == total);
        }
    }
    // Lane L's digest is word L of h[0..3]: transpose through memory.
    uint64_t words[4][8];
    for (int w = 0; w < 4; w++) { _mm512_storeu_si512((void *)words[w], h[w]); }
    uint64_t *digests = (uint64_t *)(void *)out;
    for (int lane = 0; lane < 8; lane++) {
        for (int w = 0; w < 4; w++) { digests[4 * lane + w] = words[w][lane]; }
    }
}

// ---- AVX2: four lanes per register ----

/// 64-bit rotations right: by 32 as a dword shuffle, by 24 and 16 as byte shuffles (within each
/// word), by 63 as shift-or (x >> 63 | x << 1).
#define VEC __m256i
#define V_ATTR CIRO_AVX2
#define V_ADD(a, b) _mm256_add_epi64((a), (b))
#define V_XOR(a, b) _mm256_xor_si256((a), (b))
#define V_SET1(x) _mm256_set1_epi64x((long long)(x))
#define V_ROR32(x) _mm256_shuffle_epi32((x), _MM_SHUFFLE(2, 3, 0, 1))
#define V_ROR24(x)                                                                                \
    _mm256_shuffle_epi8((x), _mm256_setr_epi8(3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, \
                                              3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10))
#define V_ROR16(x)                                                                                \
    _mm256_shuffle_epi8((x), _mm256_setr_epi8(2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, \
                                              2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9))
#define V_ROR63(x) _mm256_or_si256(_mm256_srli_epi64((x), 63), _mm256_add_epi64((x), (x)))
#define V_NAME(base) base##_avx2
#include "blake2b_lanes.h"

/// Rows r0..r3 (four words of lanes 0..3) to columns: out[i] = word i of every lane.
#define TRANSPOSE4(r0, r1, r2, r3, o0, o1, o2, o3)                                         \
    do {                                                                                   \
        __m256i t0_ = _mm256_unpacklo_epi64(r0, r1), t1_ = _mm256_unpackhi_epi64(r0, r1);  \
        __m256i t2_ = _mm256_unpacklo_epi64(r2, r3), t3_ = _mm256_unpackhi_epi64(r2, r3);  \
        o0 = _mm256_permute2x128_si256(t0_, t2_, 0x20);                                    \
        o1 = _mm256_permute2x128_si256(t1_, t3_, 0x20);                                    \
        o2 = _mm256_permute2x128_si256(t0_, t2_, 0x31);                                    \
        o3 = _mm256_permute2x128_si256(t1_, t3_, 0x31);                                    \
    } while (0)

/// Lanes `first` ..< `first + 4` of `ciro_blake2b_x8`: message words are read four words of four
/// lanes at a time and transposed (a gather for the words of a block's last partial group of four).
CIRO_AVX2 static void blake2b_x4_avx2(const uint8_t *const *segments, size_t segment_count, size_t segment_bytes,
                                      size_t lane_stride, size_t first, const uint8_t *salts, uint64_t personal0,
                                      uint64_t personal1, uint8_t *out) {
    const long long st = (long long)lane_stride;
    const __m256i offsets = _mm256_setr_epi64x(0, st, 2 * st, 3 * st);
    __m256i h[8];
    h[0] = _mm256_set1_epi64x((long long)(blake2b_iv[0] ^ 0x01010020ULL));
    h[1] = _mm256_set1_epi64x((long long)blake2b_iv[1]);
    h[2] = _mm256_set1_epi64x((long long)blake2b_iv[2]);
    h[3] = _mm256_set1_epi64x((long long)blake2b_iv[3]);
    h[4] = _mm256_set1_epi64x((long long)blake2b_iv[4]);
    h[5] = _mm256_set1_epi64x((long long)blake2b_iv[5]);
    h[6] = _mm256_set1_epi64x((long long)(blake2b_iv[6] ^ personal0));
    h[7] = _mm256_set1_epi64x((long long)(blake2b_iv[7] ^ personal1));
    if (salts != NULL) {
        const __m256i salt_offsets = _mm256_setr_epi64x(0, 16, 32, 48);
        const uint8_t *s = salts + 16 * first;
        h[4] = _mm256_xor_si256(h[4], _mm256_i64gather_epi64((const long long *)(const void *)s, salt_offsets, 1));
        h[5] = _mm256_xor_si256(h[5], _mm256_i64gather_epi64((const long long *)(const void *)(s + 8), salt_offsets, 1));
    }
    __m256i m[16];
    const size_t total = segment_count * segment_bytes;
    size_t done = 0;
    for (size_t p = 0; p < segment_count; p++) {
        for (size_t start = 0; start < segment_bytes; start += 128) {
            const size_t bytes = segment_bytes - start < 128 ? segment_bytes - start : 128;
            const uint8_t *base = segments[p] + start + first * lane_stride;
            const size_t words = bytes / 8;
            size_t w = 0;
            for (; w + 4 <= words; w += 4) {
                const uint8_t *at = base + 8 * w;
                __m256i r0 = _mm256_loadu_si256((const __m256i *)(const void *)at);
                __m256i r1 = _mm256_loadu_si256((const __m256i *)(const void *)(at + lane_stride));
                __m256i r2 = _mm256_loadu_si256((const __m256i *)(const void *)(at + 2 * lane_stride));
                __m256i r3 = _mm256_loadu_si256((const __m256i *)(const void *)(at + 3 * lane_stride));
                TRANSPOSE4(r0, r1, r2, r3, m[w], m[w + 1], m[w + 2], m[w + 3]);
            }
            for (; w < words; w++) {
                m[w] = _mm256_i64gather_epi64((const long long *)(const void *)(base + 8 * w), offsets, 1);
            }
            for (; w < 16; w++) { m[w] = _mm256_setzero_si256(); }
            done += bytes;
            compress_avx2(h, m, (uint64_t)done, done == total);
        }
    }
    // Lane L's digest is word L of h[0..3].
    __m256i d0, d1, d2, d3;
    TRANSPOSE4(h[0], h[1], h[2], h[3], d0, d1, d2, d3);
    uint8_t *o = out + 32 * first;
    _mm256_storeu_si256((__m256i *)(void *)o, d0);
    _mm256_storeu_si256((__m256i *)(void *)(o + 32), d1);
    _mm256_storeu_si256((__m256i *)(void *)(o + 64), d2);
    _mm256_storeu_si256((__m256i *)(void *)(o + 96), d3);
}

void ciro_blake2b_x8(int kernels, const uint8_t *const *segments, size_t segment_count, size_t segment_bytes,
                     size_t lane_stride, const uint8_t *salts, uint64_t personal0, uint64_t personal1, uint8_t *out) {
    if (!ciro_kernels_supported(kernels)) { abort(); }
    if (kernels == CIRO_KERNELS_AVX512F) {
        blake2b_x8_avx512(segments, segment_count, segment_bytes, lane_stride, salts, personal0, personal1, out);
    } else {
        blake2b_x4_avx2(segments, segment_count, segment_bytes, lane_stride, 0, salts, personal0, personal1, out);
        blake2b_x4_avx2(segments, segment_count, segment_bytes, lane_stride, 4, salts, personal0, personal1, out);
    }
}

#else

void ciro_blake2b_x8(int kernels, const uint8_t *const *segments, size_t segment_count, size_t segment_bytes,
                     size_t lane_stride, const uint8_t *salts, uint64_t personal0, uint64_t personal1, uint8_t *out) {
    (void)kernels; (void)segments; (void)segment_count; (void)segment_bytes; (void)lane_stride;
    (void)salts; (void)personal0; (void)personal1; (void)out;
    abort();
}

#endif
