// The decoder's QKV post-processing in one pass: c_attn bias, rotate-half rotary embedding in
// fp32 (dynamic-NTK inverse frequencies given), logn query scaling past seq_length, and the
// write of K and V into the paged KV cache. Test: build/tests/gpu/test_norm_rope (needs a GPU).
#include "common.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

__device__ __forceinline__ __half* cache_row(const KvCacheView& c, int layer, int which, int head, int pos) {
  const size_t plane = static_cast<size_t>(c.page_size) * c.head_dim;
  return c.pages[pos / c.page_size] + ((static_cast<size_t>(layer) * 2 + which) * c.heads + head) * plane +
         static_cast<size_t>(pos % c.page_size) * c.head_dim;
}

__device__ __forceinline__ float with_bias(__half v, const __half* bias, int i) {
  return bias ? __half2float(__float2half_rn(__half2float(v) + __half2float(bias[i]))) : __half2float(v);
}

// grid (ntok, heads), block head_dim / 2: thread d owns the rotary pair (d, d + head_dim / 2).
__global__ void rope_qkv_kernel(__half* qkv, const __half* __restrict__ bias, const int* __restrict__ past,
                                const float* __restrict__ inv_freq, int seq_length, bool logn, KvCacheView cache,
                                int layer) {
  pdl_trigger();
  pdl_wait();
  const int i = blockIdx.x, h = blockIdx.y, d = threadIdx.x;
  const int D = cache.head_dim, half_d = D / 2, H = cache.heads * D;
  const int p = *past + i;
  __half* row = qkv + static_cast<size_t>(i) * 3 * H;
  const int iq = h * D + d;
  const float q0 = with_bias(row[iq], bias, iq), q1 = with_bias(row[iq + half_d], bias, iq + half_d);
  const float k0 = with_bias(row[H + iq], bias, H + iq), k1 = with_bias(row[H + iq + half_d], bias, H + iq + half_d);
  const float v0 = with_bias(row[2 * H + iq], bias, 2 * H + iq);
  const float v1 = with_bias(row[2 * H + iq + half_d], bias, 2 * H + iq + half_d);
  const float angle = static_cast<float>(p) * inv_freq[d];
  float s, c;
  sincosf(angle, &s, &c);
  __half qr0, qr1, kr0, kr1;
  rotary_pair(q0, q1, c, s, &qr0, &qr1);
  if (logn && p >= seq_length) logn_scale(p, seq_length, &qr0, &qr1);
  rotary_pair(k0, k1, c, s, &kr0, &kr1);
  row[iq] = qr0;
  row[iq + half_d] = qr1;
  __half* kr = cache_row(cache, layer, 0, h, p);
  kr[d] = kr0;
  kr[d + half_d] = kr1;
  __half* vr = cache_row(cache, layer, 1, h, p);
  vr[d] = __float2half_rn(v0);
  vr[d + half_d] = __float2half_rn(v1);
}

}  // namespace

cudaError_t rope_qkv(__half* qkv, const __half* bias, int ntok, const int* past, const float* inv_freq, int seq_length,
                     bool logn, const KvCacheView& cache, int layer, cudaStream_t stream) {
  if (ntok <= 0 || cache.head_dim % 2 || cache.head_dim > 1024 || seq_length <= 1) return cudaErrorInvalidValue;
  return launch_pdl(rope_qkv_kernel, dim3(ntok, cache.heads), dim3(cache.head_dim / 2), 0, stream, qkv, bias, past,
                    inv_freq, seq_length, logn, cache, layer);
}

}  // namespace qwenvl::kernels
