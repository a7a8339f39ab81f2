// Shared by the files of x86 kernels (kernels_x86.cpp, vecmath_x86.cpp, bf16_pack.cpp,
// gemm_amx_pack.cpp): the target attributes each function carries (the files are compiled for
// baseline x86-64 and their functions called only where isa_supported says so), the horizontal
// sums, the int4 group tables and the rounding to bf16.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns about the undefined vectors inside its own AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include <immintrin.h>

#include <cstdint>

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

// The int4 value table of column j of a group: lane q = fp16(s_j * (q - z_j)) as fp32, from the
// group's scales s and s * z (header512); s * z and s * q are exact in fp32 and the FMA rounds
// once, so each lane is the official fp16(scale * (q - zero)) (but +0 where q = z).
QV_AVX512 inline __m512 table512(__m512 s, __m512 sz, int j) {
  const __m512 iota = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i jj = _mm512_set1_epi32(j);
  const __m512 t = _mm512_fmsub_ps(iota, _mm512_permutexvar_ps(jj, s), _mm512_permutexvar_ps(jj, sz));
  return _mm512_cvtph_ps(_mm512_cvtps_ph(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// A PackedInt4 group header's 16 scales and scale * zero as floats.
QV_AVX512 inline void header512(const uint8_t* hdr, __m512& s, __m512& sz) {
  s = _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(hdr)));
  const __m512 z = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_load_si128(reinterpret_cast<const __m128i*>(hdr + 32))));
  sz = _mm512_mul_ps(s, z);
}

// A 16 x 16 transpose of dwords in registers: out[p] holds dword p of r[0..15] in order. r is
// used as scratch. (bf16_pack.cpp's pairs_to_lines and gemm_amx_pack.cpp's tiles: a dword is
// one pair of bf16.)
QV_AVX512 inline void transpose16x16_epi32(__m512i r[16], __m512i out[16]) {
  __m512i t[16];
#pragma GCC unroll 8
  for (int j = 0; j < 16; j += 2) {
    t[j] = _mm512_unpacklo_epi32(r[j], r[j + 1]);
    t[j + 1] = _mm512_unpackhi_epi32(r[j], r[j + 1]);
  }
  // r[4g + i]: dword 4L + i of rows 4g .. 4g + 3 in each 128-bit lane L.
#pragma GCC unroll 4
  for (int g = 0; g < 4; ++g) {
    r[4 * g + 0] = _mm512_unpacklo_epi64(t[4 * g], t[4 * g + 2]);
    r[4 * g + 1] = _mm512_unpackhi_epi64(t[4 * g], t[4 * g + 2]);
    r[4 * g + 2] = _mm512_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
    r[4 * g + 3] = _mm512_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    const __m512i v = _mm512_shuffle_i32x4(r[i], r[4 + i], 0x88), w = _mm512_shuffle_i32x4(r[i], r[4 + i], 0xdd);
    const __m512i x = _mm512_shuffle_i32x4(r[8 + i], r[12 + i], 0x88);
    const __m512i y = _mm512_shuffle_i32x4(r[8 + i], r[12 + i], 0xdd);
    out[i] = _mm512_shuffle_i32x4(v, x, 0x88);
    out[4 + i] = _mm512_shuffle_i32x4(w, y, 0x88);
    out[8 + i] = _mm512_shuffle_i32x4(v, x, 0xdd);
    out[12 + i] = _mm512_shuffle_i32x4(w, y, 0xdd);
  }
}

// fp32 to bf16 on 16 lanes, round to nearest even, NaN stays NaN (its quiet bit set), as
// bf16_pack.cpp's to_bf16; the bf16 widened back to fp32 in *wide.
// The same with each bf16 in the low half of its dword.
QV_AVX512 inline __m512i to_bf16_lanes(__m512 v, __m512* wide) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  const __mmask16 nan =
      _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
  r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40)));
  *wide = _mm512_castsi512_ps(_mm512_slli_epi32(r, 16));
  return r;
}
QV_AVX512 inline __m256i to_bf16_16(__m512 v, __m512* wide) { return _mm512_cvtepi32_epi16(to_bf16_lanes(v, wide)); }

QV_AVX2 inline float hsum256(__m256 v) {
  const __m128 b = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 c = _mm_add_ps(b, _mm_movehl_ps(b, b));
  return _mm_cvtss_f32(_mm_add_ss(c, _mm_movehdup_ps(c)));
}

}  // namespace qwenvl::cpu::detail
