// The cuBLAS prompt path's two kernels (the host side is inference/src/cuda/int4_prefill.cpp):
// a tiled GPTQ int4 layer dequantised to a dense fp16 matrix with the very instructions of the
// int4 GEMV/GEMM (int4_tile.cuh: fp16(scale * (q - zero)), bit for bit GptqLinear's weight), and
// the epilogues applied to a cuBLAS product with gemm_int4's roundings.
// Test: build/tests/gpu/test_prefill_gemm (needs a GPU).
#include <algorithm>

#include "common.cuh"
#include "int4_tile.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

using namespace int4;

constexpr int kWarps = 8;
constexpr int kPad = kChunk + 8;  // halves per staged row (conflict-free fragment stores)

// Warp u (of the grid) takes unit u = tile * KC + c: the 16 rows x 64 k of one lane-uint4 chunk.
// The lanes form the A fragments as the GEMM does, stage them in shared memory, then write the
// 16 rows out as whole 128-byte segments.
__global__ void __launch_bounds__(kWarps * 32) dequant_int4_kernel(Int4Weight w, __half* __restrict__ out) {
  __shared__ __align__(16) __half stage[kWarps][16][kPad];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int KC = w.k / kChunk, groups = w.k / w.group;
  const size_t units = static_cast<size_t>(w.n / 16) * KC;
  const size_t unit = static_cast<size_t>(blockIdx.x) * kWarps + warp;
  if (unit >= units) return;
  const int tile = static_cast<int>(unit / KC), c = static_cast<int>(unit % KC);
  const int grp = (c * kChunk) / w.group;
  const uint4 q = ld_stream(w.q + unit * 32 + lane);
  const __half2 s = as_half2(__ldg(w.scales + (static_cast<size_t>(tile) * groups + grp) * 8 + g));
  const uint2 z = __ldg(w.zeros + static_cast<size_t>(tile) * groups + grp);
  __half2 zlo, zhi;
  zero_halves(z, g, &zlo, &zhi);
  const __half2 slo = __low2half2(s), shi = __high2half2(s);
  __half(*st)[kPad] = stage[warp];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const uint32_t word = i == 0 ? q.x : i == 1 ? q.y : i == 2 ? q.z : q.w;
    uint32_t a[4];
    dequant_word(word, zlo, zhi, slo, shi, a);
    // m16n8k16 A fragment: a0 (g, 2t), a1 (g + 8, 2t), a2 (g, 2t + 8), a3 (g + 8, 2t + 8).
    const int col = i * 16 + 2 * t;
    *reinterpret_cast<uint32_t*>(&st[g][col]) = a[0];
    *reinterpret_cast<uint32_t*>(&st[g + 8][col]) = a[1];
    *reinterpret_cast<uint32_t*>(&st[g][col + 8]) = a[2];
    *reinterpret_cast<uint32_t*>(&st[g + 8][col + 8]) = a[3];
  }
  __syncwarp();
  const int seg = lane & 7;
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const int r = (lane >> 3) + 4 * j;
    const uint4 v = *reinterpret_cast<const uint4*>(&st[r][seg * 8]);
    *reinterpret_cast<uint4*>(out + (static_cast<size_t>(tile) * 16 + r) * w.k + c * kChunk + seg * 8) = v;
  }
}

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }

// One thread per output element; acc is the cuBLAS product [m][n] (fp32, or fp16 when the layer
// has no bias: then fp16(acc) is what gemm_int4 rounds to before its residual or SiLU step).
template <class T, Int4Epilogue EP>
__global__ void epilogue_kernel(const T* __restrict__ acc, int m, int n, const __half* __restrict__ bias,
                                const __half* residual, __half* y) {
  const int cols = EP == Int4Epilogue::SiluMul ? n / 2 : n;
  const size_t total = static_cast<size_t>(m) * cols;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t tok = i / cols;
    const int j = static_cast<int>(i - tok * cols);
    const T* row = acc + tok * n;
    if constexpr (EP == Int4Epilogue::SiluMul) {
      // Tiles interleave up (even) and gate (odd): output column j is up row (j / 16) * 32 + j % 16.
      const int up_col = (j / 16) * 32 + (j % 16);
      float up = to_float(row[up_col]), gate = to_float(row[up_col + 16]);
      if (bias) {
        up += __half2float(bias[up_col]);
        gate += __half2float(bias[up_col + 16]);
      }
      y[i] = epilogue_silu_mul(up, gate);
    } else {
      float v = to_float(row[j]);
      if (bias) v += __half2float(bias[j]);
      if constexpr (EP == Int4Epilogue::Residual) {
        y[i] = epilogue_residual(v, residual[i]);
      } else {
        y[i] = __float2half_rn(v);
      }
    }
  }
}

template <class T>
cudaError_t launch_epilogue(const T* acc, int m, const Int4Weight& w, __half* y, const __half* residual,
                            Int4Epilogue epilogue, cudaStream_t stream) {
  if (m < 1 || w.n < 16 || w.n % 16 || (epilogue == Int4Epilogue::SiluMul && w.n % 32) ||
      (epilogue == Int4Epilogue::Residual && !residual))
    return cudaErrorInvalidValue;
  constexpr int kThreads = 256;
  const size_t total = static_cast<size_t>(m) * w.n;
  const int blocks = static_cast<int>(std::min<size_t>((total + kThreads - 1) / kThreads, 16384));
  switch (epilogue) {
    case Int4Epilogue::Store:
      epilogue_kernel<T, Int4Epilogue::Store><<<blocks, kThreads, 0, stream>>>(acc, m, w.n, w.bias, residual, y);
      break;
    case Int4Epilogue::Residual:
      epilogue_kernel<T, Int4Epilogue::Residual><<<blocks, kThreads, 0, stream>>>(acc, m, w.n, w.bias, residual, y);
      break;
    case Int4Epilogue::SiluMul:
      epilogue_kernel<T, Int4Epilogue::SiluMul><<<blocks, kThreads, 0, stream>>>(acc, m, w.n, w.bias, residual, y);
      break;
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t dequant_int4(const Int4Weight& w, __half* out, cudaStream_t stream) {
  if (w.n < 16 || w.n % 16 || w.k < kChunk || w.k % kChunk || w.group < kChunk || w.group % kChunk || w.k % w.group)
    return cudaErrorInvalidValue;
  const size_t units = static_cast<size_t>(w.n / 16) * (w.k / kChunk);
  const size_t blocks = (units + kWarps - 1) / kWarps;
  if (blocks > 0x7fffffffu) return cudaErrorInvalidValue;
  dequant_int4_kernel<<<static_cast<unsigned>(blocks), kWarps * 32, 0, stream>>>(w, out);
  return cudaGetLastError();
}

cudaError_t int4_epilogue(const float* acc, int m, const Int4Weight& w, __half* y, const __half* residual,
                          Int4Epilogue epilogue, cudaStream_t stream) {
  return launch_epilogue(acc, m, w, y, residual, epilogue, stream);
}

cudaError_t int4_epilogue(const __half* acc, int m, const Int4Weight& w, __half* y, const __half* residual,
                          Int4Epilogue epilogue, cudaStream_t stream) {
  if (w.bias) return cudaErrorInvalidValue;  // acc + bias must be rounded once: use the fp32 product
  return launch_epilogue(acc, m, w, y, residual, epilogue, stream);
}

}  // namespace qwenvl::kernels
