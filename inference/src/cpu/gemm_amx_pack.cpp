// The Amx split's B panels packed in one pass on AVX-512 (gemm.h's amx_pack_panel_avx512): the
// same bytes as gemm_amx.cpp's three passes (widen a 16-column block to fp32 rows, split each
// row into bf16 hi and lo, interleave the pairs into the tile lines), with the data kept in
// registers from the weights to the tile lines. Per 32-k step and 16-column block, each
// column's 16 pairs (k, k + 1) become one vector of 16 dwords (hi, and lo), and a 16 x 16
// transpose of dwords turns the 16 columns' vectors into the tile's 16 lines (line p: pair p of
// the 16 columns).
//  - Int4 (PackedInt4): a GPTQ byte holds exactly a pair (k even in the low nibble). Per group
//    and column, the 16 values fp16(s (q - z)) (table512, as dequant_int4_avx512 forms them)
//    are split into bf16 hi and lo once, into a 32-word table (hi of q at word q, lo at 16 + q);
//    then a step's 16 bytes of the column, widened to words of nibbles, look up the hi pairs and
//    (the indices + 16) the lo pairs with one vpermw each.
//  - F16Rows: a row's 32 fp16 of the step (a masked load past K: zeros, as the fp32 rows'
//    padding) are widened to fp32 (vcvtph2ps, exact) and rounded to bf16 as bf16_pack.cpp does
//    (nearest even, NaN kept NaN) in integer operations; vpackusdw packs the two halves' hi
//    (and lo) into pairs, their order within the vector undone by where each line is stored.
//    Where the CPU has AVX512_BF16 (and amx_linear always asks for it), vcvtne2ps2bf16 rounds
//    and packs instead (pack_f16_block_bf16, the same bytes).
// Columns past nb are zeros, as are whole 16-column blocks past it. Only the blocks asked for
// are written (amx_linear's shared panels are packed in parts by all threads). Any other weight (F16Cols,
// int4 groups not a multiple of 32, a CPU or compiler without x86) is left to the three passes.
#include <algorithm>
#include <cstring>

#include "cpu/gemm.h"
#include "cpu/gemm_amx_internal.h"

#if defined(__x86_64__)
#include <cpuid.h>

#include "cpu/simd_x86.h"

#define QV_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma,f16c")))
#endif

namespace qwenvl::cpu {

#if defined(__x86_64__)
namespace {

using amx::kStep;
using amx::kTile;

// The tile line of dword d of a column's vector: pair d, or with Packus the pair that
// _mm512_packus_epi32 of (k 0..15, k 16..31) puts there (per 128-bit lane L: pairs 2L, 2L + 1,
// 8 + 2L, 9 + 2L).
template <bool Packus>
constexpr int line_of(int d) {
  return !Packus ? d : d % 4 < 2 ? 2 * (d / 4) + d % 4 : 8 + 2 * (d / 4) + d % 4 - 2;
}

// Columns' vectors r[j] (dword d: a pair of column j, line_of(d) its line) transposed into the
// tile at `tile` (line p: pair p of columns 0..15, 32 bf16 apart).
template <bool Packus>
QV_AVX512 inline void store_transposed(__m512i r[16], uint16_t* tile) {
  __m512i lines[16];
  detail::transpose16x16_epi32(r, lines);
#pragma GCC unroll 16
  for (int d = 0; d < 16; ++d) _mm512_storeu_si512(tile + 32 * line_of<Packus>(d), lines[d]);
}

// Zeros into a block's hi and lo tiles of every step.
void zero_block(int steps, size_t s_stride, uint16_t* b) {
  for (int s = 0; s < steps; ++s) std::memset(b + size_t(s) * s_stride, 0, sizeof(uint16_t) * 2 * kTile);
}

// Block `bi` of w (its first cnt columns; the rest zero) into the tiles at b, steps s_stride
// bf16 apart.
QV_AVX512 void pack_int4_block(const PackedInt4& w, int bi, int cnt, size_t s_stride, uint16_t* b) {
  const uint8_t* const blk = w.block(bi);
  const int groups = w.K / w.G, seg = w.G / 2, chunks = w.G / kStep;
  alignas(64) uint16_t table[16][32];
  const __m512i nibbles = _mm512_set1_epi32(0x000f000f), to_lo = _mm512_set1_epi32(0x00100010);
  for (int g = 0; g < groups; ++g) {
    const uint8_t* const hdr = blk + size_t(g) * w.group_bytes;
    __m512 s, sz;
    detail::header512(hdr, s, sz);
    for (int j = 0; j < cnt; ++j) {
      const __m512 x = detail::table512(s, sz, j);
      __m512 hv, lv;
      const __m256i h = detail::to_bf16_16(x, &hv);
      const __m256i l = detail::to_bf16_16(_mm512_sub_ps(x, hv), &lv);
      _mm512_store_si512(table[j], _mm512_inserti64x4(_mm512_castsi256_si512(h), l, 1));
    }
    for (int c = 0; c < chunks; ++c) {
      __m512i hi[16], lo[16];
#pragma GCC unroll 16
      for (int j = 0; j < 16; ++j) {
        if (j >= cnt) {
          hi[j] = lo[j] = _mm512_setzero_si512();
          continue;
        }
        // Dword i: byte i of the column's step (pair i); as words, its low nibble, its high one.
        const __m512i d = _mm512_cvtepu8_epi32(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(hdr + 64 + size_t(j) * seg + 16 * c)));
        const __m512i q = _mm512_ternarylogic_epi32(d, _mm512_slli_epi32(d, 12), nibbles, 0xa8);  // (a | b) & c
        const __m512i t = _mm512_load_si512(table[j]);
        hi[j] = _mm512_permutexvar_epi16(q, t);
        lo[j] = _mm512_permutexvar_epi16(_mm512_or_si512(q, to_lo), t);
      }
      uint16_t* const tile = b + size_t(g * chunks + c) * s_stride;
      store_transposed<false>(hi, tile);
      store_transposed<false>(lo, tile + kTile);
    }
  }
}

// Rows [n, n + cnt) of fp16 W [N][K] (the rest zero) into the tiles at b, steps s_stride bf16
// apart, Kp / 32 steps. lo = bf16(x - hi) needs no rounding: x has at most 11 significant bits
// (fp16) and hi its first 8 rounded, so x - hi is exact in fp32 and has at most 3 (to_bf16
// leaves it as it is); where x is +-inf, x - hi is the default NaN, and where x is NaN, x
// quieted (x86 returns the first operand's NaN), whose top halves to_bf16 returns as well.
QV_AVX512 void pack_f16_block(const uint16_t* w, int K, int Kp, int cnt, size_t s_stride, uint16_t* b) {
  for (int s = 0; s < Kp / kStep; ++s) {
    const int k0 = s * kStep, valid = std::clamp(K - k0, 0, kStep);
    const __mmask32 mask = valid == kStep ? ~__mmask32(0) : __mmask32((uint32_t(1) << valid) - 1);
    __m512i hi[16], lo[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) {
      if (j >= cnt) {
        hi[j] = lo[j] = _mm512_setzero_si512();
        continue;
      }
      const __m512i v = _mm512_maskz_loadu_epi16(mask, w + size_t(j) * K + k0);
      const __m512 x0 = _mm512_cvtph_ps(_mm512_castsi512_si256(v));        // k 0..15
      const __m512 x1 = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(v, 1));  // k 16..31
      __m512 w0, w1;                                                       // hi widened back
      const __m512i h0 = detail::to_bf16_lanes(x0, &w0), h1 = detail::to_bf16_lanes(x1, &w1);
      const __m512i l0 = _mm512_srli_epi32(_mm512_castps_si512(_mm512_sub_ps(x0, w0)), 16);
      const __m512i l1 = _mm512_srli_epi32(_mm512_castps_si512(_mm512_sub_ps(x1, w1)), 16);
      hi[j] = _mm512_packus_epi32(h0, h1);  // every dword a pair, in line_of<true>'s order
      lo[j] = _mm512_packus_epi32(l0, l1);
    }
    uint16_t* const tile = b + size_t(s) * s_stride;
    store_transposed<true>(hi, tile);
    store_transposed<true>(lo, tile + kTile);
  }
}

// pack_f16_block with AVX512_BF16: vcvtne2ps2bf16 rounds as to_bf16 does (nearest even, NaN
// kept NaN with the quiet bit set) except that it reads a denormal fp32 as zero, and no value
// here is one (a value widened from fp16 is at least 2^-24, and so is x - hi where not zero);
// it packs k 0..31 in order, so each dword is pair k / 2. hi is widened back to fp32 for x -
// hi by placing each bf16 in the top half of a dword.
QV_AVX512_BF16 void pack_f16_block_bf16(const uint16_t* w, int K, int Kp, int cnt, size_t s_stride, uint16_t* b) {
  for (int s = 0; s < Kp / kStep; ++s) {
    const int k0 = s * kStep, valid = std::clamp(K - k0, 0, kStep);
    const __mmask32 mask = valid == kStep ? ~__mmask32(0) : __mmask32((uint32_t(1) << valid) - 1);
    __m512i hi[16], lo[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) {
      if (j >= cnt) {
        hi[j] = lo[j] = _mm512_setzero_si512();
        continue;
      }
      const __m512i v = _mm512_maskz_loadu_epi16(mask, w + size_t(j) * K + k0);
      const __m512 x0 = _mm512_cvtph_ps(_mm512_castsi512_si256(v));        // k 0..15
      const __m512 x1 = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(v, 1));  // k 16..31
      const __m512i h = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(x1, x0));
      const __m512 w0 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_castsi512_si256(h)), 16));
      const __m512 w1 =
          _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(h, 1)), 16));
      hi[j] = h;
      lo[j] = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(_mm512_sub_ps(x1, w1), _mm512_sub_ps(x0, w0)));
    }
    uint16_t* const tile = b + size_t(s) * s_stride;
    store_transposed<false>(hi, tile);
    store_transposed<false>(lo, tile + kTile);
  }
}

// AVX512_BF16: CPUID leaf 7, sub-leaf 1, EAX bit 5 (the OS support for the zmm state is what
// isa_supported(Avx512) already checks).
bool detect_bf16() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 5)) != 0;
}

}  // namespace
#endif

bool amx_pack_bf16_available() {
#if defined(__x86_64__)
  static const bool ok = isa_supported(Isa::Avx512) && detect_bf16();
  return ok;
#else
  return false;
#endif
}

bool amx_pack_panel_avx512(const FastWeight& w, int Kp, int n0, int nb, int np, int c0, int c1, uint16_t* b,
                           bool bf16) {
#if defined(__x86_64__)
  static const bool avx512 = isa_supported(Isa::Avx512);
  if (!avx512) return false;
  bf16 = bf16 && amx_pack_bf16_available();
  const bool int4 = w.kind == FastWeight::Kind::Int4 && w.int4->G % kStep == 0 && w.int4->K == Kp;
  if (!int4 && w.kind != FastWeight::Kind::F16Rows) return false;
  const int nc16 = np / 16, steps = Kp / kStep;
  const size_t s_stride = size_t(nc16) * 2 * kTile;
  for (int c = std::max(c0, 0); c < std::min(c1, nc16); ++c) {
    const int cnt = std::clamp(nb - 16 * c, 0, 16);
    uint16_t* const block = b + size_t(c) * 2 * kTile;
    if (cnt == 0)
      zero_block(steps, s_stride, block);
    else if (int4)
      pack_int4_block(*w.int4, (n0 + 16 * c) / 16, cnt, s_stride, block);
    else if (bf16)
      pack_f16_block_bf16(w.f16 + size_t(n0 + 16 * c) * w.K, w.K, Kp, cnt, s_stride, block);
    else
      pack_f16_block(w.f16 + size_t(n0 + 16 * c) * w.K, w.K, Kp, cnt, s_stride, block);
  }
  return true;
#else
  (void)w, (void)Kp, (void)n0, (void)nb, (void)np, (void)c0, (void)c1, (void)b, (void)bf16;
  return false;
#endif
}

}  // namespace qwenvl::cpu
