// The whole model on the CPU against the official fp32 goldens: `qwenvl-cli conform --device
// cpu` on the tiny checkpoint (seed 1234, written during the run) for every public scenario.
#include <QtTest>

#include <filesystem>

#include "support/conform_check.h"
#include "support/test_env.h"

using namespace qwenvl;

class TestConformCpu : public QObject {
  Q_OBJECT
  std::string out_;

 private slots:
  void initTestCase() {
    out_ = test::make_temp_dir("qwenvl-conform");
    auto r = test::run_command({test::cli_path(), "conform", "--model", test::checkpoint_dir("tiny"), "--scenarios",
                                test::fixture("tiny_scenarios.json"), "--workdir", test::fixtures_dir(), "--out", out_,
                                "--device", "cpu"});
    QVERIFY2(r.exit_code == 0, r.err.c_str());
  }
  void cleanupTestCase() { std::filesystem::remove_all(out_); }

  void scenario_data() {
    QTest::addColumn<QString>("name");
    auto names = test::scenario_names(test::fixture("tiny_scenarios.json"));
    QVERIFY(names.ok());
    QCOMPARE(int(names->size()), 7);
    for (const auto& n : *names) QTest::newRow(n.c_str()) << QString::fromStdString(n);
  }
  void scenario() {
    QFETCH(QString, name);
    test::ConformLimits limits;  // CPU fp32: 2e-4 on features and logits, 99.9% top-1, all greedy ids
    auto report = test::check_conform(out_, test::fixture("golden/tiny"), name.toStdString(), limits);
    QVERIFY2(report.ok(), report.message().c_str());
    qInfo("%s", report->summary().c_str());
    QVERIFY2(report->failures.empty(), report->summary().c_str());
  }
};

QTEST_GUILESS_MAIN(TestConformCpu)
#include "tst_conform_cpu.moc"
