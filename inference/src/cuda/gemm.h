// cuBLAS fp16 GEMMs with fp32 accumulation in row-major terms (the vision encoder, the
// resampler and the logits of many positions).
#pragma once

#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

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

}  // namespace qwenvl::cuda
