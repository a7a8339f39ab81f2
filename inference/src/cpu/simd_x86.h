// Shared by the files of x86 kernels (kernels_x86.cpp, vecmath_x86.cpp): the target attributes
// each function carries (the files are compiled for baseline x86-64 and their functions called
// only where isa_supported says so) and the horizontal sums.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns about the undefined vectors inside its own AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include <immintrin.h>

#define QV_AVX2 __attribute__((target("avx2,fma,f16c")))
#define QV_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

namespace qwenvl::cpu::detail {

QV_AVX512 inline float hsum512(__m512 v) {
  const __m256 a =
      _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  const __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  const __m128 c = _mm_add_ps(b, _mm_movehl_ps(b, b));
  return _mm_cvtss_f32(_mm_add_ss(c, _mm_movehdup_ps(c)));
}

QV_AVX2 inline float hsum256(__m256 v) {
  const __m128 b = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 c = _mm_add_ps(b, _mm_movehl_ps(b, b));
  return _mm_cvtss_f32(_mm_add_ss(c, _mm_movehdup_ps(c)));
}

}  // namespace qwenvl::cpu::detail
