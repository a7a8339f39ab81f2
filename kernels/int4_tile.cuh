// The tiled GPTQ int4 layout shared by the int4 GEMV (decode) and GEMM (prompt) kernels: one
// lane's uint4 of a 16-row x 64-k chunk, its group's scales and zeros, and the dequantisation
// into m16n8k16 A fragments. Device code only; see qwenvl_kernels.h for the layout.
#pragma once

#include "common.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels::int4 {

constexpr int kChunk = 64;  // k per uint4 per lane (4 k-tiles of 16)

struct Fragments {
  uint4 q;
  uint32_t s;
  uint2 z;
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
    f[rt].s = __ldg(w.scales + (tile * groups + grp) * 8 + (lane >> 2));
    f[rt].z = __ldg(w.zeros + tile * groups + grp);
  }
}

// The A fragments of one word: fp16(scale * (q - zero)), the weight the official kernels form
// (q - zero is exact in fp16, so the product is rounded once). s_lo holds the scale of row g,
// s_hi of row g + 8, in both halves.
__device__ __forceinline__ void dequant_word(uint32_t word, __half2 zlo, __half2 zhi, __half2 s_lo, __half2 s_hi,
                                             uint32_t (&a)[4]) {
  const __half2 sixteenth = __float2half2_rn(1.f / 16.f);
  const uint32_t w2 = word >> 8;
  a[0] = as_u32(__hmul2(__hsub2(as_half2(lop3_and_or(word, 0x000F000Fu, 0x64006400u)), zlo), s_lo));
  a[1] = as_u32(__hmul2(__hfma2(as_half2(lop3_and_or(word, 0x00F000F0u, 0x64006400u)), sixteenth, zhi), s_hi));
  a[2] = as_u32(__hmul2(__hsub2(as_half2(lop3_and_or(w2, 0x000F000Fu, 0x64006400u)), zlo), s_lo));
  a[3] = as_u32(__hmul2(__hfma2(as_half2(lop3_and_or(w2, 0x00F000F0u, 0x64006400u)), sixteenth, zhi), s_hi));
}

// zlo = 1024 + z(row g) for the hsub2 of a0/a2; zhi = -(64 + z(row g+8)) for the hfma2 of a1/a3.
__device__ __forceinline__ void zero_halves(uint2 z, int g, __half2* zlo, __half2* zhi) {
  const int z0 = static_cast<int>((z.x >> (4 * g)) & 15u) + 1;
  const int z1 = static_cast<int>((z.y >> (4 * g)) & 15u) + 1;
  *zlo = __float2half2_rn(1024.f + z0);
  *zhi = __float2half2_rn(-64.f - z1);
}

// The epilogues' roundings (qwenvl_kernels.h's Int4Epilogue), shared by gemm_int4 and the
// cuBLAS prompt path (dequant_int4.cu) so both round in the same order. v is the fp32
// accumulator plus the bias (when there is one).
__device__ __forceinline__ __half epilogue_residual(float v, __half residual) {
  return __float2half_rn(__half2float(__float2half_rn(v)) + __half2float(residual));
}
__device__ __forceinline__ __half epilogue_silu_mul(float up, float gate) {
  const float up16 = __half2float(__float2half_rn(up));
  const float act = __half2float(__float2half_rn(silu(__half2float(__float2half_rn(gate)))));
  return __float2half_rn(up16 * act);
}

// The one-token streaming GEMV (gemv_int4_one.cu): whether it takes this layer (the shapes where
// it measured faster than the ring kernel, group a power-of-two multiple of 64, x fits the default
// shared memory, not switched off), and the launch.
bool gemv_one_supported(const Int4Weight& w, Int4Epilogue epilogue);
cudaError_t gemv_int4_one(const Int4Weight& w, const __half* x, __half* y, const __half* residual,
                          Int4Epilogue epilogue, cudaStream_t stream, const __half* norm_w, float eps);

}  // namespace qwenvl::kernels::int4
