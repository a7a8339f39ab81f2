// Decode attention: one query per head over the paged KV cache, split over positions across
// blocks (flash-decoding) with fp32 online softmax; the last block of each head to finish
// combines the splits. The length is read from device memory so a captured CUDA graph stays
// valid as the cache grows.
// Test: build/tests/gpu/test_attention (needs a GPU).
#include <atomic>
#include <cfloat>

#include "common.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

constexpr int kMaxSplits = 64;
constexpr int kKeysPerSplitMin = 32;
constexpr int kThreads = 128;  // 8 half-warps, one key each at a time
constexpr int kUnroll = 4;
constexpr int kMaxDim = 128;

// Splits for `length` keys: at least min_keys keys each (kKeysPerSplitMin unless tuned), at most
// max_splits (the grid's second dimension, kMaxSplits unless tuned).
__device__ __forceinline__ int split_count(int length, int min_keys, int max_splits) {
  const int s = (length + min_keys - 1) / min_keys;
  return s < 1 ? 1 : (s > max_splits ? max_splits : s);
}

__device__ __forceinline__ const __half* kv_row(const KvCacheView& c, int layer, int which, int head, int pos) {
  const size_t plane = static_cast<size_t>(c.page_size) * c.head_dim;
  return c.pages[pos / c.page_size] + ((static_cast<size_t>(layer) * 2 + which) * c.heads + head) * plane +
         static_cast<size_t>(pos % c.page_size) * c.head_dim;
}

__device__ __forceinline__ __half* kv_row_w(const KvCacheView& c, int layer, int which, int head, int pos) {
  const size_t plane = static_cast<size_t>(c.page_size) * c.head_dim;
  return c.pages[pos / c.page_size] + ((static_cast<size_t>(layer) * 2 + which) * c.heads + head) * plane +
         static_cast<size_t>(pos % c.page_size) * c.head_dim;
}

__device__ __forceinline__ void unpack8(uint4 u, float (&f)[8]) {
  const uint32_t w[4] = {u.x, u.y, u.z, u.w};
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const float2 v = __half22float2(as_half2(w[j]));
    f[2 * j] = v.x;
    f[2 * j + 1] = v.y;
  }
}

// grid (heads, kMaxSplits); partial[(head * kMaxSplits + split) * (D + 2)] = {m, l, o[D]};
// done[head] counts finished splits and is back at zero when the kernel ends.
// With rope.inv_freq, q is the step's raw q|k|v row: every block rotates its head's query (and
// scales it past seq_length) as rope_qkv does, and the block whose split holds the last position
// rotates the key, writes key and value into the cache, and only then reads its keys.
__global__ void __launch_bounds__(kThreads)
    decode_split_kernel(const __half* __restrict__ q, KvCacheView cache, int layer, const int* __restrict__ length,
                        float scale, float* partial, int* done, __half* __restrict__ out_h, DecodeRope rope,
                        int min_keys) {
  __shared__ float q_rot[kMaxDim];
  pdl_trigger();
  pdl_wait();
  const int h = blockIdx.x, s = blockIdx.y;
  const int L = *length, S = split_count(L, min_keys, gridDim.y);
  if (s >= S) return;
  const int D = cache.head_dim;
  const int chunk = (L + S - 1) / S;
  const int begin = s * chunk, end = min(L, begin + chunk);
  const int lane16 = threadIdx.x & 15, hw = threadIdx.x >> 4;  // 8 half-warps
  const bool active = lane16 * 8 < D;
  const unsigned half_mask = 0xffffu << (16 * (hw & 1));  // half-warps run their own key loops

  float qf[8] = {};
  if (rope.inv_freq) {
    const int p = L - 1, half_d = D / 2, H = cache.heads * D, d = threadIdx.x;
    if (d < half_d) {
      const int iq = h * D + d;
      float sn, cs;
      sincosf(static_cast<float>(p) * rope.inv_freq[d], &sn, &cs);
      __half r0, r1;
      rotary_pair(__half2float(q[iq]), __half2float(q[iq + half_d]), cs, sn, &r0, &r1);
      if (rope.logn && p >= rope.seq_length) logn_scale(p, rope.seq_length, &r0, &r1);
      q_rot[d] = __half2float(r0);
      q_rot[d + half_d] = __half2float(r1);
      if (s == (L - 1) / chunk) {
        rotary_pair(__half2float(q[H + iq]), __half2float(q[H + iq + half_d]), cs, sn, &r0, &r1);
        __half* kr = kv_row_w(cache, layer, 0, h, p);
        kr[d] = r0;
        kr[d + half_d] = r1;
        __half* vr = kv_row_w(cache, layer, 1, h, p);
        vr[d] = q[2 * H + iq];
        vr[d + half_d] = q[2 * H + iq + half_d];
      }
    }
    __syncthreads();  // the rotated query, and the new key and value for this block's own reads
    if (active) {
#pragma unroll
      for (int j = 0; j < 8; ++j) qf[j] = q_rot[lane16 * 8 + j] * scale;
    }
  } else if (active) {
    unpack8(*reinterpret_cast<const uint4*>(q + static_cast<size_t>(h) * D + lane16 * 8), qf);
#pragma unroll
    for (int j = 0; j < 8; ++j) qf[j] *= scale;
  }
  float m = -FLT_MAX, l = 0.f, o[8] = {};
  for (int j0 = begin + hw; j0 < end; j0 += 8 * kUnroll) {
    uint4 kr[kUnroll], vr[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int j = j0 + u * 8;
      kr[u] = vr[u] = make_uint4(0, 0, 0, 0);
      if (active && j < end) {
        kr[u] = *reinterpret_cast<const uint4*>(kv_row(cache, layer, 0, h, j) + lane16 * 8);
        vr[u] = *reinterpret_cast<const uint4*>(kv_row(cache, layer, 1, h, j) + lane16 * 8);
      }
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int j = j0 + u * 8;
      if (j >= end) break;  // uniform within the half-warp
      float kf[8];
      unpack8(kr[u], kf);
      float dot = 0.f;
#pragma unroll
      for (int e = 0; e < 8; ++e) dot = fmaf(qf[e], kf[e], dot);
#pragma unroll
      for (int off = 8; off > 0; off >>= 1) dot += __shfl_xor_sync(half_mask, dot, off);
      const float m_new = fmaxf(m, dot);
      const float corr = __expf(m - m_new), p = __expf(dot - m_new);
      float vf[8];
      unpack8(vr[u], vf);
      l = l * corr + p;
#pragma unroll
      for (int e = 0; e < 8; ++e) o[e] = fmaf(p, vf[e], o[e] * corr);
      m = m_new;
    }
  }
  // Merge the 8 half-warps.
  __shared__ float sm[8], sl[8], so[8][kMaxDim];
  if (lane16 == 0) {
    sm[hw] = m;
    sl[hw] = l;
  }
  if (active) {
#pragma unroll
    for (int e = 0; e < 8; ++e) so[hw][lane16 * 8 + e] = o[e];
  }
  __syncthreads();
  float M = -FLT_MAX;
#pragma unroll
  for (int i = 0; i < 8; ++i) M = fmaxf(M, sm[i]);
  float* out = partial + (static_cast<size_t>(h) * kMaxSplits + s) * (D + 2);
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    float acc = 0.f;
#pragma unroll
    for (int i = 0; i < 8; ++i) acc += __expf(sm[i] - M) * so[i][d];
    out[2 + d] = acc;
  }
  if (threadIdx.x == 0) {
    float lt = 0.f;
#pragma unroll
    for (int i = 0; i < 8; ++i) lt += __expf(sm[i] - M) * sl[i];
    out[0] = M;
    out[1] = lt;
  }
  // The last split of this head to finish merges all of them.
  __shared__ bool last;
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last = atomicAdd(&done[h], 1) == S - 1;
  __syncthreads();
  if (!last) return;
  __threadfence();
  const float* p = partial + static_cast<size_t>(h) * kMaxSplits * (D + 2);
  float MM = -FLT_MAX;
  for (int i = 0; i < S; ++i) MM = fmaxf(MM, __ldcg(p + i * (D + 2)));
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    float num = 0.f, den = 0.f;
    for (int i = 0; i < S; ++i) {
      const float w = __expf(__ldcg(p + i * (D + 2)) - MM);
      den += w * __ldcg(p + i * (D + 2) + 1);
      num += w * __ldcg(p + i * (D + 2) + 2 + d);
    }
    out_h[static_cast<size_t>(h) * D + d] = __float2half_rn(num / den);
  }
  if (threadIdx.x == 0) done[h] = 0;
}

std::atomic<int>& tuned_min_keys() {
  static std::atomic<int> v{kKeysPerSplitMin};
  return v;
}
std::atomic<int>& tuned_max_splits() {
  static std::atomic<int> v{kMaxSplits};
  return v;
}

}  // namespace

void attention_decode_tune(int min_keys, int max_splits) {
  tuned_min_keys().store(min_keys < 8 ? 8 : min_keys, std::memory_order_relaxed);
  tuned_max_splits().store(max_splits < 1 ? 1 : (max_splits > kMaxSplits ? kMaxSplits : max_splits),
                           std::memory_order_relaxed);
}

size_t attention_decode_scratch_bytes(int heads, int head_dim) {
  return static_cast<size_t>(kMaxSplits) * heads * (head_dim + 2) * sizeof(float) + heads * sizeof(int);
}

cudaError_t attention_decode(const __half* q, const KvCacheView& cache, int layer, const int* length, float scale,
                             void* scratch, __half* out, cudaStream_t stream, const DecodeRope& rope) {
  if (cache.head_dim % 8 || cache.head_dim > kMaxDim || cache.head_dim <= 0) return cudaErrorInvalidValue;
  if (rope.inv_freq && rope.seq_length <= 1) return cudaErrorInvalidValue;
  float* partial = static_cast<float*>(scratch);
  int* done = reinterpret_cast<int*>(partial + static_cast<size_t>(kMaxSplits) * cache.heads * (cache.head_dim + 2));
  const int min_keys = tuned_min_keys().load(std::memory_order_relaxed);
  const int max_splits = tuned_max_splits().load(std::memory_order_relaxed);
  return launch_pdl(decode_split_kernel, dim3(cache.heads, max_splits), dim3(kThreads), 0, stream, q, cache, layer,
                    length, scale, partial, done, out, rope, min_keys);
}

}  // namespace qwenvl::kernels
