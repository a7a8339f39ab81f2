// Residual update fused with RMSNorm (LLM) or LayerNorm (ViT, resampler): one block per row,
// fp32 statistics, rounding to fp16 where the reference rounds. LayerNorm rows whose width is a
// multiple of 8 (every ViT and resampler width) stay in registers with 16-byte accesses.
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

// The same LayerNorm with the row in registers: each thread owns up to CH chunks of 8 halves
// (16-byte loads and stores), so widths that are a multiple of 8 up to 256 * 8 * CH take one
// pass over memory and no shared row. Per element the same fp16 roundings as load_row.
template <int CH>
__global__ void __launch_bounds__(kThreads)
    layernorm_vec_kernel(const __half* x, const __half* y, const __half* y_bias, int y_period, __half* res_out,
                         __half* out, const __half* __restrict__ w, const __half* __restrict__ b, int width,
                         float eps) {
  __shared__ float scratch[32];
  const int row = blockIdx.x, chunks = width / 8;
  const size_t off = static_cast<size_t>(row) * width;
  const size_t yoff = static_cast<size_t>(y_period > 0 ? row % y_period : row) * width;
  float v[CH][8];
  float s = 0.f;
#pragma unroll
  for (int i = 0; i < CH; ++i) {
    const int c = threadIdx.x + i * blockDim.x;
    if (c >= chunks) continue;
    uint4 xv = *reinterpret_cast<const uint4*>(x + off + c * 8);
    if (y) {
      const uint4 yv = *reinterpret_cast<const uint4*>(y + yoff + c * 8);
      uint4 bv = make_uint4(0, 0, 0, 0);
      if (y_bias) bv = *reinterpret_cast<const uint4*>(y_bias + c * 8);
      const uint32_t* xs = &xv.x;
      const uint32_t* ys = &yv.x;
      const uint32_t* bs = &bv.x;
      uint32_t r[4];
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const float2 xf = __half22float2(as_half2(xs[j]));
        float2 yf = __half22float2(as_half2(ys[j]));
        if (y_bias) {
          const float2 bf = __half22float2(as_half2(bs[j]));
          yf.x = __half2float(__float2half_rn(yf.x + bf.x));
          yf.y = __half2float(__float2half_rn(yf.y + bf.y));
        }
        r[j] = pack_half2(__float2half_rn(xf.x + yf.x), __float2half_rn(xf.y + yf.y));
      }
      xv = make_uint4(r[0], r[1], r[2], r[3]);
    }
    if (res_out) *reinterpret_cast<uint4*>(res_out + off + c * 8) = xv;
    const uint32_t* vs = &xv.x;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const float2 f = __half22float2(as_half2(vs[j]));
      v[i][2 * j] = f.x;
      v[i][2 * j + 1] = f.y;
      s += f.x + f.y;
    }
  }
  if (!out) return;
  const float mean = block_sum(s, scratch) / width;
  float d2 = 0.f;
#pragma unroll
  for (int i = 0; i < CH; ++i) {
    if (threadIdx.x + i * blockDim.x >= chunks) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const float d = v[i][j] - mean;
      d2 += d * d;
    }
  }
  const float rstd = rsqrtf(block_sum(d2, scratch) / width + eps);
#pragma unroll
  for (int i = 0; i < CH; ++i) {
    const int c = threadIdx.x + i * blockDim.x;
    if (c >= chunks) continue;
    const uint4 wv = *reinterpret_cast<const uint4*>(w + c * 8);
    const uint4 bv = *reinterpret_cast<const uint4*>(b + c * 8);
    const uint32_t* ws = &wv.x;
    const uint32_t* bs = &bv.x;
    uint32_t r[4];
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const float2 wf = __half22float2(as_half2(ws[j]));
      const float2 bf = __half22float2(as_half2(bs[j]));
      r[j] = pack_half2(__float2half_rn((v[i][2 * j] - mean) * rstd * wf.x + bf.x),
                        __float2half_rn((v[i][2 * j + 1] - mean) * rstd * wf.y + bf.y));
    }
    *reinterpret_cast<uint4*>(out + off + c * 8) = make_uint4(r[0], r[1], r[2], r[3]);
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
  const int chunks = width / 8;
  const bool vec = width % 8 == 0 && aligned16(x) && aligned16(y) && aligned16(y_bias) && aligned16(res_out) &&
                   aligned16(out) && aligned16(w) && aligned16(b);
  if (vec && chunks <= 4 * kThreads) {
    // Whole warps, as few as give each thread at most CH chunks: 1664 -> 7 warps x 1, 4096 -> 8 x 2.
    const int ch = (chunks + kThreads - 1) / kThreads;
    const int threads = ((chunks + ch - 1) / ch + 31) / 32 * 32;
    if (ch == 1) {
      layernorm_vec_kernel<1><<<rows, threads, 0, stream>>>(x, y, y_bias, y_period, res_out, out, w, b, width, eps);
    } else if (ch == 2) {
      layernorm_vec_kernel<2><<<rows, threads, 0, stream>>>(x, y, y_bias, y_period, res_out, out, w, b, width, eps);
    } else {
      layernorm_vec_kernel<4><<<rows, threads, 0, stream>>>(x, y, y_bias, y_period, res_out, out, w, b, width, eps);
    }
    return cudaGetLastError();
  }
  layernorm_kernel<<<rows, kThreads, width * sizeof(float), stream>>>(x, y, y_bias, y_period, res_out, out, w, b, width,
                                                                      eps);
  return cudaGetLastError();
}

}  // namespace qwenvl::kernels
