// CUDA host helpers for the CUDA backend: errors turned into Status values with a message a
// person can act on, and DeviceBuffer, an owning device allocation counted against a
// process-wide tally (current and peak bytes) that the benchmark reports.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <utility>

#include "qwenvl/status.h"

namespace qwenvl::cuda {

Status cuda_status(cudaError_t e, const std::string& what);
Status cublas_status(cublasStatus_t s, const std::string& what);

// Bytes currently held by DeviceBuffers and the most held at once since the last reset.
size_t device_bytes_in_use();
size_t device_bytes_peak();
// Counts device memory taken (delta > 0) or given back (< 0) outside DeviceBuffer (stream-ordered
// allocations), so that memory_stats and its peak see it.
void note_device_bytes(long long delta);
void reset_device_bytes_peak();

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer() { release(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }

  // `what` names the allocation in the out-of-memory message.
  static Result<DeviceBuffer> allocate(size_t bytes, const std::string& what);

  void* get() const { return ptr_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t size() const { return bytes_; }
  void release();

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// Page-locked host memory (for asynchronous copies and graph memcpy nodes).
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  ~PinnedBuffer();
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  PinnedBuffer(PinnedBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  PinnedBuffer& operator=(PinnedBuffer&& o) noexcept;
  static Result<PinnedBuffer> allocate(size_t bytes, const std::string& what);
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t size() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

std::string format_mib(size_t bytes);

}  // namespace qwenvl::cuda

// Returns a Status from the enclosing function when a CUDA runtime call or kernel launcher fails.
#define QWENVL_CUDA_TRY(expr, what)                                                              \
  do {                                                                                           \
    const cudaError_t qwenvl_cuda_e_ = (expr);                                                   \
    if (qwenvl_cuda_e_ != cudaSuccess) return ::qwenvl::cuda::cuda_status(qwenvl_cuda_e_, what); \
  } while (0)

#define QWENVL_CUBLAS_TRY(expr, what)                                                                            \
  do {                                                                                                           \
    const cublasStatus_t qwenvl_cublas_s_ = (expr);                                                              \
    if (qwenvl_cublas_s_ != CUBLAS_STATUS_SUCCESS) return ::qwenvl::cuda::cublas_status(qwenvl_cublas_s_, what); \
  } while (0)
