// Tensor-core attention without a mask or pages (the ViT's self-attention, the resampler's cross
// attention) with the keys split inside a block: KSPLIT warp groups of WPG warps share a block's
// 16 * WPG queries (16 per warp); group g walks the key tiles g, g + KSPLIT, g + 2 KSPLIT, ... (32
// keys each) through its own two or three K|V slots in shared memory (cp.async, one named
// barrier per group and tile), and the groups' partial (max, sum, output) are merged through
// shared memory at the end (the flash-decoding merge, in fp32).
// Why: the single-group kernel gives the ViT (256 blocks of 4 warps) and the resampler (128)
// only 4 to 8 warps per SM of an H200, each walking every key tile in turn. Variants (KSPLIT x
// WPG; shared memory at head size 104 / 128; blocks of 16 warps per SM unless said):
//   2 x 4: 105 / 85 KB (three / two slots), two blocks of 8 warps per SM;
//   4 x 4: 195 / 221 KB (three slots): the resampler's 128 blocks fill 128 SMs;
//   2 x 8: 120 / 136 KB (three slots): the ViT's 128 blocks of 128 queries, K|V read from L2
//          once per 128 queries (half the traffic of 64-query blocks).
// All variants are capped at 128 registers per thread for that occupancy.
// fp16 operands, fp32 scores, online softmax (base 2) and accumulation, fp16 output.
// Test: build/tests/gpu/test_attention (needs a GPU).
#include "attention_flash_split.h"
#include "common.cuh"

namespace qwenvl::kernels {

namespace {

constexpr int kSplitBK = 32;  // keys per tile
constexpr float kLog2e = 1.4426950408889634f;

// Q (16 * wpg rows), then per group `stages` slots of K|V (32 rows each), rows of dp + 8 halves.
constexpr size_t split_tile_bytes(int dp, int ksplit, int wpg, int stages) {
  return (static_cast<size_t>(16 * wpg) + static_cast<size_t>(ksplit) * stages * 2 * kSplitBK) * (dp + 8) *
         sizeof(__half);
}

template <int DP, int KSPLIT, int WPG, int STAGES>
struct SplitLayout {
  static constexpr int kQueries = 16 * WPG;  // per block
  static constexpr int kGroupThreads = 32 * WPG;
  static constexpr int kStride = DP + 8;            // halves; the pad keeps ldmatrix rows on distinct banks
  static constexpr int kTile = kSplitBK * kStride;  // one K or V tile, halves
  static constexpr size_t kTileBytes = split_tile_bytes(DP, KSPLIT, WPG, STAGES);
  // After the keys: groups 1.. leave, per thread, NT * 4 output values, 2 maxima and 2 sums.
  static constexpr int kSlot = 4 * (DP / 8) + 4;
  static constexpr size_t kMergeBytes = static_cast<size_t>(KSPLIT - 1) * WPG * kSlot * 32 * sizeof(float);
  static constexpr size_t kBytes = kTileBytes > kMergeBytes ? kTileBytes : kMergeBytes;
};

// Barrier of one warp group of THREADS threads (ids 1.. ; 0 is __syncthreads).
template <int THREADS>
__device__ __forceinline__ void group_sync(int group) {
  asm volatile("bar.sync %0, %1;" ::"r"(group + 1), "n"(THREADS) : "memory");
}

// ROWS rows (row0.. of a matrix with `stride` elements per row) x DP halves into shared memory,
// spread over NTHREADS threads; rows >= limit and dims >= head_dim are written as zero.
template <int DP, int ROWS, int NTHREADS>
__device__ __forceinline__ void load_rows(__half* dst, const __half* base, long long stride, int row0, int limit,
                                          int head_dim, int tid) {
  constexpr int kChunks = DP / 8;
  for (int i = tid; i < ROWS * kChunks; i += NTHREADS) {
    const int r = i / kChunks, c = i - r * kChunks;
    const int row = row0 + r;
    const bool valid = row < limit && c * 8 < head_dim;
    const __half* src = base + static_cast<long long>(valid ? row : row0) * stride + (valid ? c * 8 : 0);
    cp_async_16(dst + r * (DP + 8) + c * 8, src, valid);  // row0 < limit: a mapped address either way
  }
}

// QREG: the warp's Q fragments stay in registers; otherwise they are read from shared memory per
// tile (7 of 35 ldmatrix per tile at head size 104, 8 of 40 at 128), which keeps large heads
// within 128 registers without spilling.
// STAGES: K|V slots per group (tiles i + 1 .. i + STAGES - 1 in flight while tile i is used).
template <int DP, int KSPLIT, int WPG, int STAGES, bool QREG>
__global__ void __launch_bounds__(KSPLIT* WPG * 32, KSPLIT* WPG == 8 ? 2 : 1) flash_split_kernel(AttentionArgs a) {
  using L = SplitLayout<DP, KSPLIT, WPG, STAGES>;
  constexpr int kBQ = L::kQueries, GT = L::kGroupThreads;
  extern __shared__ __align__(16) __half smem[];
  constexpr int S = L::kStride;
  constexpr int KT = DP / 16;  // k-tiles over the head dimension
  constexpr int NT = DP / 8;   // n-tiles of the output

  const int qb = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int group = warp / WPG, wq = warp % WPG;
  const int gtid = threadIdx.x % GT;
  const int g = lane >> 2, t = lane & 3, mi = lane >> 3;
  const int q0 = qb * kBQ;
  const int n_kv = a.n_kv;
  const int n_tiles = (n_kv + kSplitBK - 1) / kSplitBK;
  const int my_tiles = n_tiles > group ? (n_tiles - group + KSPLIT - 1) / KSPLIT : 0;
  const float scale2 = a.scale * kLog2e;

  __half* qs = smem;
  __half* kv = smem + kBQ * S + group * STAGES * 2 * L::kTile;  // slot s: K at kv + 2 s tiles, V next
  const __half* kbase = a.k + b * a.kv_batch + h * a.kv_head;
  const __half* vbase = a.v + b * a.kv_batch + h * a.kv_head;

  load_rows<DP, kBQ, KSPLIT * GT>(qs, a.q + b * a.q_batch + h * a.q_head, a.q_row, q0, a.n_q, a.head_dim, threadIdx.x);
  // The group's tile i (keys from (group + i * KSPLIT) * 32) into slot `slot`.
  auto load_tile = [&](int i, int slot) {
    const int k0 = (group + i * KSPLIT) * kSplitBK;
    __half* dst = kv + slot * 2 * L::kTile;
    load_rows<DP, kSplitBK, GT>(dst, kbase, a.kv_row, k0, n_kv, a.head_dim, gtid);
    load_rows<DP, kSplitBK, GT>(dst + L::kTile, vbase, a.kv_row, k0, n_kv, a.head_dim, gtid);
  };
  // One commit group per tile (Q with tile 0), empty ones past the group's last tile, so that
  // before tile i is waited for, exactly i + STAGES - 1 groups have been committed.
#pragma unroll
  for (int st = 0; st < STAGES - 1; ++st) {
    if (st < my_tiles) load_tile(st, st);
    cp_async_commit();
  }
  cp_async_wait<STAGES - 2>();
  __syncthreads();  // Q (loaded by every group) is in

  uint32_t qf[QREG ? KT : 1][4];
  if constexpr (QREG) {
#pragma unroll
    for (int kt = 0; kt < KT; ++kt) {
      ldmatrix_x4(qf[kt], qs + (wq * 16 + (mi & 1) * 8 + (lane & 7)) * S + kt * 16 + (mi >> 1) * 8);
    }
  }
  float o[NT][4];
#pragma unroll
  for (int n = 0; n < NT; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  float m_row[2] = {-INFINITY, -INFINITY}, l_row[2] = {0.f, 0.f};

  for (int i = 0, slot = 0; i < my_tiles; ++i, slot = slot + 1 == STAGES ? 0 : slot + 1) {
    cp_async_wait<STAGES - 2>();  // this thread's part of tile i is in
    group_sync<GT>(group);        // everyone's; and the slot of tile i - 1 is no longer read
    if (i + STAGES - 1 < my_tiles) load_tile(i + STAGES - 1, slot == 0 ? STAGES - 1 : slot - 1);
    cp_async_commit();
    const int k0 = (group + i * KSPLIT) * kSplitBK;
    const __half* ks = kv + slot * 2 * L::kTile;
    const __half* vs = ks + L::kTile;

    float s[4][4];
#pragma unroll
    for (int n = 0; n < 4; ++n) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
#pragma unroll
    for (int kt = 0; kt < KT; ++kt) {
      uint32_t qa[4];
      if constexpr (QREG) {
        qa[0] = qf[kt][0], qa[1] = qf[kt][1], qa[2] = qf[kt][2], qa[3] = qf[kt][3];
      } else {
        ldmatrix_x4(qa, qs + (wq * 16 + (mi & 1) * 8 + (lane & 7)) * S + kt * 16 + (mi >> 1) * 8);
      }
#pragma unroll
      for (int np = 0; np < 2; ++np) {
        uint32_t kb[4];
        ldmatrix_x4(kb, ks + (np * 16 + (mi >> 1) * 8 + (lane & 7)) * S + kt * 16 + (mi & 1) * 8);
        mma_16816(s[2 * np], qa, kb[0], kb[1]);
        mma_16816(s[2 * np + 1], qa, kb[2], kb[3]);
      }
    }
    // Scale, mask the keys past the end, online softmax (base 2).
    float mx[2] = {-INFINITY, -INFINITY};
    if (k0 + kSplitBK <= n_kv) {
#pragma unroll
      for (int n = 0; n < 4; ++n) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          s[n][e] *= scale2;
          mx[e >> 1] = fmaxf(mx[e >> 1], s[n][e]);
        }
      }
    } else {  // the last, partial tile
#pragma unroll
      for (int n = 0; n < 4; ++n) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int kj = k0 + n * 8 + 2 * t + (e & 1);
          s[n][e] = kj < n_kv ? s[n][e] * scale2 : -INFINITY;
          mx[e >> 1] = fmaxf(mx[e >> 1], s[n][e]);
        }
      }
    }
    float base[2];  // a row with nothing visible yet stays at zero
    online_softmax_rescale<NT>(mx, m_row, l_row, o, base);
    uint32_t pf[2][4];
#pragma unroll
    for (int n = 0; n < 4; ++n) {
      const float p0 = exp2f(s[n][0] - base[0]), p1 = exp2f(s[n][1] - base[0]);
      const float p2 = exp2f(s[n][2] - base[1]), p3 = exp2f(s[n][3] - base[1]);
      l_row[0] += p0 + p1;
      l_row[1] += p2 + p3;
      const int kk = n >> 1, hi = (n & 1) * 2;
      pf[kk][hi] = as_u32(__floats2half2_rn(p0, p1));
      pf[kk][hi + 1] = as_u32(__floats2half2_rn(p2, p3));
    }
#pragma unroll
    for (int kk = 0; kk < 2; ++kk) {
#pragma unroll
      for (int dp = 0; dp < NT / 2; ++dp) {
        uint32_t vb[4];
        ldmatrix_x4_trans(vb, vs + (kk * 16 + (mi & 1) * 8 + (lane & 7)) * S + dp * 16 + (mi >> 1) * 8);
        mma_16816(o[2 * dp], pf[kk], vb[0], vb[1]);
        mma_16816(o[2 * dp + 1], pf[kk], vb[2], vb[3]);
      }
    }
  }
  cp_async_wait<0>();  // only empty groups can be pending here

#pragma unroll
  for (int r = 0; r < 2; ++r) {
    l_row[r] += __shfl_xor_sync(0xffffffffu, l_row[r], 1);
    l_row[r] += __shfl_xor_sync(0xffffffffu, l_row[r], 2);
  }
  // Merge: groups 1.. leave their partial results in the (now unused) tile space, in fragment
  // order (slot element x of thread `lane` at x * 32 + lane: no bank conflicts); group 0's warp
  // with the same rows combines them: m = max m_g, w_g = 2^(m_g - m), O = sum w_g O_g / sum w_g l_g.
  __syncthreads();  // every group is done with Q and its K|V tiles
  float* part = reinterpret_cast<float*>(smem);
  constexpr int kSlot = L::kSlot;
  if (group > 0) {
    float* p = part + ((group - 1) * WPG + wq) * kSlot * 32 + lane;
#pragma unroll
    for (int n = 0; n < NT; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) p[(4 * n + e) * 32] = o[n][e];
    }
    p[(4 * NT + 0) * 32] = m_row[0];
    p[(4 * NT + 1) * 32] = m_row[1];
    p[(4 * NT + 2) * 32] = l_row[0];
    p[(4 * NT + 3) * 32] = l_row[1];
  }
  __syncthreads();
  if (group > 0) return;

  float m_all[2] = {m_row[0], m_row[1]};
#pragma unroll
  for (int gg = 1; gg < KSPLIT; ++gg) {
    const float* p = part + ((gg - 1) * WPG + wq) * kSlot * 32 + lane;
    m_all[0] = fmaxf(m_all[0], p[(4 * NT + 0) * 32]);
    m_all[1] = fmaxf(m_all[1], p[(4 * NT + 1) * 32]);
  }
  float base[2], w[2];
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    base[r] = m_all[r] == -INFINITY ? 0.f : m_all[r];  // no key at all (n_kv >= 1 prevents it)
    w[r] = exp2f(m_row[r] - base[r]);
    l_row[r] *= w[r];
  }
#pragma unroll
  for (int n = 0; n < NT; ++n) {
    o[n][0] *= w[0];
    o[n][1] *= w[0];
    o[n][2] *= w[1];
    o[n][3] *= w[1];
  }
#pragma unroll
  for (int gg = 1; gg < KSPLIT; ++gg) {
    const float* p = part + ((gg - 1) * WPG + wq) * kSlot * 32 + lane;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      w[r] = exp2f(p[(4 * NT + r) * 32] - base[r]);  // 0 for a group that saw no key
      l_row[r] += w[r] * p[(4 * NT + 2 + r) * 32];
    }
#pragma unroll
    for (int n = 0; n < NT; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) o[n][e] += w[e >> 1] * p[(4 * n + e) * 32];
    }
  }

  const int qi0 = q0 + wq * 16 + g;  // this thread's rows: qi0 and qi0 + 8
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

template <int DP, int KSPLIT, int WPG, bool QREG>
cudaError_t launch_split(const AttentionArgs& a, cudaStream_t stream) {
  // Three K|V slots per group where they fit the block's share of the SM (two blocks of 8 warps
  // or one of 16), else two.
  constexpr size_t kLimit = (KSPLIT * WPG == 8 ? 112 : 227) * 1024;
  constexpr int STAGES = split_tile_bytes(DP, KSPLIT, WPG, 3) <= kLimit ? 3 : 2;
  using L = SplitLayout<DP, KSPLIT, WPG, STAGES>;
  constexpr size_t smem = L::kBytes;
  static_assert(smem <= kLimit, "shared memory per block");
  static bool configured = false;
  if (!configured) {
    auto kernel = flash_split_kernel<DP, KSPLIT, WPG, STAGES, QREG>;
    cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
    // All of the unified L1 as shared memory: the K|V loads bypass L1 (cp.async.cg).
    if (e == cudaSuccess) {
      e = cudaFuncSetAttribute(kernel, cudaFuncAttributePreferredSharedMemoryCarveout, cudaSharedmemCarveoutMaxShared);
    }
    if (e != cudaSuccess) return e;
    configured = true;
  }
  const dim3 grid((a.n_q + L::kQueries - 1) / L::kQueries, a.heads, a.batch);
  flash_split_kernel<DP, KSPLIT, WPG, STAGES, QREG><<<grid, KSPLIT * L::kGroupThreads, smem, stream>>>(a);
  return cudaGetLastError();
}

template <int DP, bool QREG>
cudaError_t launch_split_q(const AttentionArgs& a, int ksplit, int block_queries, cudaStream_t stream) {
  if (block_queries == 128) return launch_split<DP, 2, 8, QREG>(a, stream);
  return ksplit == 4 ? launch_split<DP, 4, 4, QREG>(a, stream) : launch_split<DP, 2, 4, QREG>(a, stream);
}

// Heads up to 64 always keep Q in registers (no spill); above, as asked (at the 128-register cap
// that two blocks of 8 or one of 16 warps per SM need: 8-12 bytes spill at 112, 36-52 at 128).
template <int DP>
cudaError_t launch_split_dp(const AttentionArgs& a, int ksplit, int block_queries, bool q_registers,
                            cudaStream_t stream) {
  if constexpr (DP <= 64) {  // no re-reading variant is built for these
    (void)q_registers;
    return launch_split_q<DP, true>(a, ksplit, block_queries, stream);
  } else {
    if (q_registers) return launch_split_q<DP, true>(a, ksplit, block_queries, stream);
    return launch_split_q<DP, false>(a, ksplit, block_queries, stream);
  }
}

}  // namespace

cudaError_t flash_attention_split(const AttentionArgs& a, int ksplit, int block_queries, bool q_registers,
                                  cudaStream_t stream) {
  const bool known = (block_queries == 64 && (ksplit == 2 || ksplit == 4)) || (block_queries == 128 && ksplit == 2);
  if (!known || a.cache.pages || a.causal) return cudaErrorInvalidValue;
  if (a.head_dim <= 16) return launch_split_dp<16>(a, ksplit, block_queries, q_registers, stream);
  if (a.head_dim <= 32) return launch_split_dp<32>(a, ksplit, block_queries, q_registers, stream);
  if (a.head_dim <= 64) return launch_split_dp<64>(a, ksplit, block_queries, q_registers, stream);
  if (a.head_dim <= 112) return launch_split_dp<112>(a, ksplit, block_queries, q_registers, stream);
  return launch_split_dp<128>(a, ksplit, block_queries, q_registers, stream);
}

}  // namespace qwenvl::kernels
