// The one-token int4 GEMV (a decode step), built to stay memory-bound on Hopper: no shared-memory
// ring and no barrier per stage; each warp streams its weights straight into a register ring
// U chunks deep (ld.global.nc, no L1 allocation, L2 evict-first), so loads stay in flight across
// tile boundaries, and the block meets once per tile group to add up its warps. A symmetric
// checkpoint (every zero point 8, Int4Weight::symmetric) takes a path with the zero folded into
// the dequantisation constants: no zeros are read or unpacked. Weights stay fp16(scale * (q -
// zero)) and products accumulate in fp32, as in the ring kernel (gemv_int4.cu), which serves
// 2..8 tokens and the one-token shapes where it measured faster (Int4Path::Auto). An optional
// L2 bulk prefetch of whole tile groups ahead of the ring is kept for measurement (off: it was
// slower at every depth on an H200). Test: build/tests/gpu/test_gemv [--sweep] (needs a GPU).
#include <algorithm>
#include <atomic>

#include "common.cuh"
#include "int4_tile.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

using namespace int4;

constexpr int kWarps1 = 8;  // warps per block; they split k

// 16-byte streaming load that skips L1 and marks the line first to go from L2 (the weights of a
// step are read once; the activations, scales and KV cache should stay).
__device__ __forceinline__ uint4 ld_weights(const uint4* p, uint64_t policy) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.L2::cache_hint.v4.u32 {%0,%1,%2,%3}, [%4], %5;"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p), "l"(policy));
  return v;
}

// Asks the copy engine to bring `bytes` (a multiple of 16) into L2 without a register or a
// barrier: the warps' own loads then find the weights there (Hopper's bulk prefetch).
__device__ __forceinline__ void prefetch_l2(const void* p, uint32_t bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(p), "r"(bytes) : "memory");
#else
  (void)p;
  (void)bytes;
#endif
}

__device__ __forceinline__ uint64_t evict_first_policy() {
  uint64_t p;
  asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(p));
  return p;
}

// One 16-row x 64-k chunk of tile rt: dequantise (zero folded when SYM) and multiply.
template <bool SYM>
__device__ __forceinline__ void chunk_mma(uint4 q, uint32_t s, uint2 z, int g, uint4 xa, uint4 xb, float (&acc)[4]) {
  __half2 zlo, zhi;
  if constexpr (SYM) {
    zlo = __float2half2_rn(1032.f);  // 1024 + 8
    zhi = __float2half2_rn(-72.f);   // -(64 + 8)
  } else {
    zero_halves(z, g, &zlo, &zhi);
  }
  const __half2 sh = as_half2(s);
  const __half2 s_lo = __low2half2(sh), s_hi = __high2half2(sh);
  const uint32_t words[4] = {q.x, q.y, q.z, q.w};
  const uint32_t b[8] = {xa.x, xa.y, xa.z, xa.w, xb.x, xb.y, xb.z, xb.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    uint32_t a[4];
    dequant_word(words[i], zlo, zhi, s_lo, s_hi, a);
    mma_16816(acc, a, b[2 * i], b[2 * i + 1]);
  }
}

// Block b owns tile groups b, b + gridDim.x, ... (RT consecutive 16-row tiles each). Warp w takes
// chunks w, w + kWarps1, ... of each group: `per` slots per group, the same count for every warp
// (slots past k are skipped), so the per-group barrier is uniform. The warp's slots form one
// sequence over its groups; slot s + U is requested while slot s is multiplied.
template <int RT, int U, Int4Epilogue EP, bool SYM>
__global__ void __launch_bounds__(kWarps1 * 32, 2)
    gemv_int4_one_kernel(Int4Weight w, const __half* __restrict__ x, __half* y, const __half* residual,
                         const __half* __restrict__ norm_w, float eps, int group_shift, int prefetch) {
  extern __shared__ uint4 xs[];  // x permuted: lane t reads its b fragments of chunk c at xs[c * 8 + 2t]
  __shared__ float red[2][kWarps1][16 * RT];
  __shared__ float part[kWarps1];
  const int K = w.k, KC = K / kChunk, groups = K / w.group;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int per = (KC + kWarps1 - 1) / kWarps1;
  const int tile_groups = w.n / (16 * RT);
  const int bid = static_cast<int>(blockIdx.x), nblk = static_cast<int>(gridDim.x);
  const int my_groups = bid < tile_groups ? (tile_groups - 1 - bid) / nblk + 1 : 0;
  const int total = my_groups * per;
  const uint64_t policy = evict_first_policy();

  uint4 rq[U][RT];
  uint32_t rs[U][RT];
  uint2 rz[U][RT];
  int ld_grp = 0, ld_slot = 0, ld_seq = 0;  // the next slot to request
  // Requests the next slot into ring entry u (compile-time u).
  auto request = [&](uint4(&q)[RT], uint32_t(&s)[RT], uint2(&z)[RT]) {
    const int c = warp + kWarps1 * ld_slot;
    if (ld_seq < total && c < KC) {
      const int tile0 = (bid + ld_grp * nblk) * RT;
      const int grp = c >> group_shift;
#pragma unroll
      for (int rt = 0; rt < RT; ++rt) {
        const size_t tile = static_cast<size_t>(tile0 + rt);
        q[rt] = ld_weights(w.q + (tile * KC + c) * 32 + lane, policy);
        s[rt] = __ldg(w.scales + (tile * groups + grp) * 8 + g);
        if constexpr (!SYM) z[rt] = __ldg(w.zeros + tile * groups + grp);
      }
    }
    ++ld_seq;
    if (++ld_slot == per) {
      ld_slot = 0;
      ++ld_grp;
    }
  };

  // With prefetch = P > 0, warp 0 has the copy engine pull tile groups into L2 ahead of the
  // register ring: groups 0..P-1 at the start, group g + P when group g is done.
  auto prefetch_group = [&](int j) {
    if (warp != 0 || j >= my_groups) return;
    constexpr size_t kPiece = 4096;
    const size_t tile0 = static_cast<size_t>(bid + j * nblk) * RT;
    const char* base = reinterpret_cast<const char*>(w.q + tile0 * KC * 32);
    const size_t bytes = static_cast<size_t>(RT) * KC * 32 * sizeof(uint4);
    for (size_t off = static_cast<size_t>(lane) * kPiece; off < bytes; off += 32 * kPiece)
      prefetch_l2(base + off, static_cast<uint32_t>(bytes - off < kPiece ? bytes - off : kPiece));
  };

  pdl_trigger();
  for (int j = 0; j < prefetch; ++j) prefetch_group(j);
#pragma unroll
  for (int u = 0; u < U; ++u) request(rq[u], rs[u], rz[u]);  // weights do not depend on the predecessor
  pdl_wait();                                                // x and the residual do

  // Stage x (RMS-normalised with norm_w: fp16(fp16(x * rsqrt(mean(x^2) + eps)) * w)).
  const int k8s = K / 8;
  float inv_rms = 0.f;
  if (norm_w) {
    float ss = 0.f;
    for (int i = threadIdx.x; i < k8s; i += blockDim.x) {
      const uint4 v = *reinterpret_cast<const uint4*>(x + static_cast<size_t>(i) * 8);
      const uint32_t p[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
      for (int m = 0; m < 4; ++m) {
        const float2 f = __half22float2(as_half2(p[m]));
        ss += f.x * f.x + f.y * f.y;
      }
    }
    ss = warp_sum(ss);
    if (lane == 0) part[warp] = ss;
    __syncthreads();
    float tot = 0.f;
#pragma unroll
    for (int i = 0; i < kWarps1; ++i) tot += part[i];
    inv_rms = rsqrtf(tot / K + eps);
  }
  uint32_t* xs32 = reinterpret_cast<uint32_t*>(xs);
  for (int idx = threadIdx.x; idx < k8s; idx += blockDim.x) {
    const int k8 = idx * 8;
    const uint4 v = *reinterpret_cast<const uint4*>(x + k8);
    uint32_t pairs[4] = {v.x, v.y, v.z, v.w};
    if (norm_w) {
      const uint4 wv = *reinterpret_cast<const uint4*>(norm_w + k8);
      const uint32_t wp[4] = {wv.x, wv.y, wv.z, wv.w};
#pragma unroll
      for (int m = 0; m < 4; ++m) {
        const float2 f = __half22float2(as_half2(pairs[m]));
        const float2 ww = __half22float2(as_half2(wp[m]));
        const float n0 = __half2float(__float2half_rn(f.x * inv_rms));
        const float n1 = __half2float(__float2half_rn(f.y * inv_rms));
        pairs[m] = as_u32(__floats2half2_rn(n0 * ww.x, n1 * ww.y));
      }
    }
    const int c = k8 / kChunk, kk = k8 % kChunk, i = kk / 16, hi = (kk % 16) >= 8 ? 1 : 0;
#pragma unroll
    for (int m = 0; m < 4; ++m) xs32[(c * 4 + m) * 8 + 2 * i + hi] = pairs[m];
  }
  __syncthreads();

  const uint4* xrow = xs + t * 2;
  float acc[RT][4];
#pragma unroll
  for (int rt = 0; rt < RT; ++rt) acc[rt][0] = acc[rt][1] = acc[rt][2] = acc[rt][3] = 0.f;
  int slot = 0, grp_done = 0;
  for (int s0 = 0; s0 < total; s0 += U) {
#pragma unroll
    for (int u = 0; u < U; ++u) {
      if (s0 + u >= total) break;  // block-uniform
      uint4 q[RT];
      uint32_t s[RT];
      uint2 z[RT];
#pragma unroll
      for (int rt = 0; rt < RT; ++rt) {
        q[rt] = rq[u][rt];
        s[rt] = rs[u][rt];
        z[rt] = SYM ? make_uint2(0u, 0u) : rz[u][rt];
      }
      request(rq[u], rs[u], rz[u]);  // slot s0 + u + U
      const int c = warp + kWarps1 * slot;
      if (c < KC) {
        const uint4 xa = xrow[c * 8], xb = xrow[c * 8 + 1];
#pragma unroll
        for (int rt = 0; rt < RT; ++rt) chunk_mma<SYM>(q[rt], s[rt], z[rt], g, xa, xb, acc[rt]);
      }
      if (++slot < per) continue;

      // Tile group done: each warp's column 0 (lanes t == 0: rows g and g + 8) into `red`, one
      // barrier, then 16 threads add up the warps and apply the epilogue. `red` alternates
      // between two buffers, so the next group's writes never meet this group's reads.
      slot = 0;
      const int buf = grp_done & 1;
      const int tile0 = (bid + grp_done * nblk) * RT;
      ++grp_done;
      if (prefetch) prefetch_group(grp_done - 1 + prefetch);
      if (t == 0) {
#pragma unroll
        for (int rt = 0; rt < RT; ++rt) {
          red[buf][warp][rt * 16 + g] = acc[rt][0];
          red[buf][warp][rt * 16 + g + 8] = acc[rt][2];
        }
      }
#pragma unroll
      for (int rt = 0; rt < RT; ++rt) acc[rt][0] = acc[rt][1] = acc[rt][2] = acc[rt][3] = 0.f;
      __syncthreads();
      if constexpr (EP == Int4Epilogue::SiluMul) {
        if (threadIdx.x < 16) {
          const int r = threadIdx.x;
          float up = 0.f, gate = 0.f;
#pragma unroll
          for (int wi = 0; wi < kWarps1; ++wi) {
            up += red[buf][wi][r];
            gate += red[buf][wi][16 + r];
          }
          if (w.bias) {
            up += __half2float(w.bias[tile0 * 16 + r]);
            gate += __half2float(w.bias[(tile0 + 1) * 16 + r]);
          }
          const float up16 = __half2float(__float2half_rn(up));
          const float act = __half2float(__float2half_rn(silu(__half2float(__float2half_rn(gate)))));
          y[(tile0 / 2) * 16 + r] = __float2half_rn(up16 * act);
        }
      } else {
        if (threadIdx.x < 16 * RT) {
          const int rt = threadIdx.x / 16, r = threadIdx.x % 16;
          const int n = (tile0 + rt) * 16 + r;
          float v = 0.f;
#pragma unroll
          for (int wi = 0; wi < kWarps1; ++wi) v += red[buf][wi][rt * 16 + r];
          if (w.bias) v += __half2float(w.bias[n]);
          if constexpr (EP == Int4Epilogue::Residual) v = __half2float(__float2half_rn(v)) + __half2float(residual[n]);
          y[n] = __float2half_rn(v);
        }
      }
    }
  }
}

template <int RT, int U, Int4Epilogue EP, bool SYM>
cudaError_t launch_one(const Int4Weight& w, const __half* x, __half* y, const __half* residual, const __half* norm_w,
                       float eps, int group_shift, int prefetch, cudaStream_t stream) {
  auto kernel = gemv_int4_one_kernel<RT, U, EP, SYM>;
  const size_t smem = static_cast<size_t>(w.k) * sizeof(__half);  // under the default 48 KB limit
  // Resident blocks per SM, by shared-memory size (a model's layers use two sizes); read on the
  // first (eager) launch of each, never while a decode graph is being captured.
  static size_t known_smem[4] = {};
  static int known_blocks[4] = {};
  int per_sm = 0;
  for (int i = 0; i < 4 && !per_sm; ++i) {
    if (known_smem[i] == smem) per_sm = known_blocks[i];
  }
  if (!per_sm) {
    const cudaError_t e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kWarps1 * 32, smem);
    if (e != cudaSuccess) return e;
    per_sm = std::max(1, per_sm);
    for (int i = 0; i < 4; ++i) {
      if (!known_smem[i]) {
        known_smem[i] = smem;
        known_blocks[i] = per_sm;
        break;
      }
    }
  }
  // As many groups per block as the resident blocks need, spread evenly: every block gets the
  // same count (but the last few), so no block runs a lone extra group at the end.
  const int groups = w.n / (16 * RT);
  const int slots = per_sm * device_sm_count();
  const int each = (groups + slots - 1) / slots;
  const int grid = (groups + each - 1) / each;
  return launch_pdl(kernel, dim3(grid), dim3(kWarps1 * 32), smem, stream, w, x, y, residual, norm_w, eps, group_shift,
                    prefetch);
}

std::atomic<int>& prefetch_setting() {
  static std::atomic<int> groups{0};  // measured on an H200: any depth was slower (benchmarks.md, run 11)
  return groups;
}
int prefetch_groups() { return prefetch_setting().load(std::memory_order_relaxed); }

template <Int4Epilogue EP, bool SYM>
cudaError_t dispatch_one(const Int4Weight& w, const __half* x, __half* y, const __half* residual, const __half* norm_w,
                         float eps, int group_shift, cudaStream_t stream) {
  if constexpr (EP == Int4Epilogue::SiluMul) {
    return launch_one<2, 4, EP, SYM>(w, x, y, residual, norm_w, eps, group_shift, prefetch_groups(), stream);
  } else {
    return launch_one<1, 8, EP, SYM>(w, x, y, residual, norm_w, eps, group_shift, prefetch_groups(), stream);
  }
}

}  // namespace

namespace int4 {

std::atomic<Int4Path>& path_setting() {
  static std::atomic<Int4Path> path{Int4Path::Auto};
  return path;
}

bool gemv_one_supported(const Int4Weight& w, Int4Epilogue epilogue) {
  const int cpg = w.group / kChunk;
  // Where it wins on an H200 (docs/benchmarks.md, runs 10-11): the fused SwiGLU (w1|w2, 4096 ->
  // 2 x 11008: 20.4 against 25.6 us) and long rows (mlp.c_proj, k = 11008: 13.8 against 14.2 us);
  // the ring kernel stays ahead on c_attn and attn.c_proj (k = 4096: 14.4 / 6.1 against 15.2 / 6.2).
  const Int4Path path = path_setting().load(std::memory_order_relaxed);
  const bool wins = epilogue == Int4Epilogue::SiluMul || w.k > 4096;
  const bool wanted = path == Int4Path::Streaming || (path == Int4Path::Auto && wins);
  return wanted && cpg > 0 && (cpg & (cpg - 1)) == 0 && static_cast<size_t>(w.k) * 2 <= 44 * 1024;
}

cudaError_t gemv_int4_one(const Int4Weight& w, const __half* x, __half* y, const __half* residual,
                          Int4Epilogue epilogue, cudaStream_t stream, const __half* norm_w, float eps) {
  int shift = 0;
  while ((kChunk << shift) < w.group) ++shift;
  const bool sym = w.symmetric;
  switch (epilogue) {
    case Int4Epilogue::Store:
      return sym ? dispatch_one<Int4Epilogue::Store, true>(w, x, y, residual, norm_w, eps, shift, stream)
                 : dispatch_one<Int4Epilogue::Store, false>(w, x, y, residual, norm_w, eps, shift, stream);
    case Int4Epilogue::Residual:
      return sym ? dispatch_one<Int4Epilogue::Residual, true>(w, x, y, residual, norm_w, eps, shift, stream)
                 : dispatch_one<Int4Epilogue::Residual, false>(w, x, y, residual, norm_w, eps, shift, stream);
    case Int4Epilogue::SiluMul:
      if (w.n % 32) return cudaErrorInvalidValue;
      return sym ? dispatch_one<Int4Epilogue::SiluMul, true>(w, x, y, residual, norm_w, eps, shift, stream)
                 : dispatch_one<Int4Epilogue::SiluMul, false>(w, x, y, residual, norm_w, eps, shift, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace int4

void gemv_int4_select(Int4Path path) { int4::path_setting().store(path, std::memory_order_relaxed); }

void gemv_int4_set_prefetch(int groups) {
  prefetch_setting().store(groups < 0 ? 0 : groups, std::memory_order_relaxed);
}

}  // namespace qwenvl::kernels
