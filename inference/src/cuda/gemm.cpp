// cuBLAS wrappers (row-major views over column-major cuBLAS) and the sliced int4 linear.
#include "cuda/gemm.h"

#include <algorithm>

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

int int4_slice_rows(int k, size_t scratch_halves) {
  const size_t rows = scratch_halves / static_cast<size_t>(k);
  return static_cast<int>(std::max<size_t>(32, rows / 32 * 32));
}

Status int4_linear(Gemm& gemm, const kernels::Int4Weight& w, const __half* x, int m, __half* y, int ldy,
                   __half* scratch, size_t scratch_halves, cudaStream_t stream, __half* silu_out,
                   __half* fused_tmp) {
  const int slice = std::min(int4_slice_rows(w.k, scratch_halves), w.n);
  if (static_cast<size_t>(slice) * w.k > scratch_halves) {
    return Status::error("internal: the dequantisation scratch is too small for a layer with " + std::to_string(w.k) +
                         " inputs");
  }
  for (int r0 = 0; r0 < w.n; r0 += slice) {
    const int r1 = std::min(w.n, r0 + slice);
    QWENVL_CUDA_TRY(kernels::dequantize_int4(w, r0, r1, scratch, stream), "dequantising int4 weights");
    if (silu_out) {
      QWENVL_TRY(gemm.linear(x, w.k, scratch, w.k, fused_tmp, r1 - r0, m, r1 - r0, w.k));
      if (w.bias) {
        QWENVL_CUDA_TRY(kernels::bias_act(fused_tmp, w.bias + r0, m, r1 - r0, r1 - r0, kernels::Activation::None,
                                          stream),
                        "adding the w1/w2 bias");
      }
      QWENVL_CUDA_TRY(kernels::silu_mul_tiled(fused_tmp, m, (r1 - r0) / 2, silu_out, w.n / 2, r0 / 2, stream),
                      "SiLU(gate) * up");
    } else {
      QWENVL_TRY(gemm.linear(x, w.k, scratch, w.k, y + r0, ldy, m, r1 - r0, w.k));
    }
  }
  return Status();
}

}  // namespace qwenvl::cuda
