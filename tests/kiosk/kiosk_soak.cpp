// The kiosk soak (not in CI; scripts/kiosk-soak.sh runs it with a fresh HOME): N scripted
// visits against the real engine — pick a picture of the folder, tap a preset question, wait
// for the answer, let the idle countdown run out (the injected clock) — with the whole kiosk
// window offscreen. Prints the resident memory after visit 50 and after the last one, and checks
// that every visit with the same picture and question got the same (greedy) answer, i.e. that
// nothing of one visit reaches the next.
// Usage: kiosk_soak MODEL_DIR [VISITS=500] [MAX_NEW_TOKENS=8]
#include <QApplication>
#include <QFile>
#include <QPushButton>
#include <QTest>
#include <cstdio>

#include "app/chat_controller.h"
#include "app/conversation.h"
#include "app/engine_bridge.h"
#include "kiosk_test_support.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {
double residentMiB() {
  QFile f(QStringLiteral("/proc/self/statm"));
  if (!f.open(QIODevice::ReadOnly)) return -1;
  const QList<QByteArray> fields = f.readAll().split(' ');
  return fields.size() > 1 ? fields[1].toDouble() * 4096.0 / (1024.0 * 1024.0) : -1;
}
}  // namespace

int main(int argc, char** argv) {
  QApplication application(argc, argv);
  const QStringList args = QApplication::arguments();
  if (args.size() < 2) {
    std::fprintf(stderr, "usage: kiosk_soak MODEL_DIR [VISITS=500] [MAX_NEW_TOKENS=8]\n");
    return 2;
  }
  const int visits = args.size() > 2 ? args[2].toInt() : 500;
  const int maxNew = args.size() > 3 ? args[3].toInt() : 8;
  test::initUiTestApplication();

  test::KioskConfigFiles files;
  const app::KioskConfigResult read = app::KioskConfigReader::read(files.write(
      QJsonObject{{QStringLiteral("model"), QJsonObject{{QStringLiteral("folder"), args[1]},
                                                        {QStringLiteral("backend"), QStringLiteral("cpu")}}}}));
  if (!read.error.isEmpty()) {
    std::fprintf(stderr, "%s\n", qPrintable(read.error));
    return 2;
  }
  test::Kiosk k(read.config, app::engineBackendFactory());
  app::SamplingSettings s = k.settings->sampling();
  s.greedy = true;
  s.maxNewTokens = maxNew;
  k.settings->setSampling(s);
  if (!k.waitForModel(300000)) {
    std::fprintf(stderr, "the model did not load: %s\n", qPrintable(k.studio->controller()->modelError()));
    return 1;
  }
  QHash<QString, QString> answers;  // picture + question -> the first answer
  double at50 = 0;
  int mismatches = 0;
  for (int visit = 1; visit <= visits; ++visit) {
    k.window->startButton()->click();
    const QList<QPushButton*> tiles = k.window->pictureTiles();
    QPushButton* tile = tiles[visit % tiles.size()];
    tile->click();
    if (!QTest::qWaitFor(
            [&] { return k.studio->conversation()->pictures().size() == 1 && !k.studio->controller()->isImporting(); },
            60000)) {
      std::fprintf(stderr, "visit %d: the picture did not arrive\n", visit);
      return 1;
    }
    QPushButton* question = k.window->questionButtons().value((visit / 2) % k.window->questionButtons().size());
    question->click();
    if (!QTest::qWaitFor([&] { return !k.studio->controller()->isBusy(); }, 120000)) {
      std::fprintf(stderr, "visit %d: no answer\n", visit);
      return 1;
    }
    const app::Conversation* c = k.studio->conversation();
    const app::Message* reply = c->message(c->lastAssistantMessageId());
    if (!reply || reply->state != app::ReplyState::Done) {
      std::fprintf(stderr, "visit %d: the answer failed: %s\n", visit, reply ? qPrintable(reply->error) : "none");
      return 1;
    }
    const QString key = tile->property("picturePath").toString() + QLatin1Char('|') + question->text();
    if (!answers.contains(key))
      answers.insert(key, reply->text);
    else if (answers.value(key) != reply->text)
      ++mismatches;
    k.advance(qint64(read.config.idleSeconds) * 1000);
    k.advance(qint64(read.config.warningSeconds) * 1000);  // the countdown runs out: the wipe
    if (!c->isEmpty() || k.controller->phase() != app::KioskController::Phase::Attract) {
      std::fprintf(stderr, "visit %d: the idle reset did not wipe the visit\n", visit);
      return 1;
    }
    QApplication::processEvents();
    if (visit == 50) at50 = residentMiB();
    if (visit % 50 == 0) std::printf("visit %d: RSS %.1f MiB\n", visit, residentMiB());
    std::fflush(stdout);
  }
  const double last = residentMiB();
  std::printf("RSS after visit 50: %.1f MiB; after visit %d: %.1f MiB; growth %.2f %%\n", at50, visits, last,
              at50 > 0 ? (last - at50) / at50 * 100.0 : 0.0);
  std::printf("distinct picture+question pairs: %d; answers that differed from the first: %d\n", int(answers.size()),
              mismatches);
  const bool ok = mismatches == 0 && (visits < 50 || last <= at50 * 1.05);
  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
