// The thread pool: a request for far more threads than the machine has is capped (issue 9,
// item 9: --threads 100000 started 32,000 threads and exhausted the process ids), and results
// do not depend on the number of threads.
#include <QtTest>

#include <atomic>
#include <thread>
#include <vector>

#include "util/parallel.h"

using namespace qwenvl;

class TestParallel : public QObject {
  Q_OBJECT
 private slots:
  void absurdThreadCountsAreCapped() {
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    QCOMPARE(ThreadPool::max_threads(), ThreadPool::kMaxThreadsPerCore * hw);
    ThreadPool huge(100000);
    QVERIFY(huge.size() <= ThreadPool::max_threads());
    QVERIFY(huge.size() >= 1);
    ThreadPool all(0);
    QCOMPARE(all.size(), hw);
    ThreadPool two(2);
    QCOMPARE(two.size(), 2);
  }

  void everyItemOnceWhateverTheSize() {
    for (int threads : {1, 3, 100000}) {
      ThreadPool pool(threads);
      std::vector<std::atomic<int>> hits(1000);
      pool.parallel_for(hits.size(), 7, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) hits[i]++;
      });
      for (auto& h : hits) QCOMPARE(h.load(), 1);
    }
  }

  // JobRanges (the AMX GEMM's and attention's schedule): a runner takes its own range from the
  // front, then steals from the back of the fullest range. One runner alone, as if the other
  // ranges' threads never started, runs every job exactly once, in that order.
  void jobRangesStealEverythingAnIdleOwnerLeaves() {
    JobRanges ranges(10, 3);  // ranges [0, 3), [3, 6), [6, 10)
    std::vector<size_t> order;
    ranges.run(0, [&](size_t job) { order.push_back(job); });
    // its own range, then the back of the fullest range (on a tie, the first of them)
    const std::vector<size_t> want = {0, 1, 2, 9, 5, 8, 4, 7, 3, 6};
    QCOMPARE(order, want);
    std::vector<size_t> more;
    ranges.run(1, [&](size_t job) { more.push_back(job); });
    QVERIFY(more.empty());  // nothing left for a late owner
  }

  void jobRangesRunEveryJobOnceOnThePool() {
    for (int threads : {1, 3, 8}) {
      ThreadPool pool(threads);
      for (size_t n : {size_t(1), size_t(2), size_t(7), size_t(1000)}) {
        std::vector<std::atomic<int>> hits(n);
        std::vector<std::atomic<int>> owners(static_cast<size_t>(pool.size()));
        parallel_for_stealing(pool, n, [&](size_t job, size_t own) {
          hits[job]++;
          owners[own]++;
        });
        for (auto& h : hits) QCOMPARE(h.load(), 1);
        int total = 0;
        for (auto& o : owners) total += o.load();
        QCOMPARE(total, int(n));
      }
    }
  }
};

QTEST_GUILESS_MAIN(TestParallel)
#include "tst_parallel.moc"
