// bf16 packing for the bf16x3 GEMM split (bf16_pack.h).
#include "cpu/bf16_pack.h"

#include <cstring>

#if defined(__x86_64__)
#include "cpu/simd_x86.h"
#endif

namespace qwenvl::cpu::bf16 {

namespace {

// Round to nearest even to bf16.
inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // NaN stays NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

inline float from_bf16(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Values [k0, K) of a row into hi = bf16(x) and lo = bf16(x - hi), and hi again into copy when
// it is not null (split_row's third part).
void split_scalar(const float* src, int k0, int K, uint16_t* hi, uint16_t* lo, uint16_t* copy) {
  for (int k = k0; k < K; ++k) {
    hi[k] = to_bf16(src[k]);
    lo[k] = to_bf16(src[k] - from_bf16(hi[k]));
    if (copy) copy[k] = hi[k];
  }
}

#if defined(__x86_64__)
using detail::to_bf16_16;
using detail::transpose16x16_epi32;

QV_AVX512 void split_avx512(const float* src, int K, uint16_t* hi, uint16_t* lo, uint16_t* copy) {
  int k = 0;
  for (; k + 16 <= K; k += 16) {
    const __m512 v = _mm512_loadu_ps(src + k);
    __m512 hv, lv;
    const __m256i h = to_bf16_16(v, &hv);
    const __m256i l = to_bf16_16(_mm512_sub_ps(v, hv), &lv);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(hi + k), h);
    if (copy) _mm256_storeu_si256(reinterpret_cast<__m256i*>(copy + k), h);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(lo + k), l);
  }
  split_scalar(src, k, K, hi, lo, copy);
}
#endif

// Pairs [k, k + 2) of 16 rows (src, ld apart) as lines of 16 pairs, pair k's at line0 + fk[k]
// (BlockedLayout::pairs16's layouts), for even k < kl.
void pairs_to_lines_scalar(const uint16_t* src, size_t ld, int k_begin, int kl, const int64_t* fk, uint16_t* line0) {
  for (int k = k_begin; k < kl; k += 2) {
    uint16_t* const line = line0 + fk[k];
    for (int j = 0; j < 16; ++j) std::memcpy(line + 2 * j, src + size_t(j) * ld + k, sizeof(uint32_t));
  }
}

#if defined(__x86_64__)
// The same, 16 pairs at a time: a 16 x 16 transpose of 32-bit pairs in registers.
QV_AVX512 void pairs_to_lines_avx512(const uint16_t* src, size_t ld, int kl, const int64_t* fk, uint16_t* line0) {
  int k = 0;
  for (; k + 32 <= kl; k += 32) {
    __m512i r[16], lines[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) r[j] = _mm512_loadu_si512(src + size_t(j) * ld + k);
    transpose16x16_epi32(r, lines);
#pragma GCC unroll 16
    for (int p = 0; p < 16; ++p) _mm512_storeu_si512(line0 + fk[k + 2 * p], lines[p]);
  }
  pairs_to_lines_scalar(src, ld, k, kl, fk, line0);
}
#endif

}  // namespace

void pairs_to_lines(Isa isa, const uint16_t* src, size_t ld, int kl, const int64_t* fk, uint16_t* line0) {
#if defined(__x86_64__)
  if (isa == Isa::Avx512) return pairs_to_lines_avx512(src, ld, kl, fk, line0);
#endif
  (void)isa;
  pairs_to_lines_scalar(src, ld, 0, kl, fk, line0);
}

void split_hi_lo(Isa isa, const float* src, int K, uint16_t* hi, uint16_t* lo, uint16_t* copy) {
#if defined(__x86_64__)
  if (isa == Isa::Avx512) return split_avx512(src, K, hi, lo, copy);
#endif
  (void)isa;
  split_scalar(src, 0, K, hi, lo, copy);
}

void split_row(Isa isa, const float* src, int K, bool weight, uint16_t* out) {
  // [hi | hi | lo] for an activation row, [hi | lo | hi] for a weight row.
  split_hi_lo(isa, src, K, out, out + (weight ? K : 2 * K), out + (weight ? 2 * K : K));
}

}  // namespace qwenvl::cpu::bf16
