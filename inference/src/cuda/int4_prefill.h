// The prompt's int4 layers through cuBLAS (the default; QWENVL_PREFILL_GEMM=mma keeps
// gemm_int4): each layer is dequantised into one of two reusable fp16 slots (kernels::dequant_int4,
// the official fp16(scale * (q - zero)) bits) on a side stream, one layer ahead of the GEMM that
// reads it; the GEMM is cuBLAS fp16 x fp16 with fp32 accumulation, then kernels::int4_epilogue
// applies gemm_int4's epilogue with its roundings. On an H200 this took the time to first token
// from 37.2 to 25.8 ms (docs/benchmarks.md, issue 11).
//
// The slots are leased per prompt chunk, not kept: acquire() takes them (stream-ordered, from the
// device's default pool) and release() gives them back once the chunk's last GEMM is queued, so
// the memory peak of a conversation is the larger of (prompt + slots) and (a longer KV cache),
// not their sum. If the lease cannot be had (the card is full), the prompt runs gemm_int4.
//
// Use: acquire(); dequant(w0); then for each layer in order: dequant(next) (if any), gemm(this);
// release() (also when a step failed: the backend's guard does it).
// At most two layers are dequantised ahead of their GEMM; slot i % 2 holds the i-th layer since
// begin().
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

#include "cuda/cuda_util.h"
#include "cuda/gemm.h"
#include "qwenvl/status.h"
#include "qwenvl_kernels.h"

namespace qwenvl::cuda {

enum class PrefillGemm { Mma, Cublas };
// QWENVL_PREFILL_GEMM: "cublas" (the default) or "mma" (gemm_int4 for every prompt); anything else
// warns on stderr and gives the default.
PrefillGemm prefill_gemm_from_env();

class Int4Prefill {
 public:
  // Prompt chunks of fewer rows keep gemm_int4 (its tiles suit them, and a layer's dequantisation
  // costs about as much as a GEMM of ~100 rows).
  static constexpr int kMinRows = 128;

  Int4Prefill() = default;
  ~Int4Prefill();
  Int4Prefill(const Int4Prefill&) = delete;
  Int4Prefill& operator=(const Int4Prefill&) = delete;

  // Sizes the lease for layers used in the order given (slot i % 2 holds layer i) and products of
  // at most max_rows rows, and creates a side stream and events (no device memory is taken here); gemm
  // runs its cuBLAS calls through `gemm`, whose handle is bound to `stream`.
  Status init(Gemm& gemm, cudaStream_t stream, const std::vector<const kernels::Int4Weight*>& order, int max_rows);
  bool ready() const { return gemm_ != nullptr; }
  // The lease's size, and whether it is held now.
  size_t bytes() const { return lease_bytes_; }
  bool leased() const { return lease_ != nullptr; }

  // Takes the slots and the product buffer (stream-ordered on `stream`, counted in memory_stats);
  // a no-op while held. dequant() calls it when needed. An error (out of memory) leaves nothing
  // taken: the caller runs gemm_int4 instead.
  Status acquire();
  // Gives the lease back after the work queued so far on both streams (stream-ordered; the
  // driver gets the memory back at the next synchronisation). A no-op when not held.
  Status release();

  // Forgets the slots' layers (the next dequant fills slot 0); acquire() does it for a new lease.
  Status begin();
  // Enqueues w's dequantisation into the next slot on the side stream, after the GEMM that last
  // read that slot.
  Status dequant(const kernels::Int4Weight& w);
  // y from x [m][k] through the oldest dequantised layer, which must be w; on the stream.
  Status gemm(const kernels::Int4Weight& w, const __half* x, int m, __half* y, const __half* residual,
              kernels::Int4Epilogue epilogue);
  // dequant + gemm of one layer (tests, and single calls).
  Status linear(const kernels::Int4Weight& w, const __half* x, int m, __half* y, const __half* residual,
                kernels::Int4Epilogue epilogue);

 private:
  Gemm* gemm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaStream_t side_ = nullptr;
  void* lease_ = nullptr;
  size_t lease_bytes_ = 0;
  cudaEvent_t leased_ = nullptr;     // stream: the lease is taken (the side stream waits for it)
  cudaEvent_t side_done_ = nullptr;  // side stream: its work before release() is queued
  __half* slot_[2] = {nullptr, nullptr};
  size_t slot_bytes_[2] = {0, 0};
  void* product_ = nullptr;  // [max_rows][n] fp32 (layers with a bias) or fp16
  size_t product_bytes_ = 0;
  int max_rows_ = 0;
  cudaEvent_t filled_[2] = {nullptr, nullptr};  // side stream: the slot's layer is written
  cudaEvent_t freed_[2] = {nullptr, nullptr};   // stream: the GEMM reading the slot is queued before it
  bool used_[2] = {false, false};               // freed_ has been recorded
  const uint4* holds_[2] = {nullptr, nullptr};  // whose layer the slot holds (its q)
  long long fills_ = 0, uses_ = 0;
};

}  // namespace qwenvl::cuda
