#ifndef CIRO_PROOF_KERNELS_H
#define CIRO_PROOF_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU runs `ciro_blake2b_x8` (x86-64 with AVX-512F, checked once at run time), 0
/// otherwise: callers then hash one message at a time in Swift.
int ciro_blake2b_x8_available(void);

/// Eight BLAKE2b-256 digests at once (RFC 7693; one message per 64-bit lane of AVX-512 registers).
///
/// The message of lane L (L < 8) is the concatenation, over p < `segment_count`, of the
/// `segment_bytes` bytes at `segments[p] + L * lane_stride`. `segment_bytes` is a positive multiple
/// of 8 and either a multiple of 128 or, with one segment, at most 128 (an inner Merkle node: 64).
/// Parameter block: digest length 32, no key, fanout 1, depth 1, salt = the 16 bytes at
/// `salts + 16 * L` (zeros when `salts` is NULL), personalization = the two little-endian words
/// (`personal0`, `personal1`). Lane L's digest (32 bytes) is written to `out + 32 * L`.
/// Call only when `ciro_blake2b_x8_available()` returned 1.
void ciro_blake2b_x8(const uint8_t *const *segments, size_t segment_count, size_t segment_bytes,
                     size_t lane_stride, const uint8_t *salts, uint64_t personal0, uint64_t personal1,
                     uint8_t *out);

#endif
