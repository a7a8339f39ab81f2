// Small elementwise kernels around the GEMMs: bias + exact-erf GELU in one pass (8 columns a
// thread where the widths allow), SiLU(gate) * up over the
// tile-interleaved w1|w2 layout, the 14x14 patch im2col of the vision conv and fp16/fp32 casts.
// Test: build/tests/gpu/test_vit_ops (needs a GPU).
#include "common.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

constexpr int kThreads = 256;

int blocks_for(size_t n) {
  const size_t b = (n + kThreads - 1) / kThreads;
  return static_cast<int>(b < 65535 * 16 ? b : 65535 * 16);
}

__global__ void bias_act_kernel(__half* y, const __half* __restrict__ bias, int rows, int cols, int ld,
                                Activation act) {
  const size_t n = static_cast<size_t>(rows) * cols;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t r = i / cols, c = i - r * cols;
    __half* p = y + r * ld + c;
    float v = __half2float(*p);
    if (bias) v = __half2float(__float2half_rn(v + __half2float(bias[c])));
    if (act == Activation::GeluErf) v = gelu_erf(v);
    *p = __float2half_rn(v);
  }
}

// The same with 8 columns per thread (16-byte accesses): cols and ld multiples of 8, y and bias
// 16-byte aligned. Per element the same roundings as bias_act_kernel.
__global__ void bias_act_vec_kernel(__half* y, const __half* __restrict__ bias, int rows, int cols, int ld,
                                    Activation act) {
  const int chunks = cols / 8;
  const size_t n = static_cast<size_t>(rows) * chunks;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t r = i / chunks;
    const int c = static_cast<int>(i - r * chunks) * 8;
    uint4* p = reinterpret_cast<uint4*>(y + r * ld + c);
    uint4 yv = *p;
    uint4 bv = make_uint4(0, 0, 0, 0);
    if (bias) bv = *reinterpret_cast<const uint4*>(bias + c);
    uint32_t* ys = &yv.x;
    const uint32_t* bs = &bv.x;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      float2 v = __half22float2(as_half2(ys[j]));
      if (bias) {
        const float2 b = __half22float2(as_half2(bs[j]));
        v.x = __half2float(__float2half_rn(v.x + b.x));
        v.y = __half2float(__float2half_rn(v.y + b.y));
      }
      if (act == Activation::GeluErf) {
        v.x = gelu_erf(v.x);
        v.y = gelu_erf(v.y);
      }
      ys[j] = pack_half2(__float2half_rn(v.x), __float2half_rn(v.y));
    }
    *p = yv;
  }
}

__global__ void silu_mul_tiled_kernel(const __half* __restrict__ fused, int ntok, int cols, __half* h, int ld_h,
                                      int col0) {
  const size_t n = static_cast<size_t>(ntok) * cols;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t tok = i / cols;
    const int j = static_cast<int>(i - tok * cols);
    const size_t up_col = static_cast<size_t>(j / 16) * 32 + (j % 16);
    const __half* row = fused + tok * 2 * cols;
    const float up = __half2float(row[up_col]);
    const float act = __half2float(__float2half_rn(silu(__half2float(row[up_col + 16]))));
    h[tok * ld_h + col0 + j] = __float2half_rn(up * act);
  }
}

__global__ void im2col_kernel(const float* __restrict__ pixels, int n, int size, int patch, int k_pad,
                              __half* __restrict__ out) {
  const int grid = size / patch;
  const size_t total = static_cast<size_t>(n) * grid * grid * k_pad;
  const int kk = 3 * patch * patch;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t row = i / k_pad;
    const int e = static_cast<int>(i - row * k_pad);
    float v = 0.f;
    if (e < kk) {
      const int img = static_cast<int>(row / (grid * grid));
      const int p = static_cast<int>(row % (grid * grid));
      const int pr = p / grid, pc = p % grid;
      const int ch = e / (patch * patch), rem = e % (patch * patch);
      const int ky = rem / patch, kx = rem % patch;
      v = pixels[((static_cast<size_t>(img) * 3 + ch) * size + pr * patch + ky) * size + pc * patch + kx];
    }
    out[i] = __float2half_rn(v);
  }
}

__global__ void f16_to_f32_kernel(const __half* __restrict__ in, float* __restrict__ out, size_t n) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    out[i] = __half2float(in[i]);
  }
}

__global__ void f32_to_f16_kernel(const float* __restrict__ in, __half* __restrict__ out, size_t n) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    out[i] = __float2half_rn(in[i]);
  }
}

}  // namespace

cudaError_t bias_act(__half* y, const __half* bias, int rows, int cols, int ld, Activation act, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0 || ld < cols) return cudaErrorInvalidValue;
  if (cols % 8 == 0 && ld % 8 == 0 && aligned16(y) && aligned16(bias)) {
    bias_act_vec_kernel<<<blocks_for(static_cast<size_t>(rows) * (cols / 8)), kThreads, 0, stream>>>(y, bias, rows,
                                                                                                     cols, ld, act);
    return cudaGetLastError();
  }
  bias_act_kernel<<<blocks_for(static_cast<size_t>(rows) * cols), kThreads, 0, stream>>>(y, bias, rows, cols, ld, act);
  return cudaGetLastError();
}

cudaError_t silu_mul_tiled(const __half* fused, int ntok, int cols, __half* h, int ld_h, int col0,
                           cudaStream_t stream) {
  if (ntok <= 0 || cols <= 0 || cols % 16) return cudaErrorInvalidValue;
  silu_mul_tiled_kernel<<<blocks_for(static_cast<size_t>(ntok) * cols), kThreads, 0, stream>>>(fused, ntok, cols, h,
                                                                                               ld_h, col0);
  return cudaGetLastError();
}

cudaError_t im2col_patches(const float* pixels, int n, int size, int patch, int k_pad, __half* out,
                           cudaStream_t stream) {
  if (n <= 0 || patch <= 0 || size % patch || k_pad < 3 * patch * patch) return cudaErrorInvalidValue;
  const size_t total = static_cast<size_t>(n) * (size / patch) * (size / patch) * k_pad;
  im2col_kernel<<<blocks_for(total), kThreads, 0, stream>>>(pixels, n, size, patch, k_pad, out);
  return cudaGetLastError();
}

cudaError_t f16_to_f32(const __half* in, float* out, size_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  f16_to_f32_kernel<<<blocks_for(n), kThreads, 0, stream>>>(in, out, n);
  return cudaGetLastError();
}

cudaError_t f32_to_f16(const float* in, __half* out, size_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  f32_to_f16_kernel<<<blocks_for(n), kThreads, 0, stream>>>(in, out, n);
  return cudaGetLastError();
}

}  // namespace qwenvl::kernels
