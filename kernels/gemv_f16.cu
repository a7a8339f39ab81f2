// fp16 matrix times one fp16 vector with fp32 accumulation and fp32 output: the lm_head of a
// decode step (151936 x 4096, 1.2 GB streamed once per token with 16-byte loads).
// Test: build/tests/gpu/test_gemv (needs a GPU).
#include "common.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

constexpr int kWarps = 8;
constexpr int kRowsPerWarp = 4;

// Warp w of block b takes rows (b * kWarps + w) * kRowsPerWarp ...; lane l reads 8 halves of each
// row per 256-wide step. x is staged in shared memory once per block.
__global__ void __launch_bounds__(kWarps * 32)
    gemv_f16_kernel(const __half* __restrict__ w, int n, int k, const __half* __restrict__ x, float* __restrict__ y) {
  extern __shared__ uint4 xs[];
  pdl_trigger();
  pdl_wait();
  const int k8 = k / 8;
  for (int i = threadIdx.x; i < k8; i += blockDim.x) xs[i] = reinterpret_cast<const uint4*>(x)[i];
  __syncthreads();
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int row0 = (blockIdx.x * kWarps + warp) * kRowsPerWarp;
  if (row0 >= n) return;
  float acc[kRowsPerWarp] = {};
  for (int base = 0; base < k8; base += 32 * 4) {
    uint4 wv[4][kRowsPerWarp];
#pragma unroll
    for (int s = 0; s < 4; ++s) {
      const int i = base + s * 32 + lane;
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) {
        const int row = min(row0 + r, n - 1);
        wv[s][r] = i < k8 ? ld_stream(reinterpret_cast<const uint4*>(w + static_cast<size_t>(row) * k) + i)
                          : make_uint4(0, 0, 0, 0);
      }
    }
#pragma unroll
    for (int s = 0; s < 4; ++s) {
      const int i = base + s * 32 + lane;
      if (i >= k8) break;
      const uint4 xv = xs[i];
      const uint32_t xw[4] = {xv.x, xv.y, xv.z, xv.w};
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) {
        const uint32_t ww[4] = {wv[s][r].x, wv[s][r].y, wv[s][r].z, wv[s][r].w};
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const float2 a = __half22float2(as_half2(ww[j]));
          const float2 b = __half22float2(as_half2(xw[j]));
          acc[r] = fmaf(a.x, b.x, fmaf(a.y, b.y, acc[r]));
        }
      }
    }
  }
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const float v = warp_sum(acc[r]);
    if (lane == 0 && row0 + r < n) y[row0 + r] = v;
  }
}

}  // namespace

cudaError_t gemv_f16_f32(const __half* w, int n, int k, const __half* x, float* y, cudaStream_t stream) {
  if (n <= 0 || k <= 0 || k % 8) return cudaErrorInvalidValue;
  const size_t smem = static_cast<size_t>(k) * sizeof(__half);
  if (smem > 48 * 1024) {
    const cudaError_t e =
        cudaFuncSetAttribute(gemv_f16_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
    if (e != cudaSuccess) return e;
  }
  const int rows_per_block = kWarps * kRowsPerWarp;
  return launch_pdl(gemv_f16_kernel, dim3((n + rows_per_block - 1) / rows_per_block), dim3(kWarps * 32), smem, stream,
                    w, n, k, x, y);
}

}  // namespace qwenvl::kernels
