// cuBLAS fp16 GEMMs with fp32 accumulation in row-major terms (the vision encoder, the
// resampler and the logits of many positions), and nn.Linear with its bias through cuBLASLt's
// bias epilogue (the bias added to the fp32 sum before the one rounding, as torch's addmm).
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "qwenvl/status.h"

namespace qwenvl::cuda {

// Whether the vision encoder and the resampler use Gemm::linear_bias (default) or, with
// QWENVL_VIT_LT_BIAS=0 in the environment, the GEMM rounded to fp16 and the bias added by the
// next kernel (a second rounding; the earlier path, kept for A/B measurements).
bool vit_lt_bias_from_env();

class Gemm {
 public:
  Gemm() = default;
  ~Gemm();
  Gemm(const Gemm&) = delete;
  Gemm& operator=(const Gemm&) = delete;

  // The workspace (may be null) serves cuBLAS and cuBLASLt alike: both run on `stream`, in order.
  Status init(cudaStream_t stream, void* workspace, size_t workspace_bytes);
  void release();  // destroys the handles and plans (before their stream and workspace go)

  // nn.Linear: C[m][n] = A[m][k] W[n][k]^T (+ beta C). Leading dimensions in elements.
  Status linear(const __half* a, int lda, const __half* w, int ldw, __half* c, int ldc, int m, int n, int k,
                float beta = 0.f);
  // nn.Linear with bias as torch's addmm on CUDA: C[m][n] = fp16(A W^T + bias[n]), the fp16
  // bias added to the fp32 sum before the one rounding (cuBLASLt's bias epilogue). The
  // descriptors and the algorithm are chosen on a shape's first call and kept, so later calls
  // allocate nothing and may be captured into a CUDA graph. Where cuBLASLt offers no algorithm
  // for a shape, linear() and a bias kernel stand in (two roundings). A null bias is linear().
  Status linear_bias(const __half* a, int lda, const __half* w, int ldw, const __half* bias, __half* c, int ldc, int m,
                     int n, int k);
  // The same with fp32 output (logits).
  Status linear_f32(const __half* a, int lda, const __half* w, int ldw, float* c, int ldc, int m, int n, int k);
  // C[m][n] = A[m][k] B[k][n] (B row-major, e.g. the vision `proj`).
  Status matmul(const __half* a, const __half* b, __half* c, int m, int n, int k);

  // Shapes linear_bias has planned, and how many of them fell back to linear() + bias kernel.
  int lt_plans() const { return static_cast<int>(plans_.size()); }
  int lt_fallbacks() const;

 private:
  // One shape's cuBLASLt setup: column-major D (n x m) = W^T-op (n x k) * A^T (k x m) + bias.
  struct LtPlan {
    int m = 0, n = 0, k = 0, lda = 0, ldw = 0, ldc = 0;
    uint32_t align = 0;  // the least alignment (bytes, up to 256) of the pointers it was chosen for
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t w_layout = nullptr, a_layout = nullptr, c_layout = nullptr;
    cublasLtMatmulAlgo_t algo{};
    bool usable = false;  // false: cuBLASLt had no algorithm; linear() + bias kernel instead
  };
  Result<LtPlan*> plan_for(const __half* a, int lda, const __half* w, int ldw, const __half* bias, const __half* c,
                           int ldc, int m, int n, int k);
  static void destroy(LtPlan& p);

  cublasHandle_t handle_ = nullptr;
  cublasLtHandle_t lt_ = nullptr;
  cudaStream_t stream_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
  std::vector<LtPlan> plans_;
};

}  // namespace qwenvl::cuda
