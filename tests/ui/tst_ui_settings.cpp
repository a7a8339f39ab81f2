// The settings dialog against the engine's one definition of valid sampling: its ranges, steps
// and decimals are qwenvl::sampling_limits(); top-p 0 typed into it is stored and means greedy
// (the scripted backend checks parameters with the engine's validate_sampling, so a value the
// engine refused would fail the reply); values outside the limits in the file are clamped.
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
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
};

QTEST_MAIN(TestUiSettings)
#include "tst_ui_settings.moc"
