// The CUDA backend's KV storage: a pool of device pages (kPageSize positions of every layer's
// keys and values) with a free list, and CudaKvCache, one conversation's list of pages. The
// backend uploads a cache's page list into the device page table its kernels read.
#pragma once

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "cuda/cuda_util.h"
#include "engine/backend.h"

namespace qwenvl::cuda {

class KvPagePool {
 public:
  // page_bytes: one page's size; keep_free: released pages kept for reuse, the rest freed.
  void init(size_t page_bytes, size_t keep_free, cudaStream_t stream);
  // A page from the free list, else a new allocation; `positions` names it in an OOM message.
  Result<DeviceBuffer> acquire(size_t positions);
  // Takes a page back (the stream may still be using it: freeing waits for the stream).
  void release(DeviceBuffer page);

 private:
  size_t page_bytes_ = 0;
  size_t keep_free_ = 0;
  cudaStream_t stream_ = nullptr;
  std::vector<DeviceBuffer> free_;
};

// One conversation's pages; `id` tells the backend whether its page table is the one uploaded.
// Keeps one spare page past its length when truncated so a regenerated reply does not refetch.
class CudaKvCache final : public KvCache {
 public:
  CudaKvCache(KvPagePool& pool, uint64_t id, int page_size) : pool_(pool), id_(id), page_size_(page_size) {}
  ~CudaKvCache() override;
  uint64_t id() const { return id_; }
  const std::vector<__half*>& page_ptrs() const { return ptrs_; }
  // Makes room for `positions`; true in *grew when pages were added.
  Status reserve(int positions, bool* grew);

 protected:
  void release_after(int n) override;

 private:
  KvPagePool& pool_;
  uint64_t id_;
  int page_size_;
  std::vector<DeviceBuffer> pages_;
  std::vector<__half*> ptrs_;
};

}  // namespace qwenvl::cuda
