// CUDA error messages, counted device allocations and pinned host buffers.
#include "cuda/cuda_util.h"

#include <atomic>
#include <cstdio>

namespace qwenvl::cuda {

namespace {
std::atomic<size_t> g_in_use{0};
std::atomic<size_t> g_peak{0};

void add_bytes(size_t n) {
  const size_t now = g_in_use.fetch_add(n) + n;
  size_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}
}  // namespace

std::string format_mib(size_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

Status cuda_status(cudaError_t e, const std::string& what) {
  std::string msg = "CUDA error while " + what + ": " + cudaGetErrorString(e) + " (" + cudaGetErrorName(e) + ")";
  if (e == cudaErrorMemoryAllocation) {
    size_t free_b = 0, total_b = 0;
    if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) {
      msg += "; the GPU has " + format_mib(free_b) + " free of " + format_mib(total_b) +
             ": close other programs using the GPU, lower the context length, or use the CPU backend";
    }
  } else if (e == cudaErrorIllegalAddress || e == cudaErrorLaunchFailure) {
    msg += "; the GPU context is no longer usable: restart the program (and please report this)";
  } else if (e == cudaErrorInsufficientDriver) {
    msg += "; update the NVIDIA driver";
  }
  return Status::error(msg);
}

Status cublas_status(cublasStatus_t s, const std::string& what) {
  std::string msg =
      std::string("cuBLAS error while ") + what + ": " + cublasGetStatusName(s) + " (" + cublasGetStatusString(s) + ")";
  if (s == CUBLAS_STATUS_ALLOC_FAILED) msg += "; the GPU is out of memory: use the CPU backend or free GPU memory";
  if (s == CUBLAS_STATUS_NOT_INITIALIZED)
    msg += "; check the NVIDIA driver and that libcublas matches the CUDA runtime";
  return Status::error(msg);
}

size_t device_bytes_in_use() { return g_in_use.load(); }
size_t device_bytes_peak() { return g_peak.load(); }
void reset_device_bytes_peak() { g_peak.store(g_in_use.load()); }
void note_device_bytes(long long delta) {
  if (delta >= 0) {
    add_bytes(static_cast<size_t>(delta));
  } else {
    g_in_use.fetch_sub(static_cast<size_t>(-delta));
  }
}

Result<DeviceBuffer> DeviceBuffer::allocate(size_t bytes, const std::string& what) {
  DeviceBuffer b;
  if (bytes == 0) return b;
  const cudaError_t e = cudaMalloc(&b.ptr_, bytes);
  if (e != cudaSuccess) {
    b.ptr_ = nullptr;
    cudaGetLastError();  // clear the (non-sticky) allocation error
    return cuda_status(e, "allocating " + format_mib(bytes) + " for " + what);
  }
  b.bytes_ = bytes;
  add_bytes(bytes);
  return b;
}

void DeviceBuffer::release() {
  if (ptr_) {
    cudaFree(ptr_);
    g_in_use.fetch_sub(bytes_);
  }
  ptr_ = nullptr;
  bytes_ = 0;
}

PinnedBuffer::~PinnedBuffer() {
  if (ptr_) cudaFreeHost(ptr_);
}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) cudaFreeHost(ptr_);
    ptr_ = std::exchange(o.ptr_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

Result<PinnedBuffer> PinnedBuffer::allocate(size_t bytes, const std::string& what) {
  PinnedBuffer b;
  if (bytes == 0) return b;
  const cudaError_t e = cudaHostAlloc(&b.ptr_, bytes, cudaHostAllocDefault);
  if (e != cudaSuccess) {
    b.ptr_ = nullptr;
    cudaGetLastError();
    return cuda_status(e, "allocating " + format_mib(bytes) + " of page-locked host memory for " + what);
  }
  b.bytes_ = bytes;
  return b;
}

}  // namespace qwenvl::cuda
