// The AVX2/FMA/F16C and AVX-512 kernels (kernels.h). Each function carries its own target
// attribute, so this file is compiled for baseline x86-64 and only called on CPUs that have the
// instructions (isa_supported). The int4 kernels look weights up in a per-(group, column) table
// of the 16 values fp16(s * (q - z)) (vpermps), formed exactly as model/gptq.cpp does; x is
// first split into even and odd k per chunk so that one byte of weights feeds two vectors.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/kernels.h"
#include "cpu/simd_x86.h"

namespace qwenvl::cpu::detail {

namespace {

// x reordered per chunk of `cw` k: the even k, then the odd k.
void split_even_odd(const float* x, int K, int cw, float* out) {
  const int half = cw / 2;
  for (int c = 0; c < K; c += cw)
    for (int i = 0; i < half; ++i) {
      out[c + i] = x[c + 2 * i];
      out[c + half + i] = x[c + 2 * i + 1];
    }
}

std::vector<float>& scratch_x() {
  thread_local std::vector<float> v;
  return v;
}

// ---- AVX2 ----

QV_AVX2 inline __m256 lookup256(__m256 lo, __m256 hi, __m256i idx) {
  const __m256 a = _mm256_permutevar8x32_ps(lo, idx), b = _mm256_permutevar8x32_ps(hi, idx);
  return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)));
}

QV_AVX2 inline __m256 round_fp16_256(__m256 v) {
  return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// Scales and s * z of the 16 columns of a group, as floats.
QV_AVX2 inline void header256(const uint8_t* hdr, float s[16], float sz[16]) {
  for (int h = 0; h < 2; ++h) {
    const __m256 sv = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(hdr) + h));
    __m128i zb;
    std::memcpy(&zb, hdr + 32 + 8 * h, 8);
    const __m256 zv = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(zb));
    _mm256_storeu_ps(s + 8 * h, sv);
    _mm256_storeu_ps(sz + 8 * h, _mm256_mul_ps(sv, zv));
  }
}

}  // namespace

QV_AVX512 void gemv_int4_avx512(const PackedInt4& w, const float* x, const float* bias, float* y, int b0, int b1) {
  // Software prefetch of the weights QWENVL_CPU_GEMV_PREFETCH groups ahead (0: none), within this
  // call's blocks; it changes no result. Run I of issue 13 (docs/benchmarks.md): 11.2 tok/s with
  // 2, the default, and 10.9 without.
  static const int prefetch = env_int("QWENVL_CPU_GEMV_PREFETCH", 2, 0, 16);
  if (b0 >= b1) return;
  std::vector<float>& xs = scratch_x();
  xs.resize(size_t(w.K));
  split_even_odd(x, w.K, 32, xs.data());
  const int chunks = w.G / 32, groups = w.K / w.G, seg = w.G / 2;
  const uint8_t* const first = w.block(b0);
  const size_t span = size_t(b1 - b0) * w.block_bytes;  // bytes of this call's blocks
  for (int b = b0; b < b1; ++b) {
    const uint8_t* blk = w.block(b);
    __m512 acc[16];
    for (auto& a : acc) a = _mm512_setzero_ps();
    for (int g = 0; g < groups; ++g) {
      const uint8_t* hdr = blk + size_t(g) * w.group_bytes;
      if (prefetch) {
        const size_t ahead = size_t(hdr - first) + size_t(prefetch) * w.group_bytes;
        for (size_t line = 0; line < w.group_bytes && ahead + line < span; line += 64)
          _mm_prefetch(reinterpret_cast<const char*>(first + ahead + line), _MM_HINT_T0);
      }
      __m512 s, sz;
      header512(hdr, s, sz);
      const float* xg = xs.data() + size_t(g) * w.G;
      for (int j = 0; j < 16; ++j) {
        const __m512 t = table512(s, sz, j);
        const uint8_t* q = hdr + 64 + size_t(j) * seg;
        __m512 a = acc[j];
        for (int c = 0; c < chunks; ++c) {
          const __m512i idx = _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(q + 16 * c)));
          a = _mm512_fmadd_ps(_mm512_permutexvar_ps(idx, t), _mm512_loadu_ps(xg + 32 * c), a);
          a = _mm512_fmadd_ps(_mm512_permutexvar_ps(_mm512_srli_epi32(idx, 4), t), _mm512_loadu_ps(xg + 32 * c + 16),
                              a);
        }
        acc[j] = a;
      }
    }
    const int n0 = b * 16, nc = std::min(16, w.N - n0);
    for (int j = 0; j < nc; ++j) y[n0 + j] = hsum512(acc[j]) + (bias ? bias[n0 + j] : 0.0f);
  }
}

QV_AVX512 void dequant_int4_avx512(const PackedInt4& w, int b0, int b1, float* out, int ld) {
  const int chunks = w.G / 32, groups = w.K / w.G, seg = w.G / 2;
  const __m512i lo_idx = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi_idx = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  for (int b = b0; b < b1; ++b) {
    const uint8_t* blk = w.block(b);
    for (int g = 0; g < groups; ++g) {
      const uint8_t* hdr = blk + size_t(g) * w.group_bytes;
      __m512 s, sz;
      header512(hdr, s, sz);
      for (int j = 0; j < 16; ++j) {
        const __m512 t = table512(s, sz, j);
        const uint8_t* q = hdr + 64 + size_t(j) * seg;
        float* row = out + (size_t(b - b0) * 16 + j) * ld + size_t(g) * w.G;
        for (int c = 0; c < chunks; ++c) {
          const __m512i idx = _mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(q + 16 * c)));
          const __m512 even = _mm512_permutexvar_ps(idx, t);
          const __m512 odd = _mm512_permutexvar_ps(_mm512_srli_epi32(idx, 4), t);
          _mm512_storeu_ps(row + 32 * c, _mm512_permutex2var_ps(even, lo_idx, odd));
          _mm512_storeu_ps(row + 32 * c + 16, _mm512_permutex2var_ps(even, hi_idx, odd));
        }
      }
    }
  }
}

QV_AVX512 void gemv_f16_avx512(const uint16_t* w, int K, const float* x, const float* bias, float* y, int n0, int n1) {
  const int K16 = K & ~15;
  int n = n0;
  for (; n + 4 <= n1; n += 4) {
    const uint16_t* r[4] = {w + size_t(n) * K, w + size_t(n + 1) * K, w + size_t(n + 2) * K, w + size_t(n + 3) * K};
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int k = 0; k < K16; k += 16) {
      const __m512 xv = _mm512_loadu_ps(x + k);
      for (int i = 0; i < 4; ++i)
        acc[i] = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r[i] + k))), xv,
                                 acc[i]);
    }
    for (int i = 0; i < 4; ++i) {
      float s = hsum512(acc[i]);
      for (int k = K16; k < K; ++k) s += x[k] * _cvtsh_ss(r[i][k]);
      y[n + i] = s + (bias ? bias[n + i] : 0.0f);
    }
  }
  for (; n < n1; ++n) {
    const uint16_t* r = w + size_t(n) * K;
    __m512 acc = _mm512_setzero_ps();
    for (int k = 0; k < K16; k += 16)
      acc = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + k))),
                            _mm512_loadu_ps(x + k), acc);
    float s = hsum512(acc);
    for (int k = K16; k < K; ++k) s += x[k] * _cvtsh_ss(r[k]);
    y[n] = s + (bias ? bias[n] : 0.0f);
  }
}

QV_AVX2 void gemv_int4_avx2(const PackedInt4& w, const float* x, const float* bias, float* y, int b0, int b1) {
  std::vector<float>& xs = scratch_x();
  xs.resize(size_t(w.K));
  split_even_odd(x, w.K, 16, xs.data());
  const int chunks = w.G / 16, groups = w.K / w.G, seg = w.G / 2;
  const __m256 iota_lo = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7), iota_hi = _mm256_setr_ps(8, 9, 10, 11, 12, 13, 14, 15);
  alignas(32) float s[16], sz[16];
  for (int b = b0; b < b1; ++b) {
    const uint8_t* blk = w.block(b);
    __m256 acc[16];
    for (auto& a : acc) a = _mm256_setzero_ps();
    for (int g = 0; g < groups; ++g) {
      const uint8_t* hdr = blk + size_t(g) * w.group_bytes;
      header256(hdr, s, sz);
      const float* xg = xs.data() + size_t(g) * w.G;
      for (int j = 0; j < 16; ++j) {
        const __m256 sj = _mm256_set1_ps(s[j]), szj = _mm256_set1_ps(sz[j]);
        const __m256 tlo = round_fp16_256(_mm256_fmsub_ps(iota_lo, sj, szj));
        const __m256 thi = round_fp16_256(_mm256_fmsub_ps(iota_hi, sj, szj));
        const uint8_t* q = hdr + 64 + size_t(j) * seg;
        __m256 a0 = acc[j], a1 = _mm256_setzero_ps();
        for (int c = 0; c < chunks; ++c) {
          __m128i bytes;
          std::memcpy(&bytes, q + 8 * c, 8);
          const __m256i idx = _mm256_cvtepu8_epi32(bytes);
          a0 = _mm256_fmadd_ps(lookup256(tlo, thi, idx), _mm256_loadu_ps(xg + 16 * c), a0);
          a1 = _mm256_fmadd_ps(lookup256(tlo, thi, _mm256_srli_epi32(idx, 4)), _mm256_loadu_ps(xg + 16 * c + 8), a1);
        }
        acc[j] = _mm256_add_ps(a0, a1);
      }
    }
    const int n0 = b * 16, nc = std::min(16, w.N - n0);
    for (int j = 0; j < nc; ++j) y[n0 + j] = hsum256(acc[j]) + (bias ? bias[n0 + j] : 0.0f);
  }
}

QV_AVX2 void dequant_int4_avx2(const PackedInt4& w, int b0, int b1, float* out, int ld) {
  const int chunks = w.G / 16, groups = w.K / w.G, seg = w.G / 2;
  const __m256 iota_lo = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7), iota_hi = _mm256_setr_ps(8, 9, 10, 11, 12, 13, 14, 15);
  alignas(32) float s[16], sz[16];
  for (int b = b0; b < b1; ++b) {
    const uint8_t* blk = w.block(b);
    for (int g = 0; g < groups; ++g) {
      const uint8_t* hdr = blk + size_t(g) * w.group_bytes;
      header256(hdr, s, sz);
      for (int j = 0; j < 16; ++j) {
        const __m256 sj = _mm256_set1_ps(s[j]), szj = _mm256_set1_ps(sz[j]);
        const __m256 tlo = round_fp16_256(_mm256_fmsub_ps(iota_lo, sj, szj));
        const __m256 thi = round_fp16_256(_mm256_fmsub_ps(iota_hi, sj, szj));
        const uint8_t* q = hdr + 64 + size_t(j) * seg;
        float* row = out + (size_t(b - b0) * 16 + j) * ld + size_t(g) * w.G;
        for (int c = 0; c < chunks; ++c) {
          __m128i bytes;
          std::memcpy(&bytes, q + 8 * c, 8);
          const __m256i idx = _mm256_cvtepu8_epi32(bytes);
          const __m256 even = lookup256(tlo, thi, idx), odd = lookup256(tlo, thi, _mm256_srli_epi32(idx, 4));
          const __m256 a = _mm256_unpacklo_ps(even, odd), bb = _mm256_unpackhi_ps(even, odd);
          _mm256_storeu_ps(row + 16 * c, _mm256_permute2f128_ps(a, bb, 0x20));
          _mm256_storeu_ps(row + 16 * c + 8, _mm256_permute2f128_ps(a, bb, 0x31));
        }
      }
    }
  }
}

QV_AVX2 void gemv_f16_avx2(const uint16_t* w, int K, const float* x, const float* bias, float* y, int n0, int n1) {
  const int K8 = K & ~7;
  int n = n0;
  for (; n + 4 <= n1; n += 4) {
    const uint16_t* r[4] = {w + size_t(n) * K, w + size_t(n + 1) * K, w + size_t(n + 2) * K, w + size_t(n + 3) * K};
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int k = 0; k < K8; k += 8) {
      const __m256 xv = _mm256_loadu_ps(x + k);
      for (int i = 0; i < 4; ++i)
        acc[i] =
            _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r[i] + k))), xv, acc[i]);
    }
    for (int i = 0; i < 4; ++i) {
      float s = hsum256(acc[i]);
      for (int k = K8; k < K; ++k) s += x[k] * _cvtsh_ss(r[i][k]);
      y[n + i] = s + (bias ? bias[n + i] : 0.0f);
    }
  }
  for (; n < n1; ++n) {
    const uint16_t* r = w + size_t(n) * K;
    __m256 acc = _mm256_setzero_ps();
    for (int k = 0; k < K8; k += 8)
      acc = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + k))),
                            _mm256_loadu_ps(x + k), acc);
    float s = hsum256(acc);
    for (int k = K8; k < K; ++k) s += x[k] * _cvtsh_ss(r[k]);
    y[n] = s + (bias ? bias[n] : 0.0f);
  }
}

}  // namespace qwenvl::cpu::detail
