// The command-line number parsers: whole numbers in range or a usage error, never a truncated
// value (issue 9, item 7: `static_cast<int>(stoll())` turned --top-k 4294967301 into 5), and the
// chat command refusing --threads 100000 before it loads anything.
#include <QtTest>

#include <cstdint>
#include <string>

#include "cli/args.h"
#include "support/test_env.h"
#include "util/parallel.h"

using namespace qwenvl;
using namespace qwenvl::cli;

class TestCliArgs : public QObject {
  Q_OBJECT
 private slots:
  void integersAreWholeAndInRange() {
    QCOMPARE(parse_integer("42", 0, 100).value_or(-1), int64_t{42});
    QCOMPARE(parse_integer("-3", -5, 5).value_or(0), int64_t{-3});
    QCOMPARE(parse_integer("0", 0, 0).value_or(-1), int64_t{0});
    for (const char* bad :
         {"", " 4", "4 ", "4x", "0x10", "4.0", "1e3", "+-4", "101", "-1", "4294967301", "99999999999999999999", "nan"})
      QVERIFY2(!parse_integer(bad, 0, 100), bad);
    QCOMPARE(parse_unsigned("18446744073709551615").value_or(0), UINT64_MAX);
    QVERIFY(!parse_unsigned("18446744073709551616"));
    QVERIFY(!parse_unsigned("-1"));
  }

  void realsAreFiniteAndInRange() {
    QCOMPARE(parse_real("0.7", 0, 5).value_or(-1), 0.7);
    QCOMPARE(parse_real("1e-3", 0, 5).value_or(-1), 1e-3);
    for (const char* bad : {"", " 1", "1 ", "1,5", "nan", "inf", "-inf", "1e999", "5.01", "-0.1", "0.7x"})
      QVERIFY2(!parse_real(bad, 0, 5), bad);
  }

  void listsSplitAtCommas() {
    using List = std::vector<std::string>;
    QCOMPARE(split_list("128,1792"), (List{"128", "1792"}));
    QCOMPARE(split_list("sampled"), (List{"sampled"}));
    QCOMPARE(split_list(",a,,b,"), (List{"a", "b"}));
    QVERIFY(split_list("").empty());
    QVERIFY(split_list(",,").empty());
  }

  void optionsReportTheNameAndTheRange() {
    Args args({"--top-k", "4294967301", "--threads", "8", "--seed", "18446744073709551615", "--top-p", "0.25"});
    QVERIFY(args.ok());
    std::string error;
    int top_k = 7;
    QVERIFY(!args.get_number("top-k", 0, 151936, top_k, error));
    QCOMPARE(top_k, 7);  // untouched, not truncated to 5
    QVERIFY2(error.find("--top-k") != std::string::npos && error.find("between 0 and 151936") != std::string::npos,
             error.c_str());
    int threads = 0;
    QVERIFY(args.get_number("threads", 0, 64, threads, error));
    QCOMPARE(threads, 8);
    uint64_t seed = 0;
    QVERIFY(args.get_number("seed", seed, error));
    QCOMPARE(seed, UINT64_MAX);
    float top_p = 0;
    QVERIFY(args.get_number("top-p", 0.0, 1.0, top_p, error));
    QCOMPARE(top_p, 0.25f);
    int absent = 11;
    QVERIFY(args.get_number("max-new", 1, 10, absent, error));
    QCOMPARE(absent, 11);
    // A range wider than int is narrowed to int, so the stored value is always exact.
    Args big({"--n", "3000000000"});
    int n = 0;
    QVERIFY(!big.get_number("n", 0, INT64_MAX, n, error));
  }

  // The reproducers, through the real command: refused as usage errors (exit 2) before the model
  // folder is even looked at (it does not exist here).
  void chatRefusesAbsurdNumbers() {
    const std::string threads = std::to_string(ThreadPool::max_threads() + 1);
    const std::vector<std::vector<std::string>> cases = {
        {"--threads", "100000"}, {"--threads", threads}, {"--top-k", "4294967301"},
        {"--max-new", "12abc"},  {"--seed", "-1"},       {"--temperature", "nan"},
    };
    for (const auto& c : cases) {
      auto r =
          test::run_command({test::cli_path(), "chat", "--model", "/nonexistent-model", c[0], c[1], "--prompt", "hi"});
      QVERIFY2(r.exit_code == 2, qPrintable(QString::fromStdString(c[0] + " " + c[1] + ": " + r.err)));
      QVERIFY2(r.err.find(c[0]) != std::string::npos, r.err.c_str());
      QVERIFY2(r.err.find("loading") == std::string::npos, r.err.c_str());
    }
  }
};

QTEST_GUILESS_MAIN(TestCliArgs)
#include "tst_cli_args.moc"
