// The settings dialog against the engine's one definition of valid sampling: its ranges, steps
// and decimals are qwenvl::sampling_limits(); top-p 0 typed into it is stored and means greedy
// (the scripted backend checks parameters with the engine's validate_sampling, so a value the
// engine refused would fail the reply); values outside the limits in the file are clamped.
// The GPU's low-memory mode: stored, kept in memory-only settings, passed to the engine's load
// options through the worker (a change from the dialog reloads the model), and shown in the
// status bar when the backend reports it.
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "app/chat_controller.h"
#include "qwenvl/sampling.h"
#include "ui/settings_dialog.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {

void checkRange(const QDoubleSpinBox* box, const RealLimit& limit) {
  QCOMPARE(box->minimum(), limit.min);
  QCOMPARE(box->maximum(), limit.max);
  QCOMPARE(box->singleStep(), limit.step);
  QCOMPARE(box->decimals(), limit.decimals);
}

void checkRange(const QSpinBox* box, const IntLimit& limit) {
  QCOMPARE(int64_t(box->minimum()), limit.min);
  QCOMPARE(int64_t(box->maximum()), limit.max);
}

// Types `text` into a spin box as a person would: select all, type, leave with Tab.
void typeInto(QAbstractSpinBox* box, const QString& text) {
  box->setFocus();
  box->selectAll();
  QTest::keyClicks(box, text);
  QTest::keyClick(box, Qt::Key_Tab);
}

// The status bar's model line ("Model ready: …").
QString modelStatus(ui::MainWindow* window) {
  for (QLabel* l : window->statusBar()->findChildren<QLabel*>()) {
    if (l->text().startsWith(QStringLiteral("Model"))) return l->text();
  }
  return {};
}

app::CudaStatus aGpu() {
  app::CudaStatus cuda;
  cuda.compiled = true;
  cuda.available = true;
  return cuda;
}

}  // namespace

class TestUiSettings : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void theRangesAreTheEngines() {
    test::ScriptedWindow w(false);
    ui::SettingsDialog dialog(w.settings.get(), app::CudaStatus{}, w.window.get());
    const SamplingLimits& limits = sampling_limits();
    checkRange(dialog.temperatureBox(), limits.temperature);
    checkRange(dialog.topPBox(), limits.top_p);
    checkRange(dialog.repetitionBox(), limits.repetition_penalty);
    checkRange(dialog.topKBox(), limits.top_k);
    checkRange(dialog.maxNewBox(), limits.max_new_tokens);
  }

  void topPZeroIsStoredAndGivesReplies() {
    test::ScriptedWindow w;
    ui::SettingsDialog dialog(w.settings.get(), app::CudaStatus{}, w.window.get());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(!dialog.greedyBox()->isChecked());
    typeInto(dialog.topPBox(), QStringLiteral("0"));
    QCOMPARE(dialog.topPBox()->value(), 0.0);
    QTest::mouseClick(dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok), Qt::LeftButton);

    const app::SamplingSettings stored = w.settings->sampling();
    QCOMPARE(stored.topP, 0.0);
    QVERIFY(!stored.greedy);  // greedy through top-p, not through the check box
    const SamplingParams params = stored.toParams(42);
    QVERIFY(validate_sampling(params).ok());
    QVERIFY(is_greedy(params));
    // The value survives a fresh read of the file.
    w.settings->sync();
    QCOMPARE(app::AppSettings(w.settings->fileName()).sampling().topP, 0.0);

    // And a reply comes (the backend checks the parameters with the engine's rules).
    test::ask(w.window.get(), QStringLiteral("Hello"));
    QVERIFY(test::waitForReply(w.window.get()));
    const QVector<app::Message>& messages = w.window->controller()->conversation()->messages();
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages[1].state, app::ReplyState::Done);
  }

  void valuesOutsideTheLimitsAreClamped() {
    test::ScriptedWindow w(false);
    {
      QSettings raw(w.settings->fileName(), QSettings::IniFormat);
      raw.setValue(QStringLiteral("sampling/topP"), 7.5);
      raw.setValue(QStringLiteral("sampling/temperature"), -3);
      raw.setValue(QStringLiteral("sampling/topK"), 99999999);
      raw.setValue(QStringLiteral("sampling/repetitionPenalty"), QStringLiteral("nan"));
      raw.setValue(QStringLiteral("sampling/maxNewTokens"), 0);
    }
    const app::SamplingSettings s = app::AppSettings(w.settings->fileName()).sampling();
    const SamplingLimits& limits = sampling_limits();
    QCOMPARE(s.topP, limits.top_p.max);
    QCOMPARE(s.temperature, limits.temperature.min);
    QCOMPARE(int64_t(s.topK), limits.top_k.max);
    QVERIFY(limits.repetition_penalty.contains(s.repetitionPenalty));
    QCOMPARE(int64_t(s.maxNewTokens), limits.max_new_tokens.min);
    QVERIFY2(validate_sampling(s.toParams(1)).ok(), validate_sampling(s.toParams(1)).message().c_str());
    // A value within the limits keeps its decimals through the engine's float parameters.
    app::SamplingSettings edited = s;
    edited.topP = 0.95;
    w.settings->setSampling(edited);
    QCOMPARE(w.settings->sampling().topP, 0.95);
  }

  void lowMemoryIsStored() {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("settings.ini"));
    {
      app::AppSettings settings(file);
      QVERIFY(!settings.lowMemory());  // off by default: the engine still chooses it when short
      settings.setLowMemory(true);
      QVERIFY(settings.lowMemory());
      settings.sync();
    }
    QVERIFY(app::AppSettings(file).lowMemory());
    QCOMPARE(QSettings(file, QSettings::IniFormat).value(QStringLiteral("model/lowMemory")).toBool(), true);
    {
      app::AppSettings settings(file);
      settings.setLowMemory(false);
    }
    QVERIFY(!app::AppSettings(file).lowMemory());
    // Kiosk settings keep it in memory and write nothing.
    std::unique_ptr<app::AppSettings> memory = app::AppSettings::memoryOnly();
    QVERIFY(!memory->lowMemory());
    memory->setLowMemory(true);
    QVERIFY(memory->lowMemory());
    QVERIFY(memory->fileName().isEmpty());
  }

  void lowMemoryFromTheDialogReachesTheEngineAndReloads() {
    test::ScriptedWindow w(false);
    w.settings->setBackend(app::BackendChoice::Cuda);
    w.window->loadModel(w.dir.path());
    QVERIFY(w.waitForModel());
    QCOMPARE(w.script->loads().size(), size_t(1));
    QCOMPARE(w.script->loads().back().backend, BackendKind::Cuda);
    QVERIFY(!w.script->loads().back().low_memory);
    QCOMPARE(modelStatus(w.window.get()), QStringLiteral("Model ready: scripted replies"));

    // The engine reports the mode in its device description; the status bar shows it.
    w.script->set_device("NVIDIA H200 (CUDA, compute 9.0, 139 GiB), low-memory mode");
    {
      ui::SettingsDialog dialog(w.settings.get(), aGpu(), w.window.get());
      dialog.show();
      QVERIFY(QTest::qWaitForWindowExposed(&dialog));
      QVERIFY(dialog.cudaButton()->isChecked());
      QVERIFY(dialog.lowMemoryBox()->isEnabled());
      QVERIFY(!dialog.lowMemoryBox()->isChecked());
      QTest::mouseClick(dialog.lowMemoryBox(), Qt::LeftButton);
      QVERIFY(dialog.lowMemoryBox()->isChecked());
      // What the window does on OK: a changed choice reloads the model.
      const app::StudioApp::ModelChoice before = w.app->modelChoice();
      dialog.apply();
      QVERIFY(w.app->modelChoice() != before);
      w.app->applySettings(before);
    }
    QVERIFY(w.settings->lowMemory());
    QVERIFY(app::AppSettings(w.settings->fileName()).lowMemory());  // written to the file
    QTRY_COMPARE(w.script->loads().size(), size_t(2));
    QVERIFY(w.waitForModel());
    QCOMPARE(w.script->loads().back().backend, BackendKind::Cuda);
    QVERIFY(w.script->loads().back().low_memory);
    QCOMPARE(w.script->loads().back().model_dir, QDir::cleanPath(w.dir.path()).toStdString());
    QTRY_COMPARE(modelStatus(w.window.get()),
                 QStringLiteral("Model ready: NVIDIA H200 (CUDA, compute capability 9.0, 139 GiB), low-memory mode"));

    // A later load (the next start) keeps it.
    w.window->loadModel(w.dir.path());
    QVERIFY(QTest::qWaitFor([&] { return w.script->loads().size() == 3; }));
    QVERIFY(w.waitForModel());
    QVERIFY(w.script->loads().back().low_memory);
  }

  void lowMemoryIsForTheGpuOnly() {
    test::ScriptedWindow w(false);  // the CPU backend
    w.settings->setLowMemory(true);
    {
      ui::SettingsDialog dialog(w.settings.get(), aGpu(), w.window.get());
      QVERIFY(dialog.cpuButton()->isChecked());
      QVERIFY(dialog.lowMemoryBox()->isChecked());
      QVERIFY(!dialog.lowMemoryBox()->isEnabled());
      dialog.cudaButton()->setChecked(true);
      QVERIFY(dialog.lowMemoryBox()->isEnabled());
      dialog.cpuButton()->setChecked(true);
      QVERIFY(!dialog.lowMemoryBox()->isEnabled());
    }
    {
      // Without the CUDA module there is nothing to set.
      ui::SettingsDialog dialog(w.settings.get(), app::CudaStatus{}, w.window.get());
      dialog.cudaButton()->setChecked(true);
      QVERIFY(!dialog.lowMemoryBox()->isEnabled());
    }
    w.window->loadModel(w.dir.path());
    QVERIFY(w.waitForModel());
    QCOMPARE(w.script->loads().back().backend, BackendKind::Cpu);
    QVERIFY(!w.script->loads().back().low_memory);
    // On the CPU backend the setting changes nothing, so no reload.
    const app::StudioApp::ModelChoice before = w.app->modelChoice();
    w.settings->setLowMemory(false);
    QVERIFY(w.app->modelChoice() == before);
    w.app->applySettings(before);
    QCOMPARE(w.window->controller()->modelState(), app::ModelState::Ready);  // a load would start at once
    QCOMPARE(w.script->loads().size(), size_t(1));
  }
};

QTEST_MAIN(TestUiSettings)
#include "tst_ui_settings.moc"
