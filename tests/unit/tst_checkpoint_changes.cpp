// A checkpoint truncated or rewritten on disk while the model is loaded (a download or a copy
// over it) used to end the process with SIGBUS at the next read of a page past the new end
// (issue 9). MappedFile's guard turns that into an error value: reads give zeros, the runner
// refuses the pass, loading refuses the model. Each case copies the tiny checkpoint to a folder
// of its own and truncates or rewrites the copy.
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "model/safetensors.h"
#include "qwenvl/engine.h"
#include "support/test_env.h"
#include "util/mapped_file.h"

using namespace qwenvl;
namespace fs = std::filesystem;

namespace {

SamplingParams greedy(int tokens) {
  SamplingParams p;
  p.do_sample = false;
  p.max_new_tokens = tokens;
  return p;
}

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

}  // namespace

class TestCheckpointChanges : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  int copies_ = 0;

  // A fresh copy of the tiny checkpoint; returns its folder.
  std::string copy() {
    const std::string d = tmp_.path().toStdString() + "/copy" + std::to_string(copies_++);
    std::error_code ec;
    fs::copy(test::checkpoint_dir("tiny"), d, fs::copy_options::recursive, ec);
    if (ec) qFatal("cannot copy the tiny checkpoint: %s", ec.message().c_str());
    return d;
  }

  static void truncate_to(const std::string& file, off_t size) {
    QVERIFY2(::truncate(file.c_str(), size) == 0, file.c_str());
  }

 private slots:
  // The guard itself: a read of a page the file no longer has gives zeros, not SIGBUS, and the
  // file reports it; a shrink not yet read is reported from its size.
  void readsPastANewEndGiveZerosAndAnError() {
    const std::string file = copy() + "/model.safetensors";
    auto mapped = MappedFile::open(file);
    QVERIFY2(mapped.ok(), mapped.message().c_str());
    const MappedFile& m = **mapped;
    QVERIFY(m.size() > 1000000);
    QVERIFY(m.check_unchanged().ok());
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < m.size(); i += 4096) sum = sum + m.data()[i];  // every page read once
    truncate_to(file, 4096);
    QVERIFY2(contains(m.check_unchanged().message(), "changed on disk"), m.check_unchanged().message().c_str());
    QCOMPARE(int(m.data()[m.size() - 1]), 0);  // the fault, caught
    QVERIFY2(contains(m.check_unchanged().message(), "truncated while in use"), m.check_unchanged().message().c_str());
    QCOMPARE(int(m.data()[0]), 0);  // the whole mapping reads as zeros from then on
    (void)sum;
  }

  // A file rewritten in place at the same size changes under a MAP_PRIVATE mapping without any
  // fault: its modification time tells.
  void aRewriteInPlaceIsReported() {
    const std::string file = copy() + "/model.safetensors";
    auto mapped = MappedFile::open(file);
    QVERIFY2(mapped.ok(), mapped.message().c_str());
    QVERIFY((*mapped)->check_unchanged().ok());
    struct stat st {};
    QCOMPARE(::stat(file.c_str(), &st), 0);
    {
      std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(st.st_size / 2));
      f.write("changed", 7);
    }
    // Some file systems keep a coarse clock: make sure the time differs.
    timespec times[2] = {st.st_atim, st.st_mtim};
    times[1].tv_sec += 1;
    QCOMPARE(::utimensat(AT_FDCWD, file.c_str(), times, 0), 0);
    const Status s = (*mapped)->check_unchanged();
    QVERIFY2(contains(s.message(), "changed on disk"), s.message().c_str());
  }

  // Issue 9's case: the model loaded and answered, then its file is cut short; the next turn
  // must end in an error naming the file, not a crash, and the model can be loaded again.
  void truncatedAfterLoadGivesAnErrorNotACrash() {
    const std::string dir = copy();
    LoadOptions o;
    o.model_dir = dir;
    o.cpu_threads = 2;
    o.max_context = 256;
    auto model = Model::load(o);
    QVERIFY2(model.ok(), model.message().c_str());
    ChatSession session(**model);
    auto first = session.generate("Hello", greedy(4));
    QVERIFY2(first.ok(), first.message().c_str());

    // Keep the header (8 + its length): the weights after it are gone.
    truncate_to(dir + "/model.safetensors", 64 * 1024);
    auto second = session.generate("And again", greedy(4));
    QVERIFY(!second.ok());
    QVERIFY2(contains(second.message(), "model.safetensors"), second.message().c_str());
    QVERIFY2(contains(second.message(), "truncated while in use"), second.message().c_str());
    QVERIFY2(contains(second.message(), "load the model again"), second.message().c_str());
    // Every later turn is refused too (the damage stays), still without a crash.
    QVERIFY(!session.generate("Once more", greedy(2)).ok());

    // Loading the cut file is refused from its header; restored, it loads and answers again.
    auto cut = Model::load(o);
    QVERIFY(!cut.ok());
    fs::copy_file(test::checkpoint_dir("tiny") + "/model.safetensors", dir + "/model.safetensors",
                  fs::copy_options::overwrite_existing);
    auto again = Model::load(o);
    QVERIFY2(again.ok(), again.message().c_str());
    ChatSession fresh(**again);
    auto third = fresh.generate("Hello", greedy(4));
    QVERIFY2(third.ok(), third.message().c_str());
    QCOMPARE(*third, *first);
  }

  // Cut while loading: after the files are mapped and checked, before the backend has read the
  // weights (the progress callback of "preparing the backend"). Loading fails with a message.
  void truncatedDuringLoadIsRefused() {
    const std::string dir = copy();
    LoadOptions o;
    o.model_dir = dir;
    o.cpu_threads = 2;
    o.max_context = 256;
    bool cut = false;
    o.on_progress = [&](const LoadProgress& p) {
      if (!cut && p.stage == "preparing the backend") {
        cut = ::truncate((dir + "/model.safetensors").c_str(), 64 * 1024) == 0;
      }
      return true;
    };
    auto model = Model::load(o);
    QVERIFY(cut);
    QVERIFY(!model.ok());
    QVERIFY2(contains(model.message(), "while loading"), model.message().c_str());
    QVERIFY2(contains(model.message(), "model.safetensors"), model.message().c_str());
  }
};

QTEST_GUILESS_MAIN(TestCheckpointChanges)
#include "tst_checkpoint_changes.moc"
