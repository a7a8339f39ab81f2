// A small fixed thread pool with a blocking parallel_for, for the CPU backend. Work is split
// into contiguous chunks so that results never depend on the number of threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace qwenvl {

class ThreadPool {
 public:
  // The compute kernels gain nothing from more threads than cores; a few per core still allows
  // for a hardware_concurrency() that under-reports (some containers), while a request such as
  // --threads 100000 can no longer exhaust the machine's process ids.
  static constexpr int kMaxThreadsPerCore = 4;
  static int max_threads();  // kMaxThreadsPerCore x hardware threads

  // n_threads <= 0 means one per hardware thread; more than max_threads() are capped to it.
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Calls fn(begin, end) over [0, n) split into at most size() chunks of at least `grain`
  // items; the calling thread takes one chunk. Returns when all chunks are done.
  void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

 private:
  void worker_loop(int index);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  std::vector<std::pair<size_t, size_t>> chunks_;
  size_t next_chunk_ = 0;
  // Mirrors of the state under mu_, read without it while a thread spins briefly before it
  // sleeps: a decode step makes hundreds of short parallel_for calls, and waking sleeping
  // threads each time would cost more than the work (the CPU backend's fast path).
  std::atomic<size_t> pending_{0};
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
};

}  // namespace qwenvl
