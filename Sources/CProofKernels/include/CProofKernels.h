#ifndef CIRO_PROOF_KERNELS_H
#define CIRO_PROOF_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The vector kernel sets: the `kernels` argument of every function below.
/// AVX2: four 64-bit lanes per 256-bit register (x86-64 with AVX2).
#define CIRO_KERNELS_AVX2 1
/// AVX-512F: eight 64-bit lanes per 512-bit register (x86-64 with AVX-512F).
#define CIRO_KERNELS_AVX512F 2

/// 1 when this CPU runs kernel set `kernels` (`CIRO_KERNELS_AVX2` or `CIRO_KERNELS_AVX512F`, checked
/// at run time), 0 otherwise (always 0 off x86-64, and for any other value): callers then run the
/// portable Swift code. Every function below aborts when called with a set this returns 0 for.
/// Both sets compute the same words and digests as the Swift code.
int ciro_kernels_supported(int kernels);

/// Eight BLAKE2b-256 digests at once (RFC 7693; one message per 64-bit lane: the eight lanes of
/// AVX-512F registers, or two groups of four lanes of AVX2 registers).
///
/// The message of lane L (L < 8) is the concatenation, over p < `segment_count`, of the
/// `segment_bytes` bytes at `segments[p] + L * lane_stride`. `segment_bytes` is a positive multiple
/// of 8 and either a multiple of 128 or, with one segment, at most 128 (an inner Merkle node: 64).
/// Parameter block: digest length 32, no key, fanout 1, depth 1, salt = the 16 bytes at
/// `salts + 16 * L` (zeros when `salts` is NULL), personalization = the two little-endian words
/// (`personal0`, `personal1`). Lane L's digest (32 bytes) is written to `out + 32 * L`.
void ciro_blake2b_x8(int kernels, const uint8_t *const *segments, size_t segment_count, size_t segment_bytes,
                     size_t lane_stride, const uint8_t *salts, uint64_t personal0, uint64_t personal1,
                     uint8_t *out);

/// The Goldilocks kernels below (multiplication from 32 x 32-bit partial products in both sets)
/// work on canonical words (< p = 2^64 - 2^32 + 1) and return canonical words: bit-identical to
/// the Swift operators.

/// Every decimation-in-frequency stage with half below `count` (a power of two) on the `count`
/// words at `data`, twiddles[h + k] = w_2h^k (`NTTPlan.forwardBlock`).
void ciro_ntt_block_x8(int kernels, uint64_t *data, size_t count, const uint64_t *twiddles);

/// Every wide stage on one stripe held contiguously at `data` (`NTTPlan.wideStages`): `rows` rows of
/// `stripe` words (a multiple of 8), row r holding columns `column` ..< `column + stripe` of row r
/// of a matrix with rows of `block` words; the stage of half h = H * block pairs rows r and r + H,
/// with twiddle twiddles[h + (r mod H) * block + column + j] for column j of the stripe.
void ciro_ntt_wide_stripe_x8(int kernels, uint64_t *data, size_t rows, size_t stripe, size_t block, size_t column,
                             const uint64_t *twiddles);

/// dst[j] = src[j] * P_j for j < `count` (a multiple of 8), where P_j = powers8[j] for j < 8 and
/// P_(j+8) = P_j * step.
void ciro_goldilocks_scale_powers_x8(int kernels, uint64_t *dst, const uint64_t *src, size_t count, const uint64_t *powers8,
                                     uint64_t step);

/// Every bit of the multilinear Möbius transform (`MLE.transform`) on `count` words at `data` (a
/// power of two, at least 8): for each bit b, t[i + 2^b] -= t[i] (`subtract`, evaluations to
/// coefficients) or += t[i] (otherwise) for every i with bit b clear.
void ciro_mobius_block_x8(int kernels, uint64_t *data, size_t count, int subtract);

/// Bits `bit` and `bit + 1` (`bits` = 2) or `bit` alone (`bits` = 1) of the Möbius transform for
/// the groups k in [first, last) of a table at `base`: group k is the 2^bits entries at stride
/// 2^bit from (((k >> bit) << (bit + bits)) | (k mod 2^bit)) (`MLE.transformPass`).
void ciro_mobius_pass_x8(int kernels, uint64_t *base, size_t first, size_t last, unsigned bit, unsigned bits, int subtract);

#endif
