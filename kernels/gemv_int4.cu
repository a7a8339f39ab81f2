// GPTQ int4 layers for decode: repacking AutoGPTQ v1 tensors into 16-row tiles (int4_tile.cuh)
// and the fused dequantise-and-multiply tensor-core GEMV for 1..8 tokens, with the input's
// RMSNorm optionally fused into its prologue. Weights are fp16(scale * (q - zero)) as in the
// official kernels; products accumulate in fp32. Test: build/tests/gpu/test_gemv (needs a GPU).
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

// Block (tile group blockIdx.x, k slice blockIdx.y) of WARPS warps over RT consecutive tiles and
// the slice's chunks; warp w takes chunks w, w + WARPS, ... of the slice, UNROLL per batch, the
// first batch fetched before the PDL wait. Shared memory: the slice of x permuted so that lane
// (g, t) reads its b fragments for a chunk as two uint4, xs[tok][chunk][t] = {b0, b1} of k-tiles
// 0..3, then the cross-warp reduction. With norm_w, x is the residual stream and each token is
// RMS-normalised while it is staged (fp16(fp16(x * rsqrt(mean(x^2) + eps)) * w), modeling_qwen).
// With several slices, blocks add their partial sums into split.accum (fp32) and the last block of
// a tile group (split.counters) applies the epilogue and clears what it used.
template <int RT, int WARPS, int UNROLL, Int4Epilogue EP>
__global__ void __launch_bounds__(WARPS * 32) gemv_int4_kernel(Int4Weight w, const __half* __restrict__ x, int ntok,
                                                                __half* y, const __half* residual,
                                                                const __half* __restrict__ norm_w, float eps,
                                                                Int4Split split) {
  extern __shared__ uint4 smem[];
  __shared__ float inv_rms[8];
  __shared__ bool last_block;
  const int K = w.k, KC = K / kChunk, groups = K / w.group;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int tile0 = blockIdx.x * RT;
  const int slices = gridDim.y;
  const int per_slice = (KC + slices - 1) / slices;
  const int c0 = blockIdx.y * per_slice, c1 = min(KC, c0 + per_slice);
  constexpr int kStep = WARPS * UNROLL;

  pdl_trigger();
  Fragments cur[UNROLL][RT];
#pragma unroll
  for (int u = 0; u < UNROLL; ++u) {
    const int c = c0 + u * WARPS + warp;
    if (c < c1) load_chunk<RT>(w, tile0, c, lane, groups, cur[u]);
  }
  pdl_wait();  // x and the residual come from the previous kernel

  const int k8_per_tok = K / 8;
  if (norm_w) {
    for (int tok = warp; tok < ntok; tok += WARPS) {
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
  const int nc = c1 - c0;  // chunks staged
  uint32_t* xs32 = reinterpret_cast<uint32_t*>(smem);
  const int k8_slice = nc * (kChunk / 8);
  for (int idx = threadIdx.x; idx < ntok * k8_slice; idx += blockDim.x) {
    const int tok = idx / k8_slice;
    const int k8 = c0 * kChunk + (idx - tok * k8_slice) * 8;
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
    const int c = k8 / kChunk - c0, kk = k8 % kChunk, i = kk / 16, hi = (kk % 16) >= 8 ? 1 : 0;
#pragma unroll
    for (int m = 0; m < 4; ++m) {
      // pair m holds columns r0 + 2m, r0 + 2m + 1 -> lane t = m, word 2i + hi
      xs32[((static_cast<size_t>(tok) * nc + c) * 4 + m) * 8 + 2 * i + hi] = pairs[m];
    }
  }
  __syncthreads();

  const int tok_b = min(g, ntok - 1);
  const uint4* xrow = smem + static_cast<size_t>(tok_b) * nc * 8 + t * 2;
  float acc[RT][4];
#pragma unroll
  for (int rt = 0; rt < RT; ++rt) acc[rt][0] = acc[rt][1] = acc[rt][2] = acc[rt][3] = 0.f;
  for (int base = c0; base < c1; base += kStep) {
    if (base > c0) {  // the first batch was loaded before the wait
#pragma unroll
      for (int u = 0; u < UNROLL; ++u) {
        const int c = base + u * WARPS + warp;
        if (c < c1) load_chunk<RT>(w, tile0, c, lane, groups, cur[u]);
      }
    }
#pragma unroll
    for (int u = 0; u < UNROLL; ++u) {
      const int c = base + u * WARPS + warp;
      if (c < c1) compute_chunk<RT>(cur[u], xrow[(c - c0) * 8], xrow[(c - c0) * 8 + 1], g, acc);
    }
  }

  float* red = reinterpret_cast<float*>(smem + static_cast<size_t>(ntok) * nc * 8);
#pragma unroll
  for (int rt = 0; rt < RT; ++rt) {
    *reinterpret_cast<float4*>(red + ((warp * RT + rt) * 32 + lane) * 4) =
        make_float4(acc[rt][0], acc[rt][1], acc[rt][2], acc[rt][3]);
  }
  __syncthreads();
  // This block's sum for (tile0 + rt, row r, token tok).
  auto block_total = [&](int rt, int r, int tok) {
    const int l = (r & 7) * 4 + (tok >> 1), slot = (r >= 8 ? 2 : 0) + (tok & 1);
    float s = 0.f;
#pragma unroll
    for (int wi = 0; wi < WARPS; ++wi) s += red[((wi * RT + rt) * 32 + l) * 4 + slot];
    return s;
  };
  const int outputs = RT * 16 * ntok;
  if (slices > 1) {
    for (int o = threadIdx.x; o < outputs; o += blockDim.x) {
      const int rt = o / (16 * ntok), rem = o - rt * 16 * ntok, r = rem & 15, tok = rem >> 4;
      atomicAdd(split.accum + static_cast<size_t>(tok) * w.n + (tile0 + rt) * 16 + r, block_total(rt, r, tok));
    }
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) last_block = atomicAdd(split.counters + blockIdx.x, 1) == slices - 1;
    __syncthreads();
    if (!last_block) return;
    __threadfence();
  }
  // The whole sum for (tile0 + rt, r, tok): from shared memory, or from the accumulator (cleared
  // for the next layer as it is read).
  auto total = [&](int rt, int r, int tok) {
    if (slices == 1) return block_total(rt, r, tok);
    float* p = split.accum + static_cast<size_t>(tok) * w.n + (tile0 + rt) * 16 + r;
    const float v = __ldcg(p);
    *p = 0.f;
    return v;
  };
  if constexpr (EP == Int4Epilogue::SiluMul) {
    const int n_out = w.n / 2;
    for (int o = threadIdx.x; o < 16 * ntok; o += blockDim.x) {
      const int r = o & 15, tok = o >> 4;
      float up = total(0, r, tok), gate = total(1, r, tok);
      if (w.bias) {
        up += __half2float(w.bias[tile0 * 16 + r]);
        gate += __half2float(w.bias[(tile0 + 1) * 16 + r]);
      }
      const float up16 = __half2float(__float2half_rn(up));
      const float act = __half2float(__float2half_rn(silu(__half2float(__float2half_rn(gate)))));
      y[static_cast<size_t>(tok) * n_out + blockIdx.x * 16 + r] = __float2half_rn(up16 * act);
    }
  } else {
    for (int o = threadIdx.x; o < outputs; o += blockDim.x) {
      const int rt = o / (16 * ntok), rem = o - rt * 16 * ntok;
      const int r = rem & 15, tok = rem >> 4;
      const int n = (tile0 + rt) * 16 + r;
      float v = total(rt, r, tok);
      if (w.bias) v += __half2float(w.bias[n]);
      const size_t at = static_cast<size_t>(tok) * w.n + n;
      if constexpr (EP == Int4Epilogue::Residual) {
        v = __half2float(__float2half_rn(v)) + __half2float(residual[at]);
      }
      y[at] = __float2half_rn(v);
    }
  }
  if (slices > 1 && threadIdx.x == 0) split.counters[blockIdx.x] = 0;
}

int grid_for(size_t items, int threads) {
  const size_t blocks = (items + threads - 1) / threads;
  return static_cast<int>(blocks < 65535 * 8 ? blocks : 65535 * 8);
}

constexpr size_t kMaxGemvSmem = 96 * 1024;

size_t gemv_smem(int ntok, int chunks, int warps, int rt) {
  return static_cast<size_t>(ntok) * chunks * kChunk * sizeof(__half) +
         static_cast<size_t>(warps) * rt * 32 * 4 * sizeof(float);
}

template <int RT, int WARPS, int UNROLL, Int4Epilogue EP>
cudaError_t launch_gemv(const Int4Weight& w, const __half* x, int ntok, __half* y, const __half* residual,
                        const __half* norm_w, float eps, const Int4Split* split, cudaStream_t stream) {
  const int KC = w.k / kChunk;
  const int slices = split ? (KC + WARPS * UNROLL - 1) / (WARPS * UNROLL) : 1;
  const int per_slice = (KC + slices - 1) / slices;
  const size_t smem = gemv_smem(ntok, per_slice, WARPS, RT);
  static bool configured = false;  // raising the limit once per instantiation is enough
  if (!configured) {
    const cudaError_t e = cudaFuncSetAttribute(gemv_int4_kernel<RT, WARPS, UNROLL, EP>,
                                               cudaFuncAttributeMaxDynamicSharedMemorySize,
                                               static_cast<int>(kMaxGemvSmem + WARPS * 2 * 32 * 16));
    if (e != cudaSuccess) return e;
    configured = true;
  }
  return launch_pdl(gemv_int4_kernel<RT, WARPS, UNROLL, EP>, dim3(w.n / (16 * RT), slices), dim3(WARPS * 32), smem,
                    stream, w, x, ntok, y, residual, norm_w, eps, split ? *split : Int4Split{});
}

// Whole k in one block of 8 warps (no scratch), or split over blocks of 4 warps (many small
// blocks with all their loads in flight at once, combined through split's accumulator).
template <int W, int U1, int U2>
cudaError_t dispatch(const Int4Weight& w, const __half* x, int ntok, __half* y, const __half* residual,
                     Int4Epilogue epilogue, cudaStream_t stream, const __half* norm_w, float eps,
                     const Int4Split* split) {
  switch (epilogue) {
    case Int4Epilogue::Store:
      return launch_gemv<1, W, U1, Int4Epilogue::Store>(w, x, ntok, y, residual, norm_w, eps, split, stream);
    case Int4Epilogue::Residual:
      return launch_gemv<1, W, U1, Int4Epilogue::Residual>(w, x, ntok, y, residual, norm_w, eps, split, stream);
    case Int4Epilogue::SiluMul:
      if (w.n % 32) return cudaErrorInvalidValue;
      return launch_gemv<2, W, U2, Int4Epilogue::SiluMul>(w, x, ntok, y, residual, norm_w, eps, split, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace

size_t int4_q_words(int n, int k) { return static_cast<size_t>(n / 16) * (k / kChunk) * 32; }
size_t int4_scale_words(int n, int k, int group) { return static_cast<size_t>(n / 16) * (k / group) * 8; }
size_t int4_zero_words(int n, int k, int group) { return static_cast<size_t>(n / 16) * (k / group); }

cudaError_t repack_int4(const uint32_t* qweight, const uint32_t* qzeros, const __half* scales, int n, int k,
                        int group, uint4* q_out, uint32_t* scales_out, uint2* zeros_out, int tile_step,
                        int tile_offset, cudaStream_t stream) {
  if (n % 16 || k % kChunk || group <= 0 || group % kChunk || k % group) return cudaErrorInvalidValue;
  const size_t words = int4_q_words(n, k) * 4;
  repack_q_kernel<<<grid_for(words, 256), 256, 0, stream>>>(qweight, n, k, q_out, tile_step, tile_offset);
  const size_t sz = static_cast<size_t>(n / 16) * (k / group) * 8;
  repack_sz_kernel<<<grid_for(sz, 256), 256, 0, stream>>>(qzeros, scales, n, k, group, scales_out, zeros_out,
                                                          tile_step, tile_offset);
  return cudaGetLastError();
}

int gemv_int4_max_tokens(int k) {
  for (int t = 8; t >= 1; --t) {
    if (gemv_smem(t, k / kChunk, kWarps, 2) <= kMaxGemvSmem) return t;
  }
  return 0;
}

size_t int4_split_accum_floats(int max_n, int max_tokens) { return static_cast<size_t>(max_n) * max_tokens; }
size_t int4_split_counters(int max_n) { return static_cast<size_t>(max_n) / 16; }

cudaError_t gemv_int4(const Int4Weight& w, const __half* x, int ntok, __half* y, const __half* residual,
                      Int4Epilogue epilogue, cudaStream_t stream, const __half* norm_w, float eps,
                      const Int4Split* split) {
  if (ntok < 1 || ntok > gemv_int4_max_tokens(w.k) || w.n % 16 || w.k % kChunk || w.group % kChunk) {
    return cudaErrorInvalidValue;
  }
  if (split && (!split->accum || !split->counters)) return cudaErrorInvalidValue;
  if (split) return dispatch<4, 8, 4>(w, x, ntok, y, residual, epilogue, stream, norm_w, eps, split);
  return dispatch<kWarps, 8, 4>(w, x, ntok, y, residual, epilogue, stream, norm_w, eps, nullptr);
}

}  // namespace qwenvl::kernels
