// A small fixed thread pool with a blocking parallel_for, for the CPU backend. Work is split
// into contiguous chunks so that results never depend on the number of threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
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

// Jobs [0, n_jobs) split into n_ranges contiguous ranges; whoever runs range `own` (run()) takes
// its jobs from the front, then jobs one at a time from the back of whichever range has the
// most left (work stealing: threads that do not all run at one speed still finish together,
// and a range's owner runs consecutive jobs, so work it shares between them, such as a packed
// weight panel, is done once). Every job runs exactly once, whoever runs it. n_jobs must be
// below 2^32 (a range's begin and end share one 64-bit word); parallel_for_stealing checks.
class JobRanges {
 public:
  JobRanges(size_t n_jobs, size_t n_ranges) : ranges_(n_ranges) {
    for (size_t i = 0; i < n_ranges; ++i)
      ranges_[i].store((n_jobs * i / n_ranges) | (uint64_t(n_jobs * (i + 1) / n_ranges) << 32),
                       std::memory_order_relaxed);
  }
  static constexpr size_t kMaxJobs = 0xffffffffu;

  template <class Fn>
  void run(size_t own, const Fn& fn) {
    for (size_t job; (job = take(own, false)) != SIZE_MAX;) fn(job);
    for (;;) {
      size_t victim = SIZE_MAX;
      uint64_t most = 0;
      for (size_t i = 0; i < ranges_.size(); ++i) {
        const uint64_t v = ranges_[i].load(std::memory_order_relaxed), b = v & 0xffffffffu, e = v >> 32;
        if (e > b && e - b > most) {
          most = e - b;
          victim = i;
        }
      }
      if (victim == SIZE_MAX) return;
      const size_t job = take(victim, true);
      if (job != SIZE_MAX) fn(job);
    }
  }

 private:
  // The next job of range i (begin | end << 32), from its front or its back; SIZE_MAX if empty.
  size_t take(size_t i, bool back) {
    uint64_t v = ranges_[i].load(std::memory_order_relaxed);
    for (;;) {
      const uint64_t b = v & 0xffffffffu, e = v >> 32;
      if (b >= e) return SIZE_MAX;
      const uint64_t next = back ? (b | ((e - 1) << 32)) : ((b + 1) | (e << 32));
      if (ranges_[i].compare_exchange_weak(v, next, std::memory_order_relaxed)) return size_t(back ? e - 1 : b);
    }
  }
  std::vector<std::atomic<uint64_t>> ranges_;
};

// fn(job, own) for jobs [0, n) on the pool through JobRanges, one range per pool thread (own: the
// range of the thread that runs the job, 0 .. size() - 1); in the pool's fixed chunks (own: the
// chunk's first job) when n does not fit JobRanges.
template <class Fn>
void parallel_for_stealing(ThreadPool& pool, size_t n, const Fn& fn) {
  if (n == 0) return;
  if (n > JobRanges::kMaxJobs) {
    pool.parallel_for(n, 1, [&](size_t j0, size_t j1) {
      for (size_t job = j0; job < j1; ++job) fn(job, j0);
    });
    return;
  }
  const size_t n_ranges = std::min(n, size_t(pool.size()));
  JobRanges ranges(n, n_ranges);
  pool.parallel_for(n_ranges, 1, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) ranges.run(r, [&](size_t job) { fn(job, r); });
  });
}

}  // namespace qwenvl
