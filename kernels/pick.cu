// Greedy decoding on the device: the repetition penalty over the ids seen so far (a byte mask),
// the first argmax of the fp32 logits, and the check that every logit is finite and sane, in one
// pass of many blocks whose last block combines the partial results. The host then reads two
// ints instead of the whole vocabulary of logits. Test: build/tests/gpu/test_pick (needs a GPU).
#include <algorithm>
#include <cfloat>

#include "common.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

constexpr int kPickThreads = 512;
constexpr int kPickBlocks = 64;

struct PickScratch {
  float value[kPickBlocks];
  int index[kPickBlocks];
  int bad[kPickBlocks];
  unsigned int done;
};

// a is better than b: larger, or equal and earlier (the host's strict > scan keeps the first).
__device__ __forceinline__ bool better(float va, int ia, float vb, int ib) { return va > vb || (va == vb && ia < ib); }

__global__ void __launch_bounds__(kPickThreads) mark_seen_kernel(const int* __restrict__ block, uint8_t* mark, int n) {
  pdl_trigger();
  pdl_wait();
  const int count = block[0];
  for (int i = threadIdx.x + blockIdx.x * blockDim.x; i < count; i += blockDim.x * gridDim.x) {
    const int id = block[2 + i];
    if (id >= 0 && id < n) mark[id] = 1;
  }
}

__global__ void __launch_bounds__(kPickThreads)
    greedy_pick_kernel(const float* __restrict__ logits, int n, const uint8_t* __restrict__ mark,
                       const int* __restrict__ block, float max_abs, PickScratch* scratch, int* out) {
  __shared__ float sv[kPickThreads / 32];
  __shared__ int si[kPickThreads / 32], sb[kPickThreads / 32];
  __shared__ bool last;
  pdl_trigger();
  pdl_wait();
  const float penalty = __int_as_float(block[1]);
  const bool use_mark = penalty != 1.0f;
  float best = -FLT_MAX;
  int best_i = n, bad = n;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    float v = logits[i];
    if (!(fabsf(v) <= max_abs)) {  // NaN, infinite or absurd: reported, never picked
      bad = min(bad, i);
      continue;
    }
    if (use_mark && mark[i]) v = v < 0.f ? v * penalty : v / penalty;
    if (better(v, i, best, best_i)) {
      best = v;
      best_i = i;
    }
  }
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float ov = __shfl_xor_sync(0xffffffffu, best, o);
    const int oi = __shfl_xor_sync(0xffffffffu, best_i, o);
    const int ob = __shfl_xor_sync(0xffffffffu, bad, o);
    if (better(ov, oi, best, best_i)) {
      best = ov;
      best_i = oi;
    }
    bad = min(bad, ob);
  }
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) {
    sv[warp] = best;
    si[warp] = best_i;
    sb[warp] = bad;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kPickThreads / 32; ++w) {
      if (better(sv[w], si[w], best, best_i)) {
        best = sv[w];
        best_i = si[w];
      }
      bad = min(bad, sb[w]);
    }
    scratch->value[blockIdx.x] = best;
    scratch->index[blockIdx.x] = best_i;
    scratch->bad[blockIdx.x] = bad;
    __threadfence();
    last = atomicAdd(&scratch->done, 1u) == gridDim.x - 1;
  }
  __syncthreads();
  if (!last || threadIdx.x != 0) return;
  __threadfence();
  const volatile PickScratch* s = scratch;
  best = s->value[0];
  best_i = s->index[0];
  bad = s->bad[0];
  for (int b = 1; b < static_cast<int>(gridDim.x); ++b) {
    const float v = s->value[b];
    const int i = s->index[b];
    if (better(v, i, best, best_i)) {
      best = v;
      best_i = i;
    }
    bad = min(bad, s->bad[b]);
  }
  out[0] = best_i < n ? best_i : 0;
  out[1] = bad;
  scratch->done = 0;  // ready for the next call
}

}  // namespace

size_t greedy_pick_scratch_bytes() { return sizeof(PickScratch); }

cudaError_t mark_seen(const int* block, uint8_t* mark, int n, int max_count, cudaStream_t stream) {
  if (n <= 0 || max_count < 0) return cudaErrorInvalidValue;
  const int blocks = std::max(1, std::min(64, (max_count + kPickThreads - 1) / kPickThreads));
  return launch_pdl(mark_seen_kernel, dim3(blocks), dim3(kPickThreads), 0, stream, block, mark, n);
}

cudaError_t greedy_pick(const float* logits, int n, const uint8_t* mark, const int* block, float max_abs, void* scratch,
                        int* out, cudaStream_t stream) {
  if (n <= 0) return cudaErrorInvalidValue;
  const int blocks = std::max(1, std::min(kPickBlocks, (n + kPickThreads * 4 - 1) / (kPickThreads * 4)));
  return launch_pdl(greedy_pick_kernel, dim3(blocks), dim3(kPickThreads), 0, stream, logits, n, mark, block, max_abs,
                    static_cast<PickScratch*>(scratch), out);
}

}  // namespace qwenvl::kernels
