// Sampled decoding on the device, with the CPU sampler's semantics (engine/sampler.h): the
// repetition penalty on the marked ids, the temperature, top-k (ties at the k-th value kept),
// top-p (the best tokens while the mass before them is below top_p, always the best one), then an
// inverse-CDF draw with the caller's uniform. Three launches: prep (many blocks: penalty,
// temperature, the finite check, the maximum), hist (many blocks: a histogram of count and mass
// by distance below the maximum), pick (one block). pick takes the histogram buckets that must
// hold the kept set; when they hold at most kCap tokens it gathers and sorts only those, else it
// selects exactly over the whole vocabulary (radix select by count and by mass), slower but
// correct. Test: build/tests/gpu/test_sample (needs a GPU).
#include <algorithm>
#include <cfloat>
#include <climits>

#include "common.cuh"
#include "qwenvl_kernels.h"

namespace qwenvl::kernels {

namespace {

constexpr int kPrepThreads = 512;
constexpr int kPrepBlocks = 64;
constexpr int kPickThreads = 1024;
constexpr int kCap = 4096;  // tokens the fast path sorts in shared memory
constexpr int kItems = kCap / kPickThreads;
constexpr int kBins = 512;  // bin b: distance below the maximum in [b/16, (b+1)/16); the last: the rest
constexpr float kBinsPerUnit = 16.f;
constexpr int kRadix = 256;

struct SampleHead {
  float block_max[kPrepBlocks];
  int block_bad[kPrepBlocks];
  unsigned int done;
  float zmax;  // the largest processed logit
  int bad;     // the first bad index, n when none
  int pad;
  unsigned int hist_count[kBins];  // zero between calls (pick clears it)
  double hist_mass[kBins];         // exp(z - zmax) per bin
};

size_t head_bytes() { return (sizeof(SampleHead) + 255) / 256 * 256; }

__device__ __forceinline__ float* z_of(void* scratch) {
  return reinterpret_cast<float*>(static_cast<char*>(scratch) + ((sizeof(SampleHead) + 255) / 256 * 256));
}

// Order-preserving key of a float (larger float, larger key); the keys of finite floats are > 0.
__device__ __forceinline__ uint32_t okey(float z) {
  const uint32_t u = __float_as_uint(z);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
__device__ __forceinline__ float from_okey(uint32_t k) {
  return __uint_as_float((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k);
}
// Sort key: larger value first, then smaller id (the CPU sampler's `better`).
__device__ __forceinline__ uint64_t sort_key(float z, int i) {
  return (static_cast<uint64_t>(okey(z)) << 32) | (0xffffffffu - static_cast<uint32_t>(i));
}
__device__ __forceinline__ int id_of(uint64_t key) {
  return static_cast<int>(0xffffffffu - static_cast<uint32_t>(key));
}
__device__ __forceinline__ float value_of(uint64_t key) { return from_okey(static_cast<uint32_t>(key >> 32)); }

// The histogram bin of z; monotone (a larger z never lands in a later bin). Explicit roundings so
// that hist and pick compute the same bin.
__device__ __forceinline__ int bin_of(float z, float zmax) {
  const float d = __fmul_rn(__fsub_rn(zmax, z), kBinsPerUnit);
  return d < static_cast<float>(kBins - 1) ? static_cast<int>(d) : kBins - 1;
}

__device__ __forceinline__ double weight(float z, float zmax) { return exp(static_cast<double>(z) - zmax); }

__device__ __forceinline__ double warp_sum_d(double v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// hist[digit] += m for every lane of the warp (digit < 0: nothing; all lanes must call it). Shared
// double atomics are compare-and-swap loops, slow when many lanes hit one address, as flat or tied
// logits do: when the warp holds at most 4 distinct digits, one atomic per digit.
__device__ __forceinline__ void warp_add(double* hist, unsigned int* count, int digit, double m) {
  const int lane = threadIdx.x & 31;
  const unsigned int peers = __match_any_sync(0xffffffffu, digit);
  const unsigned int leaders = __ballot_sync(0xffffffffu, __ffs(peers) - 1 == lane);
  if (__popc(leaders) <= 4) {
    for (unsigned int rest = leaders; rest; rest &= rest - 1) {  // the same in every lane
      const int l = __ffs(rest) - 1;
      const int d = __shfl_sync(0xffffffffu, digit, l);
      const double sum = warp_sum_d(digit == d ? m : 0.0);
      if (lane == l && d >= 0) {
        atomicAdd(&hist[d], sum);
        if (count) atomicAdd(&count[d], static_cast<unsigned int>(__popc(peers)));
      }
    }
  } else if (digit >= 0) {
    atomicAdd(&hist[digit], m);
    if (count) atomicAdd(&count[digit], 1u);
  }
}

// Sum over the block (blockDim.x a multiple of 32); every thread gets it. scratch: 32 doubles.
__device__ double block_sum_d(double v, double* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_sum_d(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  return warp_sum_d(lane < warps ? scratch[lane] : 0.0);
}

// Prefix sums over the threads in order: returns the exclusive sum; *inclusive gets this
// thread's inclusive sum (bitwise the next thread's exclusive one) and *total the whole sum
// (bitwise the last thread's inclusive one). scratch: 32 doubles.
__device__ double block_scan_d(double v, double* scratch, double* inclusive, double* total) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  double inc = v;
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    const double t = __shfl_up_sync(0xffffffffu, inc, o);
    if (lane >= o) inc += t;
  }
  double exc = __shfl_up_sync(0xffffffffu, inc, 1);
  if (lane == 0) exc = 0;
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 31) scratch[warp] = inc;
  __syncthreads();
  double before = 0, all = 0;
  for (int w = 0; w < warps; ++w) {  // the same sequence of additions in every thread
    const double s = scratch[w];
    if (w < warp) before += s;
    all += s;
  }
  *inclusive = before + inc;
  *total = all;
  return lane == 0 ? before : before + exc;
}

__global__ void __launch_bounds__(kPrepThreads)
    sample_prep_kernel(const float* __restrict__ logits, int n, const uint8_t* __restrict__ mark,
                       const int* __restrict__ block, const SampleArgs* __restrict__ args, float max_abs,
                       void* scratch) {
  __shared__ float sv[kPrepThreads / 32];
  __shared__ int sb[kPrepThreads / 32];
  __shared__ bool last;
  pdl_trigger();
  pdl_wait();
  SampleHead* head = static_cast<SampleHead*>(scratch);
  float* z = z_of(scratch);
  const float penalty = __int_as_float(block[1]);
  const bool use_mark = penalty != 1.0f;
  const float temperature = args->temperature;
  float best = -FLT_MAX;
  int bad = n;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    float v = logits[i];
    if (!(fabsf(v) <= max_abs)) {  // NaN, infinite or absurd: reported, never drawn
      bad = min(bad, i);
      v = 0.f;
    }
    // As the CPU sampler, in fp32: the penalty, then the division by the temperature.
    if (use_mark && mark[i]) v = v < 0.f ? v * penalty : v / penalty;
    if (temperature != 1.0f) v = v / temperature;
    if (v == 0.f) v = 0.f;  // -0 and +0 are one value to the CPU's comparisons (ties by id)
    z[i] = v;
    best = fmaxf(best, v);
  }
  best = warp_max(best);
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) bad = min(bad, __shfl_xor_sync(0xffffffffu, bad, o));
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) {
    sv[warp] = best;
    sb[warp] = bad;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kPrepThreads / 32; ++w) {
      best = fmaxf(best, sv[w]);
      bad = min(bad, sb[w]);
    }
    head->block_max[blockIdx.x] = best;
    head->block_bad[blockIdx.x] = bad;
    __threadfence();
    last = atomicAdd(&head->done, 1u) == gridDim.x - 1;
  }
  __syncthreads();
  if (!last || threadIdx.x != 0) return;
  __threadfence();
  const volatile SampleHead* h = head;
  best = h->block_max[0];
  bad = h->block_bad[0];
  for (int b = 1; b < static_cast<int>(gridDim.x); ++b) {
    best = fmaxf(best, h->block_max[b]);
    bad = min(bad, h->block_bad[b]);
  }
  head->zmax = best;
  head->bad = bad;
  head->done = 0;  // ready for the next call
}

__global__ void __launch_bounds__(kPrepThreads) sample_hist_kernel(int n, void* scratch) {
  __shared__ unsigned int count[kBins];
  __shared__ double mass[kBins];
  pdl_trigger();
  pdl_wait();
  SampleHead* head = static_cast<SampleHead*>(scratch);
  if (head->bad < n) return;  // pick reports it
  const float* z = z_of(scratch);
  const float zmax = head->zmax;
  for (int b = threadIdx.x; b < kBins; b += blockDim.x) {
    count[b] = 0;
    mass[b] = 0;
  }
  __syncthreads();
  const int lane = threadIdx.x & 31;
  for (int i0 = blockIdx.x * blockDim.x + threadIdx.x - lane; i0 < n; i0 += blockDim.x * gridDim.x) {
    const int i = i0 + lane;  // whole warps per iteration (warp_add)
    int b = -1;
    double w = 0;
    if (i < n) {
      const float v = z[i];
      b = bin_of(v, zmax);
      w = weight(v, zmax);
    }
    warp_add(mass, count, b, w);
  }
  __syncthreads();
  for (int b = threadIdx.x; b < kBins; b += blockDim.x) {
    if (count[b]) {
      atomicAdd(&head->hist_count[b], count[b]);
      atomicAdd(&head->hist_mass[b], mass[b]);
    }
  }
}

constexpr int kCopies = 8;  // digit histograms of the exact path, one per group of 4 warps

struct PickShared {
  union {
    uint64_t keys[kCap];            // the fast path's gathered tokens
    double radix[kCopies][kRadix];  // the exact path's (after the fast path is done with keys)
  };
  double scan[32];
  int fill, cut, pick, last_kept;
  int digit;
  double above, value;
};

// The largest key v (among keys >= lo) with measure(keys > v) < target <= measure(keys >= v), by
// four passes of 8-bit digits; measure is the count (by_mass false) or the mass. *above gets
// measure(keys > v). When rounding leaves the target unreached, the smallest key is taken.
__device__ uint32_t radix_select(const float* z, int n, float zmax, uint32_t lo, bool by_mass, double target,
                                 double* above, PickShared& s) {
  uint32_t prefix = 0, mask = 0;
  double done = 0;  // measure of the keys above the current prefix
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int d = threadIdx.x; d < kCopies * kRadix; d += blockDim.x) s.radix[d / kRadix][d % kRadix] = 0;
    __syncthreads();
    const int lane = threadIdx.x & 31;
    double* mine = s.radix[(threadIdx.x >> 5) % kCopies];
    for (int i0 = threadIdx.x - lane; i0 < n; i0 += blockDim.x) {
      const int i = i0 + lane;  // whole warps per iteration (warp_add)
      int digit = -1;
      double m = 0;
      if (i < n) {
        const float v = z[i];
        const uint32_t k = okey(v);
        if (k >= lo && (k & mask) == prefix) {
          digit = static_cast<int>((k >> shift) & 0xffu);
          m = by_mass ? weight(v, zmax) : 1.0;
        }
      }
      warp_add(mine, nullptr, digit, m);
    }
    __syncthreads();
    for (int d = threadIdx.x; d < kRadix; d += blockDim.x) {
      double t = 0;
      for (int c = 0; c < kCopies; ++c) t += s.radix[c][d];
      s.radix[0][d] = t;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      double cum = done;
      int chosen = -1, lowest = -1;
      double cum_lowest = done;
      for (int d = kRadix - 1; d >= 0; --d) {
        const double m = s.radix[0][d];
        if (m == 0) continue;
        if (cum + m >= target) {
          chosen = d;
          break;
        }
        lowest = d;
        cum_lowest = cum;
        cum += m;
      }
      if (chosen < 0) {  // unreached (rounding): the smallest digit present
        chosen = lowest;
        cum = cum_lowest;
      }
      s.digit = chosen < 0 ? 0 : chosen;
      s.above = cum;
    }
    __syncthreads();
    prefix |= static_cast<uint32_t>(s.digit) << shift;
    mask |= 0xffu << shift;
    done = s.above;
    __syncthreads();  // s.digit and s.above are written again in the next pass
  }
  *above = done;
  return prefix;
}

// The exact path over the whole vocabulary: the kept set is every key above `cut_key` plus the
// first `tie_keep` (by id) of those equal to it; the draw runs in index order (the distribution
// does not depend on the order).
__device__ int pick_exact(const float* z, int n, float zmax, const SampleArgs& a, double total_all, PickShared& s) {
  const bool top_k = a.top_k > 0 && a.top_k < n;
  const bool top_p = a.top_p < 1.0f;
  __syncthreads();  // the gathered keys may still be read
  uint32_t lo = 0;
  double total = total_all, above = 0;
  if (top_k) {
    lo = radix_select(z, n, zmax, 0, false, static_cast<double>(a.top_k), &above, s);
    double m = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x)
      if (okey(z[i]) >= lo) m += weight(z[i], zmax);
    total = block_sum_d(m, s.scan);
  }
  uint32_t cut_key = lo;
  long long tie_keep = LLONG_MAX;
  if (top_p) {
    const double target = static_cast<double>(a.top_p) * total;
    cut_key = radix_select(z, n, zmax, lo, true, target, &above, s);
    double g = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) g += okey(z[i]) == cut_key ? 1.0 : 0.0;
    g = block_sum_d(g, s.scan);
    // Tie rank j (0-based, by id) has mass above + j * w before it; kept while that is below the
    // target, and the first token always.
    const double w = weight(from_okey(cut_key), zmax);
    const double j = ceil((target - above) / w);
    tie_keep = static_cast<long long>(fmin(fmax(j, 1.0), g));
  }
  // Each thread owns a contiguous chunk; ties are ranked by id through the scan of their counts.
  const int chunk = (n + blockDim.x - 1) / blockDim.x;
  const int begin = min(n, static_cast<int>(threadIdx.x) * chunk), end = min(n, begin + chunk);
  double ties = 0, all = 0;
  for (int i = begin; i < end; ++i) ties += okey(z[i]) == cut_key ? 1.0 : 0.0;
  double unused = 0;
  const double tie_base = block_scan_d(ties, s.scan, &unused, &all);
  auto kept = [&](int i, long long& rank) {
    const uint32_t k = okey(z[i]);
    if (k > cut_key) return true;
    if (k != cut_key) return false;
    return rank++ < tie_keep;
  };
  double m = 0;
  int last = -1;
  long long rank = static_cast<long long>(tie_base);
  for (int i = begin; i < end; ++i) {
    if (kept(i, rank)) {
      m += weight(z[i], zmax);
      last = i;
    }
  }
  double mass = 0;
  const double base = block_scan_d(m, s.scan, &unused, &mass);
  if (threadIdx.x == 0) {
    s.pick = INT_MAX;
    s.last_kept = -1;
  }
  __syncthreads();
  if (last >= 0) atomicMax(&s.last_kept, last);
  const double r = a.uniform;
  if (m > 0 && (base + m) / mass > r) {
    rank = static_cast<long long>(tie_base);
    double acc = base;
    for (int i = begin; i < end; ++i) {
      if (!kept(i, rank)) continue;
      acc += weight(z[i], zmax);
      if (acc / mass > r) {
        atomicMin(&s.pick, i);
        break;
      }
    }
  }
  __syncthreads();
  return s.pick != INT_MAX ? s.pick : max(s.last_kept, 0);
}

__global__ void __launch_bounds__(kPickThreads)
    sample_pick_kernel(int n, const SampleArgs* __restrict__ args, void* scratch, int* out) {
  __shared__ PickShared s;
  pdl_trigger();
  pdl_wait();
  SampleHead* head = static_cast<SampleHead*>(scratch);
  const float* z = z_of(scratch);
  const int tid = threadIdx.x;
  const int bad = head->bad;
  if (bad < n) {
    if (tid == 0) {
      out[0] = 0;
      out[1] = bad;
    }
    return;  // hist added nothing: the histogram is still clear
  }
  const SampleArgs a = *args;
  const float zmax = head->zmax;
  const bool top_k = a.top_k > 0 && a.top_k < n;
  const bool top_p = a.top_p < 1.0f;

  // Cumulative count and mass over the bins (thread t holds bin t), then clear them.
  const bool holds = tid < kBins;
  const double c_bin = holds ? static_cast<double>(head->hist_count[tid]) : 0.0;
  const double m_bin = holds ? head->hist_mass[tid] : 0.0;
  double count_all = 0, total_all = 0, c_cum = 0, m_cum = 0;
  const double c_before = block_scan_d(c_bin, s.scan, &c_cum, &count_all);
  const double m_before = block_scan_d(m_bin, s.scan, &m_cum, &total_all);
  if (holds) {
    head->hist_count[tid] = 0;
    head->hist_mass[tid] = 0;
  }
  // The bins that hold the kept set: through the k-th token, or one bin past the top-p mass.
  if (tid == 0) {
    s.digit = -1;
    s.fill = 0;
  }
  __syncthreads();
  if (holds) {
    if (top_k) {
      if (c_cum >= a.top_k && c_before < a.top_k) s.digit = tid;
    } else if (top_p) {
      const double target = static_cast<double>(a.top_p) * total_all;
      if (m_cum >= target && m_before < target) s.digit = min(tid + 1, kBins - 1);
    }
  }
  __syncthreads();
  const int last_bin = s.digit;
  __syncthreads();
  double cnt = 0;
  if (last_bin >= 0 && tid == last_bin) s.value = c_cum;
  __syncthreads();
  if (last_bin >= 0) cnt = s.value;

  int chosen = -1;
  if (last_bin >= 0 && cnt <= kCap) {
    // Gather the bins' tokens, sort them best first (bitonic, padded to a power of two).
    for (int i = tid; i < n; i += blockDim.x) {
      const float v = z[i];
      if (bin_of(v, zmax) <= last_bin) {
        const int at = atomicAdd(&s.fill, 1);
        if (at < kCap) s.keys[at] = sort_key(v, i);  // at < cnt <= kCap: the bins counted them
      }
    }
    __syncthreads();
    const int m = min(s.fill, kCap);  // == cnt
    int p2 = 1;
    while (p2 < m) p2 <<= 1;
    for (int i = m + tid; i < p2; i += blockDim.x) s.keys[i] = 0;  // below every real key
    __syncthreads();
    for (int k = 2; k <= p2; k <<= 1) {
      for (int j = k >> 1; j > 0; j >>= 1) {
        for (int i = tid; i < p2; i += blockDim.x) {
          const int l = i ^ j;
          if (l > i) {
            const uint64_t x = s.keys[i], y = s.keys[l];
            if ((i & k) == 0 ? x < y : x > y) {
              s.keys[i] = y;
              s.keys[l] = x;
            }
          }
        }
        __syncthreads();
      }
    }
    // Thread t holds sorted positions [t * kItems, t * kItems + kItems).
    const int first = tid * kItems;
    int keep = m;  // tokens kept by top-k
    if (top_k) {
      const uint64_t kth = s.keys[a.top_k - 1] >> 32;
      double c = 0;
      for (int q = 0; q < kItems; ++q) {
        const int i = first + q;
        if (i < m && (s.keys[i] >> 32) >= kth) c += 1;
      }
      keep = static_cast<int>(block_sum_d(c, s.scan));
    }
    double w[kItems], local = 0;
    for (int q = 0; q < kItems; ++q) {
      const int i = first + q;
      w[q] = i < keep ? weight(value_of(s.keys[i]), zmax) : 0.0;
      local += w[q];
    }
    double kept_mass = 0, unused = 0;
    const double base = block_scan_d(local, s.scan, &unused, &kept_mass);
    const double total = top_k ? kept_mass : total_all;
    const bool complete = top_k || m == n;  // the gathered tokens include every one top-k keeps
    if (tid == 0) {
      s.cut = INT_MAX;
      s.pick = INT_MAX;
    }
    __syncthreads();
    int cut = keep;
    if (top_p) {
      // TopPLogitsWarper as the CPU sampler: stop at the first position whose mass before it
      // reaches top_p (position 0 is always kept).
      double before = base;
      for (int q = 0; q < kItems; ++q) {
        const int i = first + q;
        if (i >= 1 && i < keep && before / total >= static_cast<double>(a.top_p)) {
          atomicMin(&s.cut, i);
          break;
        }
        before += w[q];
      }
      __syncthreads();
      // No gathered position reached top_p: every token left out lies in a later bin and so is
      // worse than all gathered ones, so when the gathered mass reaches top_p the cut is at m
      // (the next bin was empty; before this, such draws went to the exact path, in index order).
      if (s.cut != INT_MAX)
        cut = s.cut;
      else if (complete)
        cut = keep;
      else
        cut = kept_mass / total >= static_cast<double>(a.top_p) ? keep : -1;
    }
    if (cut > 0) {
      double before = base;
      for (int q = 0; q < kItems; ++q) {
        if (first + q == cut - 1) s.value = before + w[q];  // the kept mass
        before += w[q];
      }
      __syncthreads();
      const double mass = s.value;
      const double r = a.uniform;
      before = base;
      for (int q = 0; q < kItems; ++q) {
        const int i = first + q;
        before += w[q];
        if (i < cut && before / mass > r) {
          atomicMin(&s.pick, i);
          break;
        }
      }
      __syncthreads();
      chosen = id_of(s.keys[s.pick != INT_MAX ? s.pick : cut - 1]);
    }
    // cut < 0: the top-p mass ran past the gathered bins (rounding); the exact path decides.
  }
  if (chosen < 0) chosen = pick_exact(z, n, zmax, a, total_all, s);
  if (tid == 0) {
    out[0] = chosen;
    out[1] = n;
  }
}

}  // namespace

size_t sample_pick_scratch_bytes(int n) { return head_bytes() + static_cast<size_t>(std::max(n, 0)) * sizeof(float); }

cudaError_t sample_pick(const float* logits, int n, const uint8_t* mark, const int* block, const SampleArgs* args,
                        float max_abs, void* scratch, int* out, cudaStream_t stream) {
  if (n <= 0) return cudaErrorInvalidValue;
  const int blocks = std::max(1, std::min(kPrepBlocks, (n + kPrepThreads * 4 - 1) / (kPrepThreads * 4)));
  cudaError_t e = launch_pdl(sample_prep_kernel, dim3(blocks), dim3(kPrepThreads), 0, stream, logits, n, mark, block,
                             args, max_abs, scratch);
  if (e != cudaSuccess) return e;
  e = launch_pdl(sample_hist_kernel, dim3(blocks), dim3(kPrepThreads), 0, stream, n, scratch);
  if (e != cudaSuccess) return e;
  return launch_pdl(sample_pick_kernel, dim3(1), dim3(kPickThreads), 0, stream, n, args, scratch, out);
}

}  // namespace qwenvl::kernels
