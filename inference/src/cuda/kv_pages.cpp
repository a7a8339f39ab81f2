// KvPagePool and CudaKvCache: pages move between the pool's free list and the caches; only the
// backend touches the device page table (on a cache switch or growth, cuda_backend.cpp).
#include "cuda/kv_pages.h"

namespace qwenvl::cuda {

void KvPagePool::init(size_t page_bytes, size_t keep_free, cudaStream_t stream) {
  page_bytes_ = page_bytes;
  keep_free_ = keep_free;
  stream_ = stream;
}

Result<DeviceBuffer> KvPagePool::acquire(size_t positions) {
  if (!free_.empty()) {
    DeviceBuffer p = std::move(free_.back());
    free_.pop_back();
    return p;
  }
  return DeviceBuffer::allocate(page_bytes_, "the KV cache (" + std::to_string(positions) + " positions)");
}

void KvPagePool::release(DeviceBuffer page) {
  if (free_.size() < keep_free_) {
    free_.push_back(std::move(page));
    return;
  }
  // Kernels already queued may still read the page; cudaFree must not race them.
  cudaStreamSynchronize(stream_);
  page.release();
}

CudaKvCache::~CudaKvCache() {
  for (DeviceBuffer& p : pages_) pool_.release(std::move(p));
}

Status CudaKvCache::reserve(int positions, bool* grew) {
  const size_t need = (static_cast<size_t>(positions) + page_size_ - 1) / page_size_;
  *grew = false;
  while (pages_.size() < need) {
    auto p = pool_.acquire((pages_.size() + 1) * page_size_);
    if (!p) return p.status();
    ptrs_.push_back(p->as<__half>());
    pages_.push_back(std::move(p.value()));
    *grew = true;
  }
  return Status();
}

void CudaKvCache::release_after(int n) {
  // Give back pages past the kept length (keeping one spare) so a cleared chat frees memory.
  const size_t keep = (static_cast<size_t>(n) + page_size_ - 1) / page_size_ + 1;
  while (pages_.size() > keep) {
    pool_.release(std::move(pages_.back()));
    pages_.pop_back();
    ptrs_.pop_back();
  }
}

}  // namespace qwenvl::cuda
