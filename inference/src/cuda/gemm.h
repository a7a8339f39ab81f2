// cuBLAS fp16 GEMMs with fp32 accumulation in row-major terms, and the int4 linear for many
// tokens: GPTQ tiles dequantised into a reused fp16 scratch a slice of rows at a time, each slice
// multiplied on tensor cores.
#pragma once

#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "qwenvl_kernels.h"
#include "qwenvl/status.h"

namespace qwenvl::cuda {

class Gemm {
 public:
  Gemm() = default;
  ~Gemm();
  Gemm(const Gemm&) = delete;
  Gemm& operator=(const Gemm&) = delete;

  Status init(cudaStream_t stream, void* workspace, size_t workspace_bytes);
  void release();  // destroys the handle (before its stream and workspace go)

  // nn.Linear: C[m][n] = A[m][k] W[n][k]^T (+ beta C). Leading dimensions in elements.
  Status linear(const __half* a, int lda, const __half* w, int ldw, __half* c, int ldc, int m, int n, int k,
                float beta = 0.f);
  // The same with fp32 output (logits).
  Status linear_f32(const __half* a, int lda, const __half* w, int ldw, float* c, int ldc, int m, int n, int k);
  // C[m][n] = A[m][k] B[k][n] (B row-major, e.g. the vision `proj`).
  Status matmul(const __half* a, const __half* b, __half* c, int m, int n, int k);

 private:
  cublasHandle_t handle_ = nullptr;
};

// y [m][w.n] (row stride ldy) = x [m][w.k] W^T without bias; `scratch` holds scratch_halves fp16.
// With `silu_out`, w is the tile-interleaved up|gate layer: the slices go through `fused_tmp`
// ([m][slice] fp16), bias, and SiLU(gate) * up into silu_out [m][w.n / 2].
Status int4_linear(Gemm& gemm, const kernels::Int4Weight& w, const __half* x, int m, __half* y, int ldy,
                   __half* scratch, size_t scratch_halves, cudaStream_t stream, __half* silu_out = nullptr,
                   __half* fused_tmp = nullptr);
// Rows per dequantised slice for a layer of k inputs (a multiple of 32).
int int4_slice_rows(int k, size_t scratch_halves);

}  // namespace qwenvl::cuda
