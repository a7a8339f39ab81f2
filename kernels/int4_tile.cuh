// The tiled GPTQ int4 layout shared by the int4 GEMV (decode) and GEMM (prompt) kernels: one
// lane's uint4 of a 16-row x 64-k chunk, its group's scales and zeros, and the dequantisation
// into m16n8k16 A fragments. Device code only; see qwenvl_kernels.h for the layout.
#pragma once

#include "common.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels::int4 {

constexpr int kChunk = 64;  // k per uint4 per lane (4 k-tiles of 16)

// One lane's words of a chunk and its rows' group record: sz.x = half2(scale g, scale g+8),
// sz.y = half2(1024 + zero g, -(64 + zero g+8)) (the zero point already + 1, AutoGPTQ v1).
struct Fragments {
  uint4 q;
  uint2 sz;
};

template <int RT>
__device__ __forceinline__ void load_chunk(const Int4Weight& w, int tile0, int c, int lane, int groups,
                                           Fragments (&f)[RT]) {
  const int KC = w.k / kChunk;
  const int grp = (c * kChunk) / w.group;
#pragma unroll
  for (int rt = 0; rt < RT; ++rt) {
    const size_t tile = static_cast<size_t>(tile0 + rt);
    f[rt].q = ld_stream(w.q + (tile * KC + c) * 32 + lane);
    f[rt].sz = __ldg(w.sz + (tile * groups + grp) * 8 + (lane >> 2));
  }
}

// The A fragments of one word: fp16(scale * (q - zero)), the weight the official kernels form
// (q - zero is exact in fp16, so the product is rounded once). Nibbles become 1024 + q (low) or
// 1024 + 16 q (high) by lop3 with the fp16 exponent of 1024; hsub2 / hfma2 subtract the zero.
__device__ __forceinline__ void dequant_word(uint32_t word, uint2 sz, uint32_t (&a)[4]) {
  const __half2 sixteenth = __float2half2_rn(1.f / 16.f);
  const __half2 s = as_half2(sz.x), z = as_half2(sz.y);
  const __half2 s_lo = __low2half2(s), s_hi = __high2half2(s);  // rows g, g + 8
  const __half2 z_lo = __low2half2(z), z_hi = __high2half2(z);  // 1024 + z(g), -(64 + z(g + 8))
  const uint32_t w2 = word >> 8;
  a[0] = as_u32(__hmul2(__hsub2(as_half2(lop3_and_or(word, 0x000F000Fu, 0x64006400u)), z_lo), s_lo));
  a[1] = as_u32(__hmul2(__hfma2(as_half2(lop3_and_or(word, 0x00F000F0u, 0x64006400u)), sixteenth, z_hi), s_hi));
  a[2] = as_u32(__hmul2(__hsub2(as_half2(lop3_and_or(w2, 0x000F000Fu, 0x64006400u)), z_lo), s_lo));
  a[3] = as_u32(__hmul2(__hfma2(as_half2(lop3_and_or(w2, 0x00F000F0u, 0x64006400u)), sixteenth, z_hi), s_hi));
}

}  // namespace qwenvl::kernels::int4
