// cuBLAS wrappers: row-major views over column-major cuBLAS.
#include "cuda/gemm.h"

#include "cuda/cuda_util.h"

namespace qwenvl::cuda {

Gemm::~Gemm() { release(); }

void Gemm::release() {
  if (handle_) cublasDestroy(handle_);
  handle_ = nullptr;
}

Status Gemm::init(cudaStream_t stream, void* workspace, size_t workspace_bytes) {
  QWENVL_CUBLAS_TRY(cublasCreate(&handle_), "creating the cuBLAS handle");
  QWENVL_CUBLAS_TRY(cublasSetStream(handle_, stream), "binding cuBLAS to the stream");
  if (workspace) {
    QWENVL_CUBLAS_TRY(cublasSetWorkspace(handle_, workspace, workspace_bytes), "setting the cuBLAS workspace");
  }
  QWENVL_CUBLAS_TRY(cublasSetMathMode(handle_, CUBLAS_DEFAULT_MATH), "setting the cuBLAS math mode");
  return Status();
}

// Row-major C[m][n] = A[m][k] W[n][k]^T is column-major C^T (n x m) = W^T-op (n x k) * A^T (k x m).
Status Gemm::linear(const __half* a, int lda, const __half* w, int ldw, __half* c, int ldc, int m, int n, int k,
                    float beta) {
  const float alpha = 1.f;
  QWENVL_CUBLAS_TRY(cublasGemmEx(handle_, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, w, CUDA_R_16F, ldw, a, CUDA_R_16F,
                                 lda, &beta, c, CUDA_R_16F, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                    "an fp16 GEMM (" + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + ")");
  return Status();
}

Status Gemm::linear_f32(const __half* a, int lda, const __half* w, int ldw, float* c, int ldc, int m, int n, int k) {
  const float alpha = 1.f, beta = 0.f;
  QWENVL_CUBLAS_TRY(cublasGemmEx(handle_, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, w, CUDA_R_16F, ldw, a, CUDA_R_16F,
                                 lda, &beta, c, CUDA_R_32F, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                    "the logits GEMM (" + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + ")");
  return Status();
}

// Row-major C[m][n] = A[m][k] B[k][n] is column-major C^T (n x m) = B^T (n x k) * A^T (k x m).
Status Gemm::matmul(const __half* a, const __half* b, __half* c, int m, int n, int k) {
  const float alpha = 1.f, beta = 0.f;
  QWENVL_CUBLAS_TRY(cublasGemmEx(handle_, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &alpha, b, CUDA_R_16F, n, a, CUDA_R_16F, k,
                                 &beta, c, CUDA_R_16F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                    "an fp16 GEMM (" + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + ")");
  return Status();
}

}  // namespace qwenvl::cuda
