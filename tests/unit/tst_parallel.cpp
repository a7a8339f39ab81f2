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
};

QTEST_GUILESS_MAIN(TestParallel)
#include "tst_parallel.moc"
