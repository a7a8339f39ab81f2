// cuBLAS wrappers: row-major views over column-major cuBLAS, and the cuBLASLt bias linear.
#include "cuda/gemm.h"

#include <cstdlib>
#include <cstring>

#include "cuda/cuda_util.h"
#include "qwenvl_kernels.h"

namespace qwenvl::cuda {

namespace {

// The largest power of two up to 256 dividing the address (cuBLASLt's alignment preferences).
uint32_t alignment_of(const void* p) {
  const uintptr_t v = reinterpret_cast<uintptr_t>(p);
  uint32_t a = 256;
  while (a > 1 && (v & (a - 1)) != 0) a >>= 1;
  return a;
}

}  // namespace

bool vit_lt_bias_from_env() {
  const char* env = std::getenv("QWENVL_VIT_LT_BIAS");
  return !(env && std::strcmp(env, "0") == 0);
}

Gemm::~Gemm() { release(); }

void Gemm::destroy(LtPlan& p) {
  if (p.c_layout) cublasLtMatrixLayoutDestroy(p.c_layout);
  if (p.a_layout) cublasLtMatrixLayoutDestroy(p.a_layout);
  if (p.w_layout) cublasLtMatrixLayoutDestroy(p.w_layout);
  if (p.desc) cublasLtMatmulDescDestroy(p.desc);
  p = LtPlan();
}

void Gemm::release() {
  for (LtPlan& p : plans_) destroy(p);
  plans_.clear();
  if (lt_) cublasLtDestroy(lt_);
  lt_ = nullptr;
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
  QWENVL_CUBLAS_TRY(cublasLtCreate(&lt_), "creating the cuBLASLt handle");
  stream_ = stream;
  workspace_ = workspace;
  workspace_bytes_ = workspace ? workspace_bytes : 0;
  plans_.reserve(16);  // the encoder and the resampler use 6 shapes
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

int Gemm::lt_fallbacks() const {
  int n = 0;
  for (const LtPlan& p : plans_) n += !p.usable;
  return n;
}

Result<Gemm::LtPlan*> Gemm::plan_for(const __half* a, int lda, const __half* w, int ldw, const __half* bias,
                                     const __half* c, int ldc, int m, int n, int k) {
  uint32_t align = alignment_of(a);
  for (const void* p : {static_cast<const void*>(w), static_cast<const void*>(bias), static_cast<const void*>(c)}) {
    const uint32_t pa = alignment_of(p);
    if (pa < align) align = pa;
  }
  for (LtPlan& p : plans_) {
    if (p.m == m && p.n == n && p.k == k && p.lda == lda && p.ldw == ldw && p.ldc == ldc && p.align == align) return &p;
  }
  if (!lt_) return Status::error("the cuBLASLt handle is not set up");
  LtPlan p;
  p.m = m, p.n = n, p.k = k, p.lda = lda, p.ldw = ldw, p.ldc = ldc, p.align = align;
  cublasLtMatmulPreference_t pref = nullptr;
  const std::string shape = std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
  auto setup = [&]() -> Status {
    QWENVL_CUBLAS_TRY(cublasLtMatmulDescCreate(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F),
                      "creating a cuBLASLt matmul descriptor");
    const cublasOperation_t trans_w = CUBLAS_OP_T, trans_a = CUBLAS_OP_N;
    const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    const int32_t bias_type = CUDA_R_16F;
    const void* bias_ptr = bias;
    auto set = [&](cublasLtMatmulDescAttributes_t attr, const void* v, size_t bytes) {
      return cublasLtMatmulDescSetAttribute(p.desc, attr, v, bytes);
    };
    QWENVL_CUBLAS_TRY(set(CUBLASLT_MATMUL_DESC_TRANSA, &trans_w, sizeof trans_w), "describing a cuBLASLt matmul");
    QWENVL_CUBLAS_TRY(set(CUBLASLT_MATMUL_DESC_TRANSB, &trans_a, sizeof trans_a), "describing a cuBLASLt matmul");
    QWENVL_CUBLAS_TRY(set(CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof epilogue), "asking for the bias epilogue");
    QWENVL_CUBLAS_TRY(set(CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bias_type, sizeof bias_type),
                      "setting the bias type to fp16");
    // The heuristic reads the bias pointer's alignment; each call sets its own pointer.
    QWENVL_CUBLAS_TRY(set(CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias_ptr, sizeof bias_ptr), "setting the bias");
    QWENVL_CUBLAS_TRY(cublasLtMatrixLayoutCreate(&p.w_layout, CUDA_R_16F, k, n, ldw), "describing the weight matrix");
    QWENVL_CUBLAS_TRY(cublasLtMatrixLayoutCreate(&p.a_layout, CUDA_R_16F, k, m, lda), "describing the input matrix");
    QWENVL_CUBLAS_TRY(cublasLtMatrixLayoutCreate(&p.c_layout, CUDA_R_16F, n, m, ldc), "describing the output matrix");
    QWENVL_CUBLAS_TRY(cublasLtMatmulPreferenceCreate(&pref), "creating a cuBLASLt preference");
    const uint64_t ws = workspace_bytes_;
    QWENVL_CUBLAS_TRY(
        cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws),
        "setting the cuBLASLt workspace limit");
    // Split-K only where the partial sums stay fp32 (reduced in the workspace): an in-place or
    // output-type reduction adds fp16-rounded partials, more roundings than the one wanted.
    const uint32_t reductions = CUBLASLT_REDUCTION_SCHEME_NONE | CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE;
    QWENVL_CUBLAS_TRY(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK,
                                                           &reductions, sizeof reductions),
                      "limiting cuBLASLt's split-K reductions to fp32");
    for (const auto attr : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                            CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES}) {
      QWENVL_CUBLAS_TRY(cublasLtMatmulPreferenceSetAttribute(pref, attr, &align, sizeof align),
                        "setting the cuBLASLt alignment");
    }
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    const cublasStatus_t h = cublasLtMatmulAlgoGetHeuristic(lt_, p.desc, p.w_layout, p.a_layout, p.c_layout, p.c_layout,
                                                            pref, 1, &result, &found);
    if (h == CUBLAS_STATUS_SUCCESS && found > 0 && result.state == CUBLAS_STATUS_SUCCESS) {
      p.algo = result.algo;
      p.usable = true;
    } else if (h != CUBLAS_STATUS_SUCCESS && h != CUBLAS_STATUS_NOT_SUPPORTED) {
      return cublas_status(h, "choosing a cuBLASLt algorithm (" + shape + ")");
    }
    return Status();
  };
  const Status s = setup();
  if (pref) cublasLtMatmulPreferenceDestroy(pref);
  if (!s.ok()) {
    destroy(p);
    return s;
  }
  plans_.push_back(p);
  return &plans_.back();
}

Status Gemm::linear_bias(const __half* a, int lda, const __half* w, int ldw, const __half* bias, __half* c, int ldc,
                         int m, int n, int k) {
  if (!bias) return linear(a, lda, w, ldw, c, ldc, m, n, k);
  if (m <= 0 || n <= 0 || k <= 0 || lda < k || ldw < k || ldc < n) {
    return Status::error("linear_bias: bad shape (" + std::to_string(m) + "x" + std::to_string(n) + "x" +
                         std::to_string(k) + ")");
  }
  auto plan = plan_for(a, lda, w, ldw, bias, c, ldc, m, n, k);
  if (!plan) return plan.status();
  LtPlan& p = **plan;
  if (!p.usable) {
    QWENVL_TRY(linear(a, lda, w, ldw, c, ldc, m, n, k));
    QWENVL_CUDA_TRY(kernels::bias_act(c, bias, m, n, ldc, kernels::Activation::None, stream_), "adding a bias");
    return Status();
  }
  const void* bias_ptr = bias;
  QWENVL_CUBLAS_TRY(
      cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias_ptr, sizeof bias_ptr),
      "setting the bias");
  const float alpha = 1.f, beta = 0.f;
  QWENVL_CUBLAS_TRY(
      cublasLtMatmul(lt_, p.desc, &alpha, w, p.w_layout, a, p.a_layout, &beta, c, p.c_layout, c, p.c_layout, &p.algo,
                     workspace_, workspace_bytes_, stream_),
      "an fp16 GEMM with bias (" + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + ")");
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
