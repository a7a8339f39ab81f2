// Device helpers shared by the kernel families: fp16 packing, warp reductions, 16-byte loads
// and the m16n8k16 tensor-core MMA (fp16 inputs, fp32 accumulation). Header-only, device code.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <utility>

namespace qwenvl::kernels {

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over the whole block; `scratch` holds at least 32 floats. Every thread gets the result.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int n_warps = (blockDim.x + 31) >> 5;
  v = warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float t = lane < n_warps ? scratch[lane] : 0.f;
  return warp_sum(t);
}

__device__ __forceinline__ uint32_t pack_half2(__half lo, __half hi) {
  __half2 h = __halves2half2(lo, hi);
  return *reinterpret_cast<uint32_t*>(&h);
}

__device__ __forceinline__ __half2 as_half2(uint32_t u) { return *reinterpret_cast<__half2*>(&u); }
__device__ __forceinline__ uint32_t as_u32(__half2 h) { return *reinterpret_cast<uint32_t*>(&h); }

// (a & b) | c in one instruction.
__device__ __forceinline__ uint32_t lop3_and_or(uint32_t a, uint32_t b, uint32_t c) {
  uint32_t d;
  asm("lop3.b32 %0, %1, %2, %3, 0xEA;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  return d;
}

// d += a * b for one 16x8x16 tile: A row-major 16x16 (4 regs of half2), B "col" 16x8 (2 regs),
// D 16x8 fp32 (4 floats). Fragment ownership, with g = lane / 4 and t = lane % 4:
//   a0 (row g, col 2t..2t+1), a1 (row g+8, col 2t..), a2 (row g, col 2t+8..), a3 (row g+8, col 2t+8..)
//   b0 (k 2t..2t+1, n g), b1 (k 2t+8..2t+9, n g)
//   d0,d1 (row g, col 2t..2t+1), d2,d3 (row g+8, col 2t..2t+1)
__device__ __forceinline__ void mma_16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Streaming 16-byte load that bypasses L1 allocation (weights are read once per step).
__device__ __forceinline__ uint4 ld_stream(const uint4* p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(p)));
}

__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* p) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(smem_addr(p)));
}

__device__ __forceinline__ void cp_async_16(void* smem, const void* gmem, bool valid) {
  // src-size 0 writes zeros: rows past the end and padded head dimensions read as 0.
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(smem_addr(smem)), "l"(gmem), "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void cp_async_8(void* smem, const void* gmem) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 8;" ::"r"(smem_addr(smem)), "l"(gmem));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;"); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;" ::"n"(N));
}

// Rotate-half rotary of one pair (x0, x1) by the angle with cosine c and sine s, in fp32 with each
// product rounded on its own (no FMA contraction), so that every kernel that rotates (the prompt's
// rope_qkv and the decode attention that rotates in its prologue) writes the same bits.
__device__ __forceinline__ void rotary_pair(float x0, float x1, float c, float s, __half* r0, __half* r1) {
  *r0 = __float2half_rn(__fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s)));
  *r1 = __float2half_rn(__fadd_rn(__fmul_rn(x1, c), __fmul_rn(x0, s)));
}
// Qwen's logn attention: queries at position p >= seq_length are scaled by fp16(ln(p + 1) / ln(seq_length)).
__device__ __forceinline__ void logn_scale(int p, int seq_length, __half* q0, __half* q1) {
  const float f =
      __half2float(__float2half_rn(static_cast<float>(log(p + 1.0) / log(static_cast<double>(seq_length)))));
  *q0 = __float2half_rn(__half2float(*q0) * f);
  *q1 = __float2half_rn(__half2float(*q1) * f);
}

__device__ __forceinline__ float silu(float x) { return x / (1.f + expf(-x)); }
__device__ __forceinline__ float gelu_erf(float x) { return 0.5f * x * (1.f + erff(x * 0.70710678118654752f)); }

// Programmatic dependent launch (Hopper): a kernel launched with launch_pdl may start while its
// predecessor is still running; it must call pdl_wait() before reading anything the predecessor
// writes (weights may be fetched before). pdl_trigger() lets the successor start early. Both are
// no-ops without PDL and before sm_90.
__device__ __forceinline__ void pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ __forceinline__ void pdl_trigger() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

inline bool pdl_supported() {
  static const bool supported = [] {
    int dev = 0, major = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) return false;
    if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) != cudaSuccess) return false;
    return major >= 9;
  }();
  return supported;
}

template <typename... KernelArgs, typename... Args>
cudaError_t launch_pdl(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                       Args&&... args) {
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = grid;
  cfg.blockDim = block;
  cfg.dynamicSmemBytes = smem;
  cfg.stream = stream;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cfg.attrs = attr;
  cfg.numAttrs = pdl_supported() ? 1 : 0;
  const cudaError_t e = cudaLaunchKernelEx(&cfg, kernel, std::forward<Args>(args)...);
  return e != cudaSuccess ? e : cudaGetLastError();
}

// Whether p allows 16-byte vector access (null counts as aligned: an absent operand).
inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

// One online-softmax step of a flash-attention warp (rows g and g + 8 of its 16 query rows):
// mx holds this tile's row maxima over the thread's own scores; they are reduced over the four
// lanes of a row, the running maxima m_row move up to them, and the running sums l_row and the
// accumulators o (m16n8 fragments, NT of them) are rescaled by 2^(old max - new max). base
// receives the exponent offset for this tile's probabilities (0 while a row has seen nothing).
template <int NT>
__device__ __forceinline__ void online_softmax_rescale(float (&mx)[2], float (&m_row)[2], float (&l_row)[2],
                                                       float (&o)[NT][4], float (&base)[2]) {
  float corr[2];
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 1));
    mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 2));
    const float m_new = fmaxf(m_row[r], mx[r]);
    base[r] = m_new == -INFINITY ? 0.f : m_new;
    corr[r] = exp2f(m_row[r] - base[r]);
    m_row[r] = m_new;
    l_row[r] *= corr[r];
  }
#pragma unroll
  for (int n = 0; n < NT; ++n) {
    o[n][0] *= corr[0];
    o[n][1] *= corr[0];
    o[n][2] *= corr[1];
    o[n][3] *= corr[1];
  }
}

// The current device's SM count, asked once per process (132 on an H200 when the query fails).
inline int device_sm_count() {
  static const int n = [] {
    int dev = 0, sms = 0;
    if (cudaGetDevice(&dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess) {
      return 132;
    }
    return sms;
  }();
  return n;
}

}  // namespace qwenvl::kernels
