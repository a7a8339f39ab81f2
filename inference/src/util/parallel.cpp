// The thread pool (parallel.h): a fixed set of workers that take contiguous chunks of a range.
#include "util/parallel.h"

#include <algorithm>
#include <chrono>
#include <system_error>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace qwenvl {

namespace {

// Spins up to about 50 microseconds for done() before the caller sleeps on a condition variable.
template <class Done>
void spin_briefly(Done done) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + std::chrono::microseconds(50);
  for (int i = 0; !done(); ++i) {
#if defined(__x86_64__)
    _mm_pause();
#endif
    if ((i & 63) == 63 && Clock::now() > until) return;
  }
}

}  // namespace

int ThreadPool::max_threads() {
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return kMaxThreadsPerCore * hw;
}

ThreadPool::ThreadPool(int n_threads) {
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (n_threads <= 0) n_threads = hw;
  n_threads = std::min(n_threads, max_threads());
  for (int i = 1; i < n_threads; ++i) {
    // The system may still refuse a thread (a container's PID limit); the pool then runs with
    // the workers it has, since results never depend on the number of threads.
    try {
      workers_.emplace_back([this, i] { worker_loop(i); });
    } catch (const std::system_error&) {
      break;
    }
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::worker_loop(int) {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!stop_ && generation_ == seen) {
      lock.unlock();
      spin_briefly([&] { return generation_.load(std::memory_order_acquire) != seen; });
      lock.lock();
    }
    cv_start_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    while (next_chunk_ < chunks_.size()) {
      auto c = chunks_[next_chunk_++];
      const auto* job = job_;
      lock.unlock();
      (*job)(c.first, c.second);
      lock.lock();
      if (--pending_ == 0) cv_done_.notify_all();
    }
  }
}

void ThreadPool::parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  size_t max_chunks = std::max<size_t>(1, n / grain);
  size_t n_chunks = std::min<size_t>(static_cast<size_t>(size()), max_chunks);
  if (n_chunks <= 1 || workers_.empty()) {
    fn(0, n);
    return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  chunks_.clear();
  for (size_t i = 0; i < n_chunks; ++i) chunks_.emplace_back(n * i / n_chunks, n * (i + 1) / n_chunks);
  job_ = &fn;
  next_chunk_ = 0;
  pending_ = n_chunks;
  ++generation_;
  cv_start_.notify_all();
  while (next_chunk_ < chunks_.size()) {
    auto c = chunks_[next_chunk_++];
    lock.unlock();
    fn(c.first, c.second);
    lock.lock();
    --pending_;
  }
  if (pending_ != 0) {
    lock.unlock();
    spin_briefly([&] { return pending_.load(std::memory_order_acquire) == 0; });
    lock.lock();
  }
  cv_done_.wait(lock, [&] { return pending_ == 0; });
  job_ = nullptr;
}

}  // namespace qwenvl
