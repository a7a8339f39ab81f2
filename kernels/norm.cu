// Residual update fused with RMSNorm (LLM) or LayerNorm (ViT, resampler): one block per row,
// fp32 statistics, rounding to fp16 where the reference rounds.
// Test: build/tests/gpu/test_norm_rope (needs a GPU).
#include "common.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

constexpr int kThreads = 256;
constexpr int kMaxWidth = 11264;  // the row is cached in shared memory as fp32 (44 KB)

// v = x (+ fp16(y + y_bias)) rounded to fp16; stored to res_out and to vbuf (fp32).
__device__ __forceinline__ void load_row(const __half* x, const __half* y, const __half* y_bias, int y_row,
                                         __half* res_out, int row, int width, float* vbuf) {
  const size_t off = static_cast<size_t>(row) * width;
  const size_t yoff = static_cast<size_t>(y_row) * width;
  for (int c = threadIdx.x; c < width; c += blockDim.x) {
    __half v = x[off + c];
    if (y) {
      float yb = __half2float(y[yoff + c]);
      if (y_bias) yb = __half2float(__float2half_rn(yb + __half2float(y_bias[c])));
      v = __float2half_rn(__half2float(v) + yb);
    }
    if (res_out) res_out[off + c] = v;
    vbuf[c] = __half2float(v);
  }
}

__global__ void __launch_bounds__(kThreads)
    rmsnorm_kernel(const __half* x, const __half* y, const __half* y_bias, __half* res_out, __half* out,
                   const __half* __restrict__ w, int width, float eps) {
  extern __shared__ float vbuf[];
  __shared__ float scratch[32];
  pdl_trigger();
  pdl_wait();
  const int row = blockIdx.x;
  load_row(x, y, y_bias, row, res_out, row, width, vbuf);
  float ss = 0.f;
  for (int c = threadIdx.x; c < width; c += blockDim.x) ss += vbuf[c] * vbuf[c];
  ss = block_sum(ss, scratch);
  if (!out) return;
  const float r = rsqrtf(ss / width + eps);
  const size_t off = static_cast<size_t>(row) * width;
  for (int c = threadIdx.x; c < width; c += blockDim.x) {
    const float n16 = __half2float(__float2half_rn(vbuf[c] * r));
    out[off + c] = __float2half_rn(n16 * __half2float(w[c]));
  }
}

__global__ void __launch_bounds__(kThreads)
    layernorm_kernel(const __half* x, const __half* y, const __half* y_bias, int y_period, __half* res_out, __half* out,
                     const __half* __restrict__ w, const __half* __restrict__ b, int width, float eps) {
  extern __shared__ float vbuf[];
  __shared__ float scratch[32];
  const int row = blockIdx.x;
  load_row(x, y, y_bias, y_period > 0 ? row % y_period : row, res_out, row, width, vbuf);
  if (!out) return;
  float s = 0.f;
  for (int c = threadIdx.x; c < width; c += blockDim.x) s += vbuf[c];
  const float mean = block_sum(s, scratch) / width;
  float d2 = 0.f;
  for (int c = threadIdx.x; c < width; c += blockDim.x) {
    const float d = vbuf[c] - mean;
    d2 += d * d;
  }
  const float rstd = rsqrtf(block_sum(d2, scratch) / width + eps);
  const size_t off = static_cast<size_t>(row) * width;
  for (int c = threadIdx.x; c < width; c += blockDim.x) {
    out[off + c] = __float2half_rn((vbuf[c] - mean) * rstd * __half2float(w[c]) + __half2float(b[c]));
  }
}

}  // namespace

cudaError_t rmsnorm(const __half* x, const __half* y, const __half* y_bias, __half* res_out, __half* out,
                    const __half* w, int rows, int width, float eps, cudaStream_t stream) {
  if (rows <= 0 || width <= 0 || width > kMaxWidth || (out && !w)) return cudaErrorInvalidValue;
  return launch_pdl(rmsnorm_kernel, dim3(rows), dim3(kThreads), width * sizeof(float), stream, x, y, y_bias, res_out,
                    out, w, width, eps);
}

cudaError_t layernorm(const __half* x, const __half* y, const __half* y_bias, int y_period, __half* res_out,
                      __half* out, const __half* w, const __half* b, int rows, int width, float eps,
                      cudaStream_t stream) {
  if (rows <= 0 || width <= 0 || width > kMaxWidth || (out && (!w || !b))) return cudaErrorInvalidValue;
  layernorm_kernel<<<rows, kThreads, width * sizeof(float), stream>>>(x, y, y_bias, y_period, res_out, out, w, b, width,
                                                                      eps);
  return cudaGetLastError();
}

}  // namespace qwenvl::kernels
