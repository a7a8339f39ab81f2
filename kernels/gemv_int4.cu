// GPTQ int4 layers for decode: repacking AutoGPTQ v1 tensors into 16-row tiles (int4_tile.cuh)
// and the fused dequantise-and-multiply tensor-core GEMV for 1..8 tokens (persistent blocks fed
// by a cp.async ring), with the input's RMSNorm optionally fused into its prologue. Weights are fp16(scale * (q -
// zero)) as in the official kernels; products accumulate in fp32. Test: build/tests/gpu/test_gemv (needs a GPU).
#include <algorithm>

#include "common.cuh"
#include "int4_tile.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

using namespace int4;

constexpr int kWarps = 8;  // warps per block; they split k

// Word layout inside one lane's uint4, word i = k-tile i of the chunk. Nibble j of a word holds
// row g + 8 * (j & 1), column k0 + 2t + 8 * ((j >> 1) & 1) + (j >> 2), so that
//   lop3(w, 0x000F000F) -> a0 (row g,  k 2t, 2t+1)     lop3(w, 0x00F000F0) -> a1 (row g+8)
//   lop3(w >> 8, ...)    -> a2, a3 (k 2t+8, 2t+9)
__device__ __forceinline__ void nibble_position(int lane, int j, int* row, int* col) {
  const int g = lane >> 2, t = lane & 3;
  *row = g + 8 * (j & 1);
  *col = 2 * t + 8 * ((j >> 1) & 1) + (j >> 2);
}

__global__ void repack_q_kernel(const uint32_t* __restrict__ qweight, int n, int k, uint4* __restrict__ q_out,
                                int tile_step, int tile_offset) {
  // One thread per destination word.
  const size_t chunks = k / kChunk;
  const size_t total = static_cast<size_t>(n / 16) * chunks * 32 * 4;
  for (size_t idx = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const int i = static_cast<int>(idx & 3);
    const int lane = static_cast<int>((idx >> 2) & 31);
    const size_t c = (idx >> 7) % chunks;
    const size_t tile = (idx >> 7) / chunks;
    uint32_t word = 0;
    for (int j = 0; j < 8; ++j) {
      int row, col;
      nibble_position(lane, j, &row, &col);
      const size_t nn = tile * 16 + row;
      const size_t kk = c * kChunk + 16 * i + col;
      const uint32_t src = qweight[(kk >> 3) * n + nn];
      word |= ((src >> (4 * (kk & 7))) & 15u) << (4 * j);
    }
    const size_t dtile = tile * tile_step + tile_offset;
    reinterpret_cast<uint32_t*>(q_out)[((dtile * chunks + c) * 32 + lane) * 4 + i] = word;
  }
}

__global__ void repack_sz_kernel(const uint32_t* __restrict__ qzeros, const __half* __restrict__ scales, int n, int k,
                                 int group, uint32_t* __restrict__ s_out, uint2* __restrict__ z_out, int tile_step,
                                 int tile_offset) {
  // One thread per (tile, group, g).
  const int groups = k / group;
  const size_t total = static_cast<size_t>(n / 16) * groups * 8;
  for (size_t idx = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const int g = static_cast<int>(idx & 7);
    const size_t grp = (idx >> 3) % groups;
    const size_t tile = (idx >> 3) / groups;
    const size_t r0 = tile * 16 + g, r1 = r0 + 8;
    const __half s0 = scales[grp * n + r0], s1 = scales[grp * n + r1];
    const size_t dtile = tile * tile_step + tile_offset;
    s_out[(dtile * groups + grp) * 8 + g] = pack_half2(s0, s1);
    if (g == 0) {
      // Rows r..r+7 of a tile are one qzeros word when the tile starts at a multiple of 8.
      const uint32_t z0 = qzeros[grp * (n / 8) + (tile * 16) / 8];
      const uint32_t z1 = qzeros[grp * (n / 8) + (tile * 16) / 8 + 1];
      z_out[dtile * groups + grp] = make_uint2(z0, z1);
    }
  }
}

template <int RT>
__device__ __forceinline__ void compute_chunk(const Fragments (&f)[RT], uint4 xa, uint4 xb, int g,
                                              float (&acc)[RT][4]) {
  const uint32_t b[8] = {xa.x, xa.y, xa.z, xa.w, xb.x, xb.y, xb.z, xb.w};
#pragma unroll
  for (int rt = 0; rt < RT; ++rt) {
    __half2 zlo, zhi;
    zero_halves(f[rt].z, g, &zlo, &zhi);
    const __half2 s = as_half2(f[rt].s);
    const __half2 s_lo = __low2half2(s), s_hi = __high2half2(s);
    const uint32_t words[4] = {f[rt].q.x, f[rt].q.y, f[rt].q.z, f[rt].q.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      uint32_t a[4];
      dequant_word(words[i], zlo, zhi, s_lo, s_hi, a);
      mma_16816(acc[rt], a, b[2 * i], b[2 * i + 1]);
    }
  }
}

// Persistent blocks of kWarps warps stream tile groups (RT consecutive 16-row tiles) blockIdx.x,
// blockIdx.x + gridDim.x, ...; each group's k is cut into batches of UNROLL chunks per warp
// (warp w takes chunks w, w + kWarps, ...). Weights, scales and zeros of the batches flow through
// a kStages-deep cp.async ring in shared memory, so loads stay in flight across batch and tile
// boundaries; the first kStages - 1 batches are requested before the PDL wait. x is staged once
// per block, permuted so that lane (g, t) reads its b fragments for a chunk as two uint4,
// xs[tok][chunk][t] = {b0, b1} of k-tiles 0..3. With norm_w, x is the residual stream and each
// token is RMS-normalised while it is staged (fp16(fp16(x * rsqrt(mean(x^2) + eps)) * w)).
constexpr int kStages = 4;

template <int RT, int UNROLL>
struct Ring {
  static constexpr int kChunks = RT * kWarps * UNROLL;  // chunk-tiles per batch
  static constexpr int kQ = kChunks * 32 * 16;
  static constexpr int kS = kChunks * 32;
  static constexpr int kZ = kChunks * 8;
  static constexpr int kBytes = kQ + kS + kZ;
};

template <int RT, int UNROLL, Int4Epilogue EP>
__global__ void __launch_bounds__(kWarps * 32)
    gemv_int4_kernel(Int4Weight w, const __half* __restrict__ x, int ntok, __half* y, const __half* residual,
                     const __half* __restrict__ norm_w, float eps) {
  using R = Ring<RT, UNROLL>;
  extern __shared__ uint4 smem[];
  __shared__ float inv_rms[8];
  char* ring = reinterpret_cast<char*>(smem);
  const int K = w.k, KC = K / kChunk, groups = K / w.group;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  constexpr int kStep = kWarps * UNROLL;
  const int batches = (KC + kStep - 1) / kStep;
  const int tile_groups = w.n / (16 * RT);
  const int my_groups = (tile_groups - 1 - static_cast<int>(blockIdx.x)) / static_cast<int>(gridDim.x) + 1;
  const int total = my_groups * batches;

  // Stage `seq` of this block: tile group blockIdx.x + (seq / batches) * gridDim.x, batch seq % batches.
  auto load_stage = [&](int seq, int slot) {
    const int tile0 = (blockIdx.x + (seq / batches) * gridDim.x) * RT;
    const int cbase = (seq % batches) * kStep;
    char* base = ring + slot * R::kBytes;
    for (int i = threadIdx.x; i < R::kChunks * 32; i += kWarps * 32) {
      const int ct = i >> 5, l = i & 31;  // ct = (rt * UNROLL + u) * kWarps + warp
      const int rt = ct / kStep, c = cbase + ct % kStep;
      const bool valid = c < KC;
      cp_async_16(base + i * 16, w.q + (static_cast<size_t>(tile0 + rt) * KC + (valid ? c : 0)) * 32 + l, valid);
    }
    for (int i = threadIdx.x; i < R::kChunks * 2; i += kWarps * 32) {
      const int ct = i >> 1, half = i & 1;
      const int rt = ct / kStep, c = min(cbase + ct % kStep, KC - 1);
      const int grp = (c * kChunk) / w.group;
      cp_async_16(base + R::kQ + i * 16, w.scales + (static_cast<size_t>(tile0 + rt) * groups + grp) * 8 + half * 4,
                  true);
    }
    for (int ct = threadIdx.x; ct < R::kChunks; ct += kWarps * 32) {
      const int rt = ct / kStep, c = min(cbase + ct % kStep, KC - 1);
      const int grp = (c * kChunk) / w.group;
      cp_async_8(base + R::kQ + R::kS + ct * 8, w.zeros + static_cast<size_t>(tile0 + rt) * groups + grp);
    }
  };

  pdl_trigger();
#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < total) load_stage(s, s);
    cp_async_commit();
  }
  pdl_wait();  // x and the residual come from the previous kernel

  const int k8_per_tok = K / 8;
  if (norm_w) {
    for (int tok = warp; tok < ntok; tok += kWarps) {
      float ss = 0.f;
      for (int i = lane; i < k8_per_tok; i += 32) {
        const uint4 v = *reinterpret_cast<const uint4*>(x + static_cast<size_t>(tok) * K + i * 8);
        const uint32_t p[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int m = 0; m < 4; ++m) {
          const float2 f = __half22float2(as_half2(p[m]));
          ss += f.x * f.x + f.y * f.y;
        }
      }
      ss = warp_sum(ss);
      if (lane == 0) inv_rms[tok] = rsqrtf(ss / K + eps);
    }
    __syncthreads();
  }
  uint4* xs = smem + kStages * R::kBytes / 16;
  uint32_t* xs32 = reinterpret_cast<uint32_t*>(xs);
  for (int idx = threadIdx.x; idx < ntok * k8_per_tok; idx += blockDim.x) {
    const int tok = idx / k8_per_tok;
    const int k8 = (idx - tok * k8_per_tok) * 8;
    const uint4 v = *reinterpret_cast<const uint4*>(x + static_cast<size_t>(tok) * K + k8);
    uint32_t pairs[4] = {v.x, v.y, v.z, v.w};
    if (norm_w) {
      const uint4 wv = *reinterpret_cast<const uint4*>(norm_w + k8);
      const uint32_t wp[4] = {wv.x, wv.y, wv.z, wv.w};
      const float r = inv_rms[tok];
#pragma unroll
      for (int m = 0; m < 4; ++m) {
        const float2 f = __half22float2(as_half2(pairs[m]));
        const float2 ww = __half22float2(as_half2(wp[m]));
        const float n0 = __half2float(__float2half_rn(f.x * r)), n1 = __half2float(__float2half_rn(f.y * r));
        pairs[m] = as_u32(__floats2half2_rn(n0 * ww.x, n1 * ww.y));
      }
    }
    const int c = k8 / kChunk, kk = k8 % kChunk, i = kk / 16, hi = (kk % 16) >= 8 ? 1 : 0;
#pragma unroll
    for (int m = 0; m < 4; ++m) {
      // pair m holds columns r0 + 2m, r0 + 2m + 1 -> lane t = m, word 2i + hi
      xs32[((static_cast<size_t>(tok) * KC + c) * 4 + m) * 8 + 2 * i + hi] = pairs[m];
    }
  }
  const int tok_b = min(g, ntok - 1);
  const uint4* xrow = xs + static_cast<size_t>(tok_b) * KC * 8 + t * 2;
  float* red = reinterpret_cast<float*>(xs + static_cast<size_t>(ntok) * KC * 8);

  float acc[RT][4];
#pragma unroll
  for (int rt = 0; rt < RT; ++rt) acc[rt][0] = acc[rt][1] = acc[rt][2] = acc[rt][3] = 0.f;
  for (int seq = 0; seq < total; ++seq) {
    cp_async_wait<kStages - 2>();
    __syncthreads();  // batch seq is in (and x, the first time); the slot refilled next is free
    if (seq + kStages - 1 < total) load_stage(seq + kStages - 1, (seq + kStages - 1) % kStages);
    cp_async_commit();
    const char* base = ring + (seq % kStages) * R::kBytes;
    const int cbase = (seq % batches) * kStep;
#pragma unroll
    for (int u = 0; u < UNROLL; ++u) {
      const int c = cbase + u * kWarps + warp;
      if (c >= KC) break;
      Fragments f[RT];
#pragma unroll
      for (int rt = 0; rt < RT; ++rt) {
        const int ct = (rt * UNROLL + u) * kWarps + warp;
        f[rt].q = reinterpret_cast<const uint4*>(base)[ct * 32 + lane];
        f[rt].s = reinterpret_cast<const uint32_t*>(base + R::kQ)[ct * 8 + g];
        f[rt].z = reinterpret_cast<const uint2*>(base + R::kQ + R::kS)[ct];
      }
      compute_chunk<RT>(f, xrow[c * 8], xrow[c * 8 + 1], g, acc);
    }
    if (seq % batches != batches - 1) continue;

    // Tile group done: reduce over warps, apply the epilogue.
    const int tile0 = (blockIdx.x + (seq / batches) * gridDim.x) * RT;
#pragma unroll
    for (int rt = 0; rt < RT; ++rt) {
      *reinterpret_cast<float4*>(red + ((warp * RT + rt) * 32 + lane) * 4) =
          make_float4(acc[rt][0], acc[rt][1], acc[rt][2], acc[rt][3]);
      acc[rt][0] = acc[rt][1] = acc[rt][2] = acc[rt][3] = 0.f;
    }
    __syncthreads();
    auto sum = [&](int rt, int r, int tok) {
      const int l = (r & 7) * 4 + (tok >> 1), slot = (r >= 8 ? 2 : 0) + (tok & 1);
      float v = 0.f;
#pragma unroll
      for (int wi = 0; wi < kWarps; ++wi) v += red[((wi * RT + rt) * 32 + l) * 4 + slot];
      return v;
    };
    if constexpr (EP == Int4Epilogue::SiluMul) {
      const int n_out = w.n / 2;
      for (int o = threadIdx.x; o < 16 * ntok; o += blockDim.x) {
        const int r = o & 15, tok = o >> 4;
        float up = sum(0, r, tok), gate = sum(1, r, tok);
        if (w.bias) {
          up += __half2float(w.bias[tile0 * 16 + r]);
          gate += __half2float(w.bias[(tile0 + 1) * 16 + r]);
        }
        const float up16 = __half2float(__float2half_rn(up));
        const float act = __half2float(__float2half_rn(silu(__half2float(__float2half_rn(gate)))));
        y[static_cast<size_t>(tok) * n_out + (tile0 / 2) * 16 + r] = __float2half_rn(up16 * act);
      }
    } else {
      for (int o = threadIdx.x; o < RT * 16 * ntok; o += blockDim.x) {
        const int rt = o / (16 * ntok), rem = o - rt * 16 * ntok;
        const int r = rem & 15, tok = rem >> 4;
        const int n = (tile0 + rt) * 16 + r;
        float v = sum(rt, r, tok);
        if (w.bias) v += __half2float(w.bias[n]);
        const size_t at = static_cast<size_t>(tok) * w.n + n;
        if constexpr (EP == Int4Epilogue::Residual) {
          v = __half2float(__float2half_rn(v)) + __half2float(residual[at]);
        }
        y[at] = __float2half_rn(v);
      }
    }
    // `red` is next written after the next iteration's barrier.
  }
  cp_async_wait<0>();
}

int grid_for(size_t items, int threads) {
  const size_t blocks = (items + threads - 1) / threads;
  return static_cast<int>(blocks < 65535 * 8 ? blocks : 65535 * 8);
}

constexpr size_t kMaxGemvSmem = 200 * 1024;

template <int RT, int UNROLL>
size_t gemv_smem(int ntok, int k) {
  return kStages * Ring<RT, UNROLL>::kBytes + static_cast<size_t>(ntok) * k * sizeof(__half) +
         static_cast<size_t>(kWarps) * RT * 32 * 4 * sizeof(float);
}

template <int RT, int UNROLL, Int4Epilogue EP>
cudaError_t launch_gemv(const Int4Weight& w, const __half* x, int ntok, __half* y, const __half* residual,
                        const __half* norm_w, float eps, cudaStream_t stream) {
  const size_t smem = gemv_smem<RT, UNROLL>(ntok, w.k);
  if (smem > kMaxGemvSmem) return cudaErrorInvalidValue;
  static bool configured = false;  // raising the limit once per instantiation is enough
  if (!configured) {
    const cudaError_t e = cudaFuncSetAttribute(
        gemv_int4_kernel<RT, UNROLL, EP>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(kMaxGemvSmem));
    if (e != cudaSuccess) return e;
    configured = true;
  }
  // Two blocks per SM when shared memory allows, each streaming several tile groups.
  const int per_sm = smem <= 110 * 1024 ? 2 : 1;
  const int groups = w.n / (16 * RT);
  const int grid = std::min(groups, per_sm * device_sm_count());
  return launch_pdl(gemv_int4_kernel<RT, UNROLL, EP>, dim3(grid), dim3(kWarps * 32), smem, stream, w, x, ntok, y,
                    residual, norm_w, eps);
}

}  // namespace

size_t int4_q_words(int n, int k) { return static_cast<size_t>(n / 16) * (k / kChunk) * 32; }
size_t int4_scale_words(int n, int k, int group) { return static_cast<size_t>(n / 16) * (k / group) * 8; }
size_t int4_zero_words(int n, int k, int group) { return static_cast<size_t>(n / 16) * (k / group); }

cudaError_t repack_int4(const uint32_t* qweight, const uint32_t* qzeros, const __half* scales, int n, int k, int group,
                        uint4* q_out, uint32_t* scales_out, uint2* zeros_out, int tile_step, int tile_offset,
                        cudaStream_t stream) {
  if (n % 16 || k % kChunk || group <= 0 || group % kChunk || k % group) return cudaErrorInvalidValue;
  const size_t words = int4_q_words(n, k) * 4;
  repack_q_kernel<<<grid_for(words, 256), 256, 0, stream>>>(qweight, n, k, q_out, tile_step, tile_offset);
  const size_t sz = static_cast<size_t>(n / 16) * (k / group) * 8;
  repack_sz_kernel<<<grid_for(sz, 256), 256, 0, stream>>>(qzeros, scales, n, k, group, scales_out, zeros_out, tile_step,
                                                          tile_offset);
  return cudaGetLastError();
}

bool int4_zeros_symmetric(const void* qzeros, size_t bytes) {
  const unsigned char* p = static_cast<const unsigned char*>(qzeros);
  for (size_t i = 0; i < bytes; ++i) {
    if (p[i] != 0x77u) return false;
  }
  return bytes > 0 && bytes % 4 == 0;
}

int gemv_int4_max_tokens(int k) {
  for (int t = 8; t >= 1; --t) {
    if (gemv_smem<2, 2>(t, k) <= kMaxGemvSmem && gemv_smem<1, 4>(t, k) <= kMaxGemvSmem) return t;
  }
  return 0;
}

cudaError_t gemv_int4(const Int4Weight& w, const __half* x, int ntok, __half* y, const __half* residual,
                      Int4Epilogue epilogue, cudaStream_t stream, const __half* norm_w, float eps) {
  if (ntok < 1 || ntok > gemv_int4_max_tokens(w.k) || w.n % 16 || w.k % kChunk || w.group % kChunk) {
    return cudaErrorInvalidValue;
  }
  if (ntok == 1 && gemv_one_supported(w, epilogue))
    return gemv_int4_one(w, x, y, residual, epilogue, stream, norm_w, eps);
  switch (epilogue) {
    case Int4Epilogue::Store:
      return launch_gemv<1, 4, Int4Epilogue::Store>(w, x, ntok, y, residual, norm_w, eps, stream);
    case Int4Epilogue::Residual:
      return launch_gemv<1, 4, Int4Epilogue::Residual>(w, x, ntok, y, residual, norm_w, eps, stream);
    case Int4Epilogue::SiluMul:
      if (w.n % 32) return cudaErrorInvalidValue;
      return launch_gemv<2, 2, Int4Epilogue::SiluMul>(w, x, ntok, y, residual, norm_w, eps, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace qwenvl::kernels
