// GPTQ int4 layers for prompts: a tensor-core GEMM that dequantises the tiled int4 weights in
// registers (int4_tile.cuh) and multiplies 64-token tiles of activations. Activations, weights,
// scales and zeros stream through a 4-stage cp.async ring in shared memory, so DRAM latency
// hides behind three chunks of math; epilogues as the GEMV (bias, residual, SiLU(gate) * up).
// Weights are read once per token tile; no fp16 copy of a layer is ever written.
// Test: build/tests/gpu/test_gemv (needs a GPU).
#include "common.cuh"
#include "int4_tile.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

using namespace int4;

constexpr int kBM = 64;  // tokens per block (8 n-tiles)
constexpr int kStages = 4;
constexpr int kStride = kChunk + 8;  // halves per staged x row; the pad keeps ldmatrix conflict-free

// One ring stage: the x tile, then per warp-tile the 32 lanes' uint4, the 8 scale pairs and the
// zeros word of the chunk's group.
template <int WARPS, int RW>
struct Stage {
  static constexpr int kTiles = WARPS * RW;
  static constexpr int kX = kBM * kStride * 2;  // bytes
  static constexpr int kQ = kTiles * 32 * 16;
  static constexpr int kS = kTiles * 8 * 4;
  static constexpr int kZ = kTiles * 8;
  static constexpr int kBytes = kX + kQ + kS + kZ;
};

// Block (token block bx, row block by) of WARPS warps: warp w owns RW consecutive 16-row tiles
// starting at tile (by * WARPS + w) * RW and all 64 tokens; every chunk of 64 k it dequantises
// its RW words per k-tile once and reuses them for the 8 token n-tiles.
template <int WARPS, int RW, Int4Epilogue EP>
__global__ void __launch_bounds__(WARPS * 32, 8 / WARPS * 2)
    gemm_int4_kernel(Int4Weight w, const __half* __restrict__ x, int m, __half* y, const __half* residual) {
  using St = Stage<WARPS, RW>;
  extern __shared__ __align__(16) char ring[];
  const int K = w.k, KC = K / kChunk, groups = K / w.group;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int g = lane >> 2, t = lane & 3;
  const int tok0 = blockIdx.x * kBM;
  const int block_tile0 = blockIdx.y * WARPS * RW;
  const int tiles = w.n / 16;
  const int tile0 = block_tile0 + warp * RW;
  const bool active = tile0 + RW <= tiles;
  constexpr int kThreads = WARPS * 32;

  auto load_stage = [&](int c, int stage) {
    char* base = ring + stage * St::kBytes;
    __half* xs = reinterpret_cast<__half*>(base);
    for (int i = threadIdx.x; i < kBM * 8; i += kThreads) {
      const int r = i >> 3, p = i & 7;
      const int tok = tok0 + r;
      const bool valid = tok < m;
      cp_async_16(xs + r * kStride + p * 8, x + static_cast<size_t>(valid ? tok : tok0) * K + c * kChunk + p * 8,
                  valid);
    }
    const int grp = (c * kChunk) / w.group;
    for (int i = threadIdx.x; i < St::kTiles * 32; i += kThreads) {
      const int bt = i >> 5, l = i & 31;
      const int tile = min(block_tile0 + bt, tiles - 1);
      cp_async_16(base + St::kX + i * 16, w.q + (static_cast<size_t>(tile) * KC + c) * 32 + l, true);
    }
    for (int i = threadIdx.x; i < St::kTiles * 2; i += kThreads) {
      const int bt = i >> 1, half = i & 1;
      const int tile = min(block_tile0 + bt, tiles - 1);
      cp_async_16(base + St::kX + St::kQ + i * 16, w.scales + (static_cast<size_t>(tile) * groups + grp) * 8 + half * 4,
                  true);
    }
    for (int i = threadIdx.x; i < St::kTiles; i += kThreads) {
      const int tile = min(block_tile0 + i, tiles - 1);
      cp_async_8(base + St::kX + St::kQ + St::kS + i * 8, w.zeros + static_cast<size_t>(tile) * groups + grp);
    }
  };

#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < KC) load_stage(s, s);
    cp_async_commit();
  }
  float acc[RW][8][4];
#pragma unroll
  for (int rw = 0; rw < RW; ++rw) {
#pragma unroll
    for (int n = 0; n < 8; ++n) acc[rw][n][0] = acc[rw][n][1] = acc[rw][n][2] = acc[rw][n][3] = 0.f;
  }

  for (int c = 0; c < KC; ++c) {
    cp_async_wait<kStages - 2>();
    __syncthreads();  // stage c is in; every warp is done with the stage refilled next
    if (c + kStages - 1 < KC) load_stage(c + kStages - 1, (c + kStages - 1) % kStages);
    cp_async_commit();
    if (!active) continue;
    const char* base = ring + (c % kStages) * St::kBytes;
    const __half* xt = reinterpret_cast<const __half*>(base);
    const uint4* qs = reinterpret_cast<const uint4*>(base + St::kX);
    const uint32_t* ss = reinterpret_cast<const uint32_t*>(base + St::kX + St::kQ);
    const uint2* zs = reinterpret_cast<const uint2*>(base + St::kX + St::kQ + St::kS);
    uint4 q[RW];
    __half2 zlo[RW], zhi[RW], slo[RW], shi[RW];
#pragma unroll
    for (int rw = 0; rw < RW; ++rw) {
      const int bt = warp * RW + rw;
      q[rw] = qs[bt * 32 + lane];
      zero_halves(zs[bt], g, &zlo[rw], &zhi[rw]);
      const __half2 s = as_half2(ss[bt * 8 + g]);
      slo[rw] = __low2half2(s);
      shi[rw] = __high2half2(s);
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      uint32_t a[RW][4];
#pragma unroll
      for (int rw = 0; rw < RW; ++rw) {
        const uint32_t word = i == 0 ? q[rw].x : i == 1 ? q[rw].y : i == 2 ? q[rw].z : q[rw].w;
        dequant_word(word, zlo[rw], zhi[rw], slo[rw], shi[rw], a[rw]);
      }
#pragma unroll
      for (int p = 0; p < 4; ++p) {
        uint32_t b[4];
        const int mi = lane >> 3;
        ldmatrix_x4(b, xt + (p * 16 + (mi >> 1) * 8 + (lane & 7)) * kStride + i * 16 + (mi & 1) * 8);
#pragma unroll
        for (int rw = 0; rw < RW; ++rw) {
          mma_16816(acc[rw][2 * p], a[rw], b[0], b[1]);
          mma_16816(acc[rw][2 * p + 1], a[rw], b[2], b[3]);
        }
      }
    }
  }
  cp_async_wait<0>();
  if (!active) return;

    // acc[rw][n][e]: row g + 8 * (e >> 1) of tile tile0 + rw, token tok0 + 8n + 2t + (e & 1).
#pragma unroll
  for (int n = 0; n < 8; ++n) {
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const int tok = tok0 + n * 8 + 2 * t + (e & 1);
      if (tok >= m) continue;
      const int r = g + 8 * (e >> 1);
      if constexpr (EP == Int4Epilogue::SiluMul) {
        float up = acc[0][n][e], gate = acc[1][n][e];
        if (w.bias) {
          up += __half2float(w.bias[tile0 * 16 + r]);
          gate += __half2float(w.bias[(tile0 + 1) * 16 + r]);
        }
        y[static_cast<size_t>(tok) * (w.n / 2) + (tile0 / 2) * 16 + r] = epilogue_silu_mul(up, gate);
      } else {
#pragma unroll
        for (int rw = 0; rw < RW; ++rw) {
          const int row = (tile0 + rw) * 16 + r;
          float v = acc[rw][n][e];
          if (w.bias) v += __half2float(w.bias[row]);
          const size_t at = static_cast<size_t>(tok) * w.n + row;
          if constexpr (EP == Int4Epilogue::Residual) {
            y[at] = epilogue_residual(v, residual[at]);
          } else {
            y[at] = __float2half_rn(v);
          }
        }
      }
    }
  }
}

template <int WARPS, int RW, Int4Epilogue EP>
cudaError_t launch(const Int4Weight& w, const __half* x, int m, __half* y, const __half* residual,
                   cudaStream_t stream) {
  constexpr int smem = kStages * Stage<WARPS, RW>::kBytes;
  static bool configured = false;  // raising the limit once per instantiation is enough
  if (!configured) {
    const cudaError_t e =
        cudaFuncSetAttribute(gemm_int4_kernel<WARPS, RW, EP>, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
    if (e != cudaSuccess) return e;
    configured = true;
  }
  const int rows_per_block = WARPS * 16 * RW;
  const dim3 grid((m + kBM - 1) / kBM, (w.n + rows_per_block - 1) / rows_per_block);
  gemm_int4_kernel<WARPS, RW, EP><<<grid, WARPS * 32, smem, stream>>>(w, x, m, y, residual);
  return cudaGetLastError();
}

long long blocks_for(const Int4Weight& w, int m, int warps, int rw) {
  const int rows = warps * 16 * rw;
  return static_cast<long long>((m + kBM - 1) / kBM) * ((w.n + rows - 1) / rows);
}

// The widest block shape that still gives every SM two blocks (8 warps x 2 tiles reuses each
// activation fragment most; narrower shapes keep all SMs busy on 4096-row layers).
template <Int4Epilogue EP>
cudaError_t launch_best(const Int4Weight& w, const __half* x, int m, __half* y, const __half* residual,
                        cudaStream_t stream) {
  constexpr long long kEnough = 264;
  if (blocks_for(w, m, 8, 2) >= kEnough) return launch<8, 2, EP>(w, x, m, y, residual, stream);
  if (blocks_for(w, m, 8, 1) >= kEnough) return launch<8, 1, EP>(w, x, m, y, residual, stream);
  return launch<4, 1, EP>(w, x, m, y, residual, stream);
}

}  // namespace

cudaError_t gemm_int4(const Int4Weight& w, const __half* x, int m, __half* y, const __half* residual,
                      Int4Epilogue epilogue, cudaStream_t stream) {
  if (m < 1 || w.n % 16 || w.k % kChunk || w.group % kChunk || w.k % w.group) return cudaErrorInvalidValue;
  if (epilogue == Int4Epilogue::SiluMul) {  // up and gate tiles must share a warp
    if (w.n % 32) return cudaErrorInvalidValue;
    return blocks_for(w, m, 8, 2) >= 264 ? launch<8, 2, Int4Epilogue::SiluMul>(w, x, m, y, residual, stream)
                                         : launch<4, 2, Int4Epilogue::SiluMul>(w, x, m, y, residual, stream);
  }
  if (epilogue == Int4Epilogue::Residual) return launch_best<Int4Epilogue::Residual>(w, x, m, y, residual, stream);
  return launch_best<Int4Epilogue::Store>(w, x, m, y, residual, stream);
}

}  // namespace qwenvl::kernels
