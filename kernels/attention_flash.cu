// Tensor-core attention for many queries (flash-attention 2 style): ViT self-attention (1024
// tokens, head_dim 104), the resampler's 256 queries over 1024 keys, and causal prefill over the
// paged KV cache. fp16 operands, fp32 scores, online softmax and accumulation. Without a mask
// or pages (ViT, resampler) the next K|V tile is loaded while the current one is used, and by
// default (flash_attention_ksplit) the keys are split between 2 or 4 warp groups of a block
// (attention_flash_split.cu) when the grid alone would leave the SMs short of warps.
// Test: build/tests/gpu/test_attention (needs a GPU).
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "attention_flash_split.h"
#include "common.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

constexpr int kBQ = 64;  // queries per block (16 per warp)
constexpr int kBK = 64;  // keys per tile
constexpr int kThreads = 128;
constexpr float kLog2e = 1.4426950408889634f;

// -1: not chosen yet (QWENVL_FLASH_PIPELINE=0 turns the pipelined kernel off), else 0 / 1.
std::atomic<int> g_pipeline{-1};
bool flash_pipeline_on() {
  int v = g_pipeline.load();
  if (v < 0) {
    const char* env = std::getenv("QWENVL_FLASH_PIPELINE");
    v = env && std::strcmp(env, "0") == 0 ? 0 : 1;
    int expected = -1;
    g_pipeline.compare_exchange_strong(expected, v);
    v = g_pipeline.load();
  }
  return v == 1;
}

// The key split: -1 not chosen yet (QWENVL_FLASH_KSPLIT=1|2|4|2w forces one, anything else: by
// shape); 0 by shape; else ksplit + 100 when 128 queries per block (2w) instead of 64.
std::atomic<int> g_ksplit{-1};
int ksplit_setting() {
  int v = g_ksplit.load();
  if (v < 0) {
    const char* env = std::getenv("QWENVL_FLASH_KSPLIT");
    v = 0;
    if (env && (std::strcmp(env, "1") == 0 || std::strcmp(env, "2") == 0 || std::strcmp(env, "4") == 0)) {
      v = env[0] - '0';
    } else if (env && std::strcmp(env, "2w") == 0) {
      v = 102;
    }
    int expected = -1;
    g_ksplit.compare_exchange_strong(expected, v);
    v = g_ksplit.load();
  }
  return v;
}

// Q fragments in registers in the split kernel: 1 yes, 0 no (re-read per key tile); -1 not read
// yet (QWENVL_FLASH_QREGS=1). By default Q is re-read from shared memory: on an H200 that was as
// fast or faster at both real shapes (ViT 1024 x 16h x 104, 2 x 128 queries: 39.1 against 41.1
// us; resampler 256 x 1024 x 32h x 128, 4 x 64: 25.0 against 27.9 us; docs/benchmarks.md, run 15).
// Heads up to 64 keep Q in registers either way (attention_flash_split.cu).
std::atomic<int> g_qregs{-1};
bool split_qregs() {
  int v = g_qregs.load();
  if (v < 0) {
    const char* env = std::getenv("QWENVL_FLASH_QREGS");
    v = env && std::strcmp(env, "1") == 0 ? 1 : 0;
    int expected = -1;
    g_qregs.compare_exchange_strong(expected, v);
    v = g_qregs.load();
  }
  return v == 1;
}

// The current device's SM count (0 when it cannot be read: then no split by shape).
int sm_count() {
  int dev = 0, n = 0;
  if (cudaGetDevice(&dev) != cudaSuccess ||
      cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess) {
    return 0;
  }
  return n;
}

template <int DP>
struct Tile {
  static constexpr int kStride = DP + 8;  // halves; the pad keeps ldmatrix rows on distinct banks
  static constexpr int kHalves = 64 * kStride;
};

__device__ __forceinline__ const __half* key_row(const AttentionArgs& a, int which, int b, int h, int j) {
  if (a.cache.pages) {
    const KvCacheView& c = a.cache;
    const size_t plane = static_cast<size_t>(c.page_size) * c.head_dim;
    return c.pages[j / c.page_size] + ((static_cast<size_t>(a.layer) * 2 + which) * c.heads + h) * plane +
           static_cast<size_t>(j % c.page_size) * c.head_dim;
  }
  const __half* base = which == 0 ? a.k : a.v;
  return base + b * a.kv_batch + j * a.kv_row + h * a.kv_head;
}

// 64 rows x DP halves into shared memory; rows >= limit and dims >= head_dim read as zero.
template <int DP, int WHICH>  // WHICH: 0 K, 1 V, 2 Q
__device__ __forceinline__ void load_tile(const AttentionArgs& a, __half* dst, int b, int h, int row0, int limit) {
  constexpr int kChunks = DP / 8;
  for (int i = threadIdx.x; i < 64 * kChunks; i += kThreads) {
    const int r = i / kChunks, c = i - r * kChunks;
    const int row = row0 + r;
    const bool valid = row < limit && c * 8 < a.head_dim;
    const int safe_row = valid ? row : row0;  // a mapped address even when nothing is read
    const __half* src;
    if constexpr (WHICH == 2) {
      src = a.q + b * a.q_batch + static_cast<long long>(safe_row) * a.q_row + h * a.q_head;
    } else {
      src = key_row(a, WHICH, b, h, safe_row);
    }
    cp_async_16(dst + r * Tile<DP>::kStride + c * 8, src + (valid ? c * 8 : 0), valid);
  }
}

// PIPE (contiguous K, V without a causal mask: the ViT and the resampler): two K|V tile pairs
// used in turn, tile i + 1 in flight while tile i is used; the maths, and so every bit of the
// output, is that of the single-pair kernel.
template <int DP, bool PIPE>
__global__ void __launch_bounds__(kThreads) flash_kernel(AttentionArgs a) {
  extern __shared__ __align__(16) __half smem[];
  __half* qs = smem;
  __half* kv0 = qs + Tile<DP>::kHalves;  // pair p: K at kv0 + 2p tiles, V one tile after
  constexpr int S = Tile<DP>::kStride;
  constexpr int KT = DP / 16;  // k-tiles over the head dimension
  constexpr int NT = DP / 8;   // n-tiles of the output

  const int qb = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int q0 = qb * kBQ;
  const int q_last = min(a.n_q, q0 + kBQ) - 1;
  const int kv_end = a.causal ? min(a.n_kv, a.q_offset + q_last + 1) : a.n_kv;
  const float scale2 = a.scale * kLog2e;

  load_tile<DP, 2>(a, qs, b, h, q0, a.n_q);
  if constexpr (PIPE) {  // groups: Q + K of tile 0, V of tile 0; then K, V of each next tile
    load_tile<DP, 0>(a, kv0, b, h, 0, kv_end);
    cp_async_commit();
    load_tile<DP, 1>(a, kv0 + Tile<DP>::kHalves, b, h, 0, kv_end);
  }
  cp_async_commit();

  uint32_t qf[KT][4];
  float o[NT][4];
#pragma unroll
  for (int n = 0; n < NT; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  float m_row[2] = {-INFINITY, -INFINITY}, l_row[2] = {0.f, 0.f};
  const int qi0 = q0 + warp * 16 + g;  // this thread's rows: qi0 and qi0 + 8

  for (int k0 = 0, it = 0; k0 < kv_end; k0 += kBK, ++it) {
    __half* ks = kv0 + (PIPE ? (it & 1) * 2 * Tile<DP>::kHalves : 0);
    __half* vs = ks + Tile<DP>::kHalves;
    __syncthreads();  // the previous tile (PIPE: the pair refilled next) is no longer read
    if constexpr (PIPE) {
      const int k1 = k0 + kBK;
      __half* kn = kv0 + ((it + 1) & 1) * 2 * Tile<DP>::kHalves;
      if (k1 < kv_end) load_tile<DP, 0>(a, kn, b, h, k1, kv_end);
      cp_async_commit();  // empty past the last tile: the group count stays the same
      if (k1 < kv_end) load_tile<DP, 1>(a, kn + Tile<DP>::kHalves, b, h, k1, kv_end);
      cp_async_commit();
      cp_async_wait<3>();  // Q (first time) and this tile's K are in
    } else {
      load_tile<DP, 0>(a, ks, b, h, k0, kv_end);
      cp_async_commit();
      load_tile<DP, 1>(a, vs, b, h, k0, kv_end);
      cp_async_commit();
      cp_async_wait<1>();  // Q (first time) and K are in
    }
    __syncthreads();
    if (k0 == 0) {
#pragma unroll
      for (int kt = 0; kt < KT; ++kt) {
        const int mi = lane >> 3;
        ldmatrix_x4(qf[kt], qs + (warp * 16 + (mi & 1) * 8 + (lane & 7)) * S + kt * 16 + (mi >> 1) * 8);
      }
    }
    float s[8][4];
#pragma unroll
    for (int n = 0; n < 8; ++n) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
#pragma unroll
    for (int kt = 0; kt < KT; ++kt) {
#pragma unroll
      for (int np = 0; np < 4; ++np) {
        uint32_t kb[4];
        const int mi = lane >> 3;
        ldmatrix_x4(kb, ks + (np * 16 + (mi >> 1) * 8 + (lane & 7)) * S + kt * 16 + (mi & 1) * 8);
        mma_16816(s[2 * np], qf[kt], kb[0], kb[1]);
        mma_16816(s[2 * np + 1], qf[kt], kb[2], kb[3]);
      }
    }
    // Scale, mask, online softmax (base 2).
    float mx[2] = {-INFINITY, -INFINITY};
#pragma unroll
    for (int n = 0; n < 8; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int kj = k0 + n * 8 + 2 * t + (e & 1);
        const int qi = qi0 + (e >> 1) * 8;
        const bool ok = kj < kv_end && (!a.causal || kj <= a.q_offset + qi);
        s[n][e] = ok ? s[n][e] * scale2 : -INFINITY;
        mx[e >> 1] = fmaxf(mx[e >> 1], s[n][e]);
      }
    }
    float base[2];  // a row with nothing visible yet stays at zero
    online_softmax_rescale<NT>(mx, m_row, l_row, o, base);
    uint32_t pf[4][4];
#pragma unroll
    for (int n = 0; n < 8; ++n) {
      const float p0 = exp2f(s[n][0] - base[0]), p1 = exp2f(s[n][1] - base[0]);
      const float p2 = exp2f(s[n][2] - base[1]), p3 = exp2f(s[n][3] - base[1]);
      l_row[0] += p0 + p1;
      l_row[1] += p2 + p3;
      const int kk = n >> 1;
      if ((n & 1) == 0) {
        pf[kk][0] = as_u32(__floats2half2_rn(p0, p1));
        pf[kk][1] = as_u32(__floats2half2_rn(p2, p3));
      } else {
        pf[kk][2] = as_u32(__floats2half2_rn(p0, p1));
        pf[kk][3] = as_u32(__floats2half2_rn(p2, p3));
      }
    }
    if constexpr (PIPE) {
      cp_async_wait<2>();  // this tile's V is in; the next pair may still be on its way
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < 4; ++kk) {
#pragma unroll
      for (int dp = 0; dp < NT / 2; ++dp) {
        uint32_t vb[4];
        const int mi = lane >> 3;
        ldmatrix_x4_trans(vb, vs + (kk * 16 + (mi & 1) * 8 + (lane & 7)) * S + dp * 16 + (mi >> 1) * 8);
        mma_16816(o[2 * dp], pf[kk], vb[0], vb[1]);
        mma_16816(o[2 * dp + 1], pf[kk], vb[2], vb[3]);
      }
    }
  }

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    l_row[r] += __shfl_xor_sync(0xffffffffu, l_row[r], 1);
    l_row[r] += __shfl_xor_sync(0xffffffffu, l_row[r], 2);
  }
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int qi = qi0 + r * 8;
    if (qi >= a.n_q) continue;
    const float inv = l_row[r] > 0.f ? 1.f / l_row[r] : 0.f;
    __half* dst = a.o + b * a.o_batch + static_cast<long long>(qi) * a.o_row + h * a.o_head;
#pragma unroll
    for (int n = 0; n < NT; ++n) {
      const int d = n * 8 + 2 * t;
      if (d < a.head_dim) {
        *reinterpret_cast<__half2*>(dst + d) = __floats2half2_rn(o[n][2 * r] * inv, o[n][2 * r + 1] * inv);
      }
    }
  }
}

template <int DP, bool PIPE>
cudaError_t launch(const AttentionArgs& a, cudaStream_t stream) {
  const size_t smem = (PIPE ? 5 : 3) * Tile<DP>::kHalves * sizeof(__half);
  static bool configured = false;
  if (!configured) {
    const cudaError_t e = cudaFuncSetAttribute(flash_kernel<DP, PIPE>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                               static_cast<int>(smem));
    if (e != cudaSuccess) return e;
    configured = true;
  }
  const dim3 grid((a.n_q + kBQ - 1) / kBQ, a.heads, a.batch);
  flash_kernel<DP, PIPE><<<grid, kThreads, smem, stream>>>(a);
  return cudaGetLastError();
}

template <int DP>
cudaError_t launch_dp(const AttentionArgs& a, cudaStream_t stream) {
  if (!a.cache.pages && !a.causal) {
    const FlashSplit split = flash_attention_split_for(a);
    if (split.ksplit > 1) {
      return flash_attention_split(a, split.ksplit, split.block_queries, split_qregs(), stream);
    }
    if (flash_pipeline_on()) return launch<DP, true>(a, stream);
  }
  return launch<DP, false>(a, stream);
}

}  // namespace

cudaError_t flash_attention(const AttentionArgs& a, cudaStream_t stream) {
  if (a.head_dim <= 0 || a.head_dim % 8 || a.head_dim > 128 || a.n_q <= 0 || a.n_kv <= 0 || a.heads <= 0 ||
      a.batch <= 0 || (a.cache.pages && a.batch != 1)) {
    return cudaErrorInvalidValue;
  }
  if (a.head_dim <= 16) return launch_dp<16>(a, stream);
  if (a.head_dim <= 32) return launch_dp<32>(a, stream);
  if (a.head_dim <= 64) return launch_dp<64>(a, stream);
  if (a.head_dim <= 112) return launch_dp<112>(a, stream);
  return launch_dp<128>(a, stream);
}

void flash_attention_pipeline(bool on) { g_pipeline.store(on ? 1 : 0); }

void flash_attention_split_qregs(int mode) { g_qregs.store(mode > 0 ? 1 : 0); }

void flash_attention_ksplit(int ksplit, int block_queries) {
  int v = 0;
  if (ksplit == 1 || ((ksplit == 2 || ksplit == 4) && block_queries == 64)) v = ksplit;
  if (ksplit == 2 && block_queries == 128) v = 102;
  g_ksplit.store(v);
}

FlashSplit flash_attention_split_for(const AttentionArgs& a) {
  FlashSplit f;
  if (a.cache.pages || a.causal) return f;
  const int forced = ksplit_setting();
  if (forced > 0) {
    f.ksplit = forced % 100;
    f.block_queries = forced > 100 ? 128 : 64;
    return f;
  }
  // By shape, while the grid fits the SMs in one wave and each group gets at least 4 tiles of 32
  // keys: 4 groups x 64 queries (one block of 16 warps per SM) when the 64-query grid fits; else
  // 2 x 128 (one block of 16 warps per SM, K|V read once per 128 queries) when that grid fits;
  // else 2 x 64 (two blocks of 8 warps per SM). The resampler (128 blocks of 64 queries on 132
  // SMs): 4 x 64; the ViT (256 blocks of 64, 128 of 128): 2 x 128.
  static const int sms = sm_count();
  const long long heads = static_cast<long long>(a.heads) * a.batch;
  const long long blocks64 = (a.n_q + 63) / 64 * heads, blocks128 = (a.n_q + 127) / 128 * heads;
  const int tiles = (a.n_kv + 31) / 32;
  if (blocks64 <= sms && tiles >= 4 * 4) {
    f.ksplit = 4;
  } else if (blocks128 <= sms && tiles >= 2 * 4 && a.n_q > 64) {
    f.ksplit = 2;
    f.block_queries = 128;
  } else if (blocks64 <= 2LL * sms && tiles >= 2 * 4) {
    f.ksplit = 2;
  }
  return f;
}

}  // namespace qwenvl::kernels
