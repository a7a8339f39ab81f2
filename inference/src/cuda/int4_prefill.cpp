// The cuBLAS prompt path for int4 layers: dequantise ahead on a side stream, GEMM, epilogue.
#include "cuda/int4_prefill.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace qwenvl::cuda {

namespace {
size_t align256(size_t b) { return (b + 255) / 256 * 256; }

size_t layer_bytes(const kernels::Int4Weight& w) { return static_cast<size_t>(w.n) * w.k * sizeof(__half); }

// Bytes per row of the product a layer's GEMM writes before its epilogue: none when cuBLAS can
// write the output itself (no epilogue, no bias), fp32 when a bias must be added before rounding.
size_t product_row_bytes(const kernels::Int4Weight& w, kernels::Int4Epilogue epilogue) {
  if (w.bias) return static_cast<size_t>(w.n) * sizeof(float);
  if (epilogue == kernels::Int4Epilogue::Store) return 0;
  return static_cast<size_t>(w.n) * sizeof(__half);
}

// The largest product over both ways a layer may be used (its epilogue is not known here).
size_t worst_product_row_bytes(const kernels::Int4Weight& w) {
  return std::max(product_row_bytes(w, kernels::Int4Epilogue::Store),
                  product_row_bytes(w, kernels::Int4Epilogue::Residual));
}
}  // namespace

PrefillGemm prefill_gemm_from_env() {
  const char* env = std::getenv("QWENVL_PREFILL_GEMM");
  if (!env || !*env || std::strcmp(env, "cublas") == 0) return PrefillGemm::Cublas;
  if (std::strcmp(env, "mma") == 0) return PrefillGemm::Mma;
  std::fprintf(stderr, "qwenvl: QWENVL_PREFILL_GEMM=%s is neither \"mma\" nor \"cublas\"; using cublas\n", env);
  return PrefillGemm::Cublas;
}

Int4Prefill::~Int4Prefill() {
  if (side_) cudaStreamSynchronize(side_);
  if (lease_) {
    cudaFree(lease_);  // waits for the device; frees a stream-ordered allocation too
    note_device_bytes(-static_cast<long long>(lease_bytes_));
  }
  for (cudaEvent_t e : {leased_, side_done_}) {
    if (e) cudaEventDestroy(e);
  }
  for (int i = 0; i < 2; ++i) {
    if (filled_[i]) cudaEventDestroy(filled_[i]);
    if (freed_[i]) cudaEventDestroy(freed_[i]);
  }
  if (side_) cudaStreamDestroy(side_);
}

Status Int4Prefill::init(Gemm& gemm, cudaStream_t stream, const std::vector<const kernels::Int4Weight*>& order,
                         int max_rows) {
  if (gemm_) return Status::error("the cuBLAS prompt path is already set up");
  if (order.empty() || max_rows < 1) return Status::error("the cuBLAS prompt path needs layers and rows");
  size_t row = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    slot_bytes_[i % 2] = std::max(slot_bytes_[i % 2], layer_bytes(*order[i]));
    row = std::max(row, worst_product_row_bytes(*order[i]));
  }
  product_bytes_ = row * static_cast<size_t>(max_rows);
  if (!side_) QWENVL_CUDA_TRY(cudaStreamCreateWithFlags(&side_, cudaStreamNonBlocking), "creating a CUDA stream");
  for (int i = 0; i < 2; ++i) {
    if (!filled_[i])
      QWENVL_CUDA_TRY(cudaEventCreateWithFlags(&filled_[i], cudaEventDisableTiming), "creating a CUDA event");
    if (!freed_[i])
      QWENVL_CUDA_TRY(cudaEventCreateWithFlags(&freed_[i], cudaEventDisableTiming), "creating a CUDA event");
  }
  for (cudaEvent_t* e : {&leased_, &side_done_}) {
    if (!*e) QWENVL_CUDA_TRY(cudaEventCreateWithFlags(e, cudaEventDisableTiming), "creating a CUDA event");
  }
  lease_bytes_ = align256(slot_bytes_[0]) + align256(slot_bytes_[1]) + align256(product_bytes_);
  max_rows_ = max_rows;
  stream_ = stream;
  gemm_ = &gemm;
  return Status();
}

Status Int4Prefill::acquire() {
  if (!gemm_) return Status::error("the cuBLAS prompt path is not set up");
  if (lease_) return Status();
  void* p = nullptr;
  const cudaError_t e = cudaMallocAsync(&p, lease_bytes_, stream_);
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear the (non-sticky) allocation error
    return cuda_status(e, "allocating " + format_mib(lease_bytes_) + " for the dequantised int4 layers of a prompt");
  }
  lease_ = p;
  note_device_bytes(static_cast<long long>(lease_bytes_));
  char* base = static_cast<char*>(p);
  slot_[0] = reinterpret_cast<__half*>(base);
  slot_[1] = slot_bytes_[1] ? reinterpret_cast<__half*>(base + align256(slot_bytes_[0])) : nullptr;
  product_ = product_bytes_ ? base + align256(slot_bytes_[0]) + align256(slot_bytes_[1]) : nullptr;
  // New memory: no GEMM has read these slots yet; the side stream writes them after the lease.
  used_[0] = used_[1] = false;
  fills_ = uses_ = 0;
  holds_[0] = holds_[1] = nullptr;
  QWENVL_CUDA_TRY(cudaEventRecord(leased_, stream_), "recording a CUDA event");
  QWENVL_CUDA_TRY(cudaStreamWaitEvent(side_, leased_, 0), "ordering the dequantisations after the lease");
  return Status();
}

Status Int4Prefill::release() {
  if (!lease_) return Status();
  // Every GEMM already waited for its slot's fill; the wait below also covers a fill never read
  // (a prompt stopped by an error).
  QWENVL_CUDA_TRY(cudaEventRecord(side_done_, side_), "recording a CUDA event");
  QWENVL_CUDA_TRY(cudaStreamWaitEvent(stream_, side_done_, 0), "ordering the lease's release");
  QWENVL_CUDA_TRY(cudaFreeAsync(lease_, stream_), "giving back the dequantised int4 layers");
  note_device_bytes(-static_cast<long long>(lease_bytes_));
  lease_ = nullptr;
  slot_[0] = slot_[1] = nullptr;
  product_ = nullptr;
  holds_[0] = holds_[1] = nullptr;
  return Status();
}

Status Int4Prefill::begin() {
  // A slot filled but never read is safe to refill: the side stream writes it in order, and the
  // wait on freed_ still covers the last GEMM that read it.
  fills_ = uses_ = 0;
  holds_[0] = holds_[1] = nullptr;
  return Status();
}

Status Int4Prefill::dequant(const kernels::Int4Weight& w) {
  if (!gemm_) return Status::error("the cuBLAS prompt path is not set up");
  QWENVL_TRY(acquire());
  if (fills_ - uses_ >= 2) return Status::error("the cuBLAS prompt path: both slots await their GEMM");
  const int s = static_cast<int>(fills_ % 2);
  if (!slot_[s] || layer_bytes(w) > slot_bytes_[s]) {
    return Status::error("the cuBLAS prompt path: a " + std::to_string(w.n) + "x" + std::to_string(w.k) +
                         " layer does not fit its slot (layers out of the order given at load)");
  }
  if (used_[s]) QWENVL_CUDA_TRY(cudaStreamWaitEvent(side_, freed_[s], 0), "ordering a dequantisation");
  QWENVL_CUDA_TRY(kernels::dequant_int4(w, slot_[s], side_), "dequantising an int4 layer");
  QWENVL_CUDA_TRY(cudaEventRecord(filled_[s], side_), "recording a CUDA event");
  holds_[s] = w.q;
  ++fills_;
  return Status();
}

Status Int4Prefill::gemm(const kernels::Int4Weight& w, const __half* x, int m, __half* y, const __half* residual,
                         kernels::Int4Epilogue epilogue) {
  using kernels::Int4Epilogue;
  if (!gemm_) return Status::error("the cuBLAS prompt path is not set up");
  if (uses_ >= fills_) return Status::error("the cuBLAS prompt path: no layer was dequantised for this GEMM");
  const int s = static_cast<int>(uses_ % 2);
  if (holds_[s] != w.q) return Status::error("the cuBLAS prompt path: layers out of order");
  if (m < 1 || m > max_rows_) {
    return Status::error("the cuBLAS prompt path: " + std::to_string(m) + " rows (at most " +
                         std::to_string(max_rows_) + ")");
  }
  const size_t need = product_row_bytes(w, epilogue) * static_cast<size_t>(m);
  if (need > product_bytes_) return Status::error("the cuBLAS prompt path: the product does not fit");
  QWENVL_CUDA_TRY(cudaStreamWaitEvent(stream_, filled_[s], 0), "waiting for a dequantised layer");
  const int n = w.n, k = w.k;
  const char* what = epilogue == Int4Epilogue::Store      ? "the int4 layer's epilogue (store)"
                     : epilogue == Int4Epilogue::Residual ? "the int4 layer's epilogue (residual)"
                                                          : "the int4 layer's epilogue (SiLU * up)";
  if (w.bias) {
    float* acc = static_cast<float*>(product_);
    QWENVL_TRY(gemm_->linear_f32(x, k, slot_[s], k, acc, n, m, n, k));
    QWENVL_CUDA_TRY(kernels::int4_epilogue(acc, m, w, y, residual, epilogue, stream_), what);
  } else if (epilogue == Int4Epilogue::Store) {
    QWENVL_TRY(gemm_->linear(x, k, slot_[s], k, y, n, m, n, k));  // fp16(acc): the epilogue's rounding
  } else {
    __half* acc = static_cast<__half*>(product_);
    QWENVL_TRY(gemm_->linear(x, k, slot_[s], k, acc, n, m, n, k));
    QWENVL_CUDA_TRY(kernels::int4_epilogue(acc, m, w, y, residual, epilogue, stream_), what);
  }
  QWENVL_CUDA_TRY(cudaEventRecord(freed_[s], stream_), "recording a CUDA event");
  used_[s] = true;
  ++uses_;
  return Status();
}

Status Int4Prefill::linear(const kernels::Int4Weight& w, const __half* x, int m, __half* y, const __half* residual,
                           kernels::Int4Epilogue epilogue) {
  QWENVL_TRY(begin());
  QWENVL_TRY(dequant(w));
  return gemm(w, x, m, y, residual, epilogue);
}

}  // namespace qwenvl::cuda
