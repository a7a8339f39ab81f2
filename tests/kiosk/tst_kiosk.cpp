// Kiosk mode on the scripted backend, offscreen (ctest label `kiosk`): the configuration and the
// PIN hash, the locked-down window (blocked shortcuts, close requests, context menus), the admin
// exit behind the hidden gesture and the PIN, the idle countdown and the privacy wipe (driven
// by an injected clock), a reply cancelled by the reset, the fake camera's frame as the
// picture, the one-tap language switch, and every visible control at least 48 px high.
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QCryptographicHash>
#include <QDialog>
#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPasswordDigestor>
#include <QPushButton>
#include <QShortcut>
#include <QSignalSpy>
#include <QTest>
#include <QTextCursor>
#include <QWheelEvent>

#include "app/chat_controller.h"
#include "app/command_line.h"
#include "app/conversation.h"
#include "app/kiosk/watchdog.h"
#include "app/scripted_chat_backend.h"
#include "kiosk_test_support.h"
#include "support/test_env.h"
#include "ui/camera_dialog.h"
#include "ui/grounding_overlay.h"
#include "ui/image_canvas.h"
#include "ui/kiosk/kiosk_lockdown.h"
#include "ui/kiosk/kiosk_widgets.h"
#include "ui_test_support.h"

using namespace qwenvl;
using Screen = ui::KioskWindow::Screen;

namespace {

const QString kReply = QStringLiteral(
    "<ref>The astronaut</ref><box>(100,200),(600,900)</box> stands by "
    "<ref>the flag</ref><box>(0,0),(190,1000)</box>.");

app::KioskConfig readConfig(test::KioskConfigFiles& files, const QJsonObject& extra = {}) {
  const app::KioskConfigResult r = app::KioskConfigReader::read(files.write(extra));
  if (!r.error.isEmpty()) qWarning("%s", qPrintable(r.error));
  return r.config;
}

app::ScriptedReply scripted(const std::string& text, int tokenDelayMs) {
  app::ScriptedReply r;
  r.text = text;
  r.token_delay_ms = tokenDelayMs;
  return r;
}

app::BackendFactory scripted(std::shared_ptr<app::ReplyScript> script) {
  return [script] { return std::make_unique<app::ScriptedChatBackend>(script); };
}

// Every button and text field the visitor can see.
QStringList smallControls(QWidget* window) {
  QStringList small;
  const QList<QWidget*> widgets = window->findChildren<QWidget*>();
  for (QWidget* w : widgets) {
    if (!w->isVisibleTo(window) || !(qobject_cast<QAbstractButton*>(w) || qobject_cast<QLineEdit*>(w))) continue;
    if (w->height() < 48)
      small << QStringLiteral("%1 “%2” is %3 px high")
                   .arg(QString::fromLatin1(w->metaObject()->className()),
                        qobject_cast<QAbstractButton*>(w) ? qobject_cast<QAbstractButton*>(w)->text() : QString())
                   .arg(w->height());
  }
  return small;
}

void tap(QWidget* w, QPoint pos = {}) {
  QTest::mouseClick(w, Qt::LeftButton, Qt::NoModifier, pos.isNull() ? w->rect().center() : pos);
}

bool startVisitWithPicture(test::Kiosk& k, const QString& name = QStringLiteral("astronaut.png")) {
  tap(k.window->startButton());
  if (k.window->screen() != Screen::Choose) return false;
  for (QPushButton* tile : k.window->pictureTiles()) {
    if (tile->property("picturePath").toString().endsWith(name)) {
      tap(tile);
      return QTest::qWaitFor([&] { return k.studio->conversation()->pictures().size() == 1; }, 10000);
    }
  }
  return false;
}

}  // namespace

class TestKiosk : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void theConfigurationIsReadWithItsDefaults() {
    test::KioskConfigFiles files;
    const app::KioskConfigResult r = app::KioskConfigReader::read(files.write());
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    const app::KioskConfig& c = r.config;
    QCOMPARE(c.modelDir, QDir(files.dir.path()).absolutePath());
    QCOMPARE(c.backend, app::BackendChoice::Cpu);
    QCOMPARE(c.idleSeconds, 60);
    QCOMPARE(c.warningSeconds, 10);
    QCOMPARE(c.attract.size(), 1);
    QCOMPARE(c.attract[0].picture, files.pictures + QStringLiteral("/chelsea.png"));  // relative to the file
    QCOMPARE(c.attract[0].caption.in(QStringLiteral("zh_CN")), QStringLiteral("一只猫"));
    QCOMPARE(c.questions.size(), 2);
    QVERIFY(!c.questions[1].has(QStringLiteral("zh_CN")));  // offered in English only
    QCOMPARE(c.accent, QColor(0xd6, 0x27, 0x28));
    QCOMPARE(c.maxNewTokens, 256);
    QCOMPARE(c.attractSeconds, 6);
  }

  void aWrongConfigurationSaysWhatIsWrong_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not json") << QByteArray("{\"model\": ") << QStringLiteral("not valid JSON");
    QTest::newRow("array") << QByteArray("[]") << QStringLiteral("one JSON object");
    QTest::newRow("no model") << QByteArray("{}") << QStringLiteral("“model.folder” is required");
    QTest::newRow("bad idle") << QByteArray("{\"model\":{\"folder\":\".\"},\"idle\":{\"timeout_seconds\":\"5\"}}")
                              << QStringLiteral("“idle.timeout_seconds” must be a whole number from 10");
    QTest::newRow("short idle") << QByteArray("{\"model\":{\"folder\":\".\"},\"idle\":{\"timeout_seconds\":3}}")
                                << QStringLiteral("“idle.timeout_seconds”");
    QTest::newRow("bad backend") << QByteArray("{\"model\":{\"folder\":\".\",\"backend\":\"tpu\"}}")
                                 << QStringLiteral("“model.backend”");
    QTest::newRow("bad language") << QByteArray("{\"model\":{\"folder\":\".\"},\"languages\":[\"fr\"]}")
                                  << QStringLiteral("“languages”");
    QTest::newRow("missing folder") << QByteArray("{\"model\":{\"folder\":\"nowhere\"}}")
                                    << QStringLiteral("which does not exist");
    QTest::newRow("no pin") << QByteArray("{\"model\":{\"folder\":\".\"}}") << QStringLiteral("“admin.pin_hash”");
    QTest::newRow("plain pin") << QByteArray("{\"model\":{\"folder\":\".\"},\"admin\":{\"pin_hash\":\"1234\"}}")
                               << QStringLiteral("“admin.pin_hash”");
    QTest::newRow("no picture") << QByteArray("{\"model\":{\"folder\":\".\"},\"visitor\":{\"camera\":false}}")
                                << QStringLiteral("offers no picture");
    QTest::newRow("bad accent") << QByteArray("{\"model\":{\"folder\":\".\"},\"branding\":{\"accent\":\"reddish\"}}")
                                << QStringLiteral("“branding.accent”");
    QTest::newRow("bad server") << QByteArray("{\"model\":{\"server\":{\"url\":\"ftp://gpu-box\"}}}")
                                << QStringLiteral("“model.server.url”");
    QTest::newRow("no folder, no server")
        << QByteArray("{\"model\":{\"server\":{}}}") << QStringLiteral("“model.folder”");
    QTest::newRow("bad question") << QByteArray("{\"model\":{\"folder\":\".\"},\"questions\":[{\"de\":\"Was?\"}]}")
                                  << QStringLiteral("“questions[0].de”");
  }

  void aWrongConfigurationSaysWhatIsWrong() {
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const app::KioskConfigResult r = app::KioskConfigReader::parse(json, dir.path(), QStringLiteral("kiosk.json"));
    QVERIFY2(r.error.contains(expected), qPrintable(r.error));
    QVERIFY(r.error.startsWith(QStringLiteral("kiosk.json")));
  }

  // A stand of a fleet names a server instead of a model folder (docs/server.md); the memory-only
  // settings of kiosk mode hold it, and the app then connects to it.
  void aServerCanReplaceTheModelFolder() {
    QTemporaryDir dir;
    const QByteArray json =
        "{\"model\":{\"server\":{\"url\":\"http://gpu-box:8000\",\"api_key\":\"k1\","
        "\"model\":\"qwen\",\"timeout_seconds\":30}},\"admin\":{\"pin_hash\":\"" +
        app::kiosk_pin::hash(QStringLiteral("1234"), 1000).toUtf8() + "\"}}";
    const app::KioskConfigResult r = app::KioskConfigReader::parse(json, dir.path(), QStringLiteral("kiosk.json"));
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QVERIFY(r.config.modelDir.isEmpty());
    QCOMPARE(r.config.server.url, QStringLiteral("http://gpu-box:8000"));
    QCOMPARE(r.config.server.apiKey, QStringLiteral("k1"));
    QCOMPARE(r.config.server.model, QStringLiteral("qwen"));
    QCOMPARE(r.config.server.timeoutMs, 30000);
    const std::unique_ptr<app::AppSettings> settings = app::AppSettings::memoryOnly();
    settings->setServer(r.config.server);
    QCOMPARE(settings->server(), r.config.server);
    app::StudioAppOptions options;
    options.settings = settings.get();
    options.backendFactory = scripted(std::make_shared<app::ReplyScript>());
    app::StudioApp studio(options);
    QVERIFY(studio.usesServer());
  }

  void aMissingConfigurationIsNamed() {
    const app::KioskConfigResult r = app::KioskConfigReader::read(QStringLiteral("/nonexistent/kiosk.json"));
    QVERIFY(r.error.contains(QStringLiteral("/nonexistent/kiosk.json")));
    QVERIFY(r.error.contains(QStringLiteral("does not exist")));
  }

  void theErrorScreenIsAFullWindowNotADialog() {
    ui::KioskErrorScreen screen(QStringLiteral("kiosk.json: “model.folder” is required."));
    screen.show();
    QVERIFY(QTest::qWaitForWindowExposed(&screen));
    QVERIFY(screen.isWindow());
    QCOMPARE(qobject_cast<QDialog*>(&screen), nullptr);
    auto* text = screen.findChild<QLabel*>(QStringLiteral("kioskErrorText"));
    QVERIFY(text && text->text().contains(QStringLiteral("model.folder")));
  }

  void thePinIsAStoredAsASaltedHash() {
    const QString a = app::kiosk_pin::hash(QStringLiteral("1234"), 1000);
    const QString b = app::kiosk_pin::hash(QStringLiteral("1234"), 1000);
    QVERIFY(a != b);  // a fresh salt each time
    QVERIFY(!a.contains(QStringLiteral("1234$")));
    QVERIFY(app::kiosk_pin::isValidHash(a));
    QVERIFY(app::kiosk_pin::verify(QStringLiteral("1234"), a));
    QVERIFY(app::kiosk_pin::verify(QStringLiteral("1234"), b));
    QVERIFY(!app::kiosk_pin::verify(QStringLiteral("1235"), a));
    QVERIFY(!app::kiosk_pin::verify(QString(), a));
    // RFC 7914's PBKDF2-HMAC-SHA256 vector ("passwd", salt "salt", 1 iteration) checks the
    // derivation itself; the stored form needs 1000 iterations or more.
    QCOMPARE(QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256, "passwd", "salt", 1, 64).toHex().left(32),
             QByteArray("55ac046e56e3089fec1691c22544b605"));
    QVERIFY(!app::kiosk_pin::isValidHash(QStringLiteral("pbkdf2-sha256$10$0011223344556677$00")));
    QVERIFY(!app::kiosk_pin::verify(QStringLiteral("1234"), QStringLiteral("pbkdf2-sha256$x$y$z")));
    QVERIFY(app::kiosk_pin::isValidPin(QStringLiteral("0000")));
    QVERIFY(!app::kiosk_pin::isValidPin(QStringLiteral("123")));
    QVERIFY(!app::kiosk_pin::isValidPin(QStringLiteral("12a4")));
  }

  void blockedShortcutsDoNothing() {
    test::KioskConfigFiles files;
    test::Kiosk k(readConfig(files), scripted(std::make_shared<app::ReplyScript>()));
    QVERIFY(k.waitForModel());
    QVERIFY(k.window->windowFlags() & Qt::FramelessWindowHint);
    // Shortcuts someone might have registered anywhere in the window: none may fire.
    int fired = 0;
    const QList<QKeySequence> keys{QKeySequence(Qt::ALT | Qt::Key_F4),     QKeySequence(Qt::CTRL | Qt::Key_Q),
                                   QKeySequence(Qt::CTRL | Qt::Key_W),     QKeySequence(Qt::Key_F11),
                                   QKeySequence(Qt::CTRL | Qt::Key_Comma), QKeySequence(Qt::CTRL | Qt::Key_O)};
    for (const QKeySequence& key : keys) {
      auto* action = new QAction(k.window.get());
      action->setShortcut(key);
      action->setShortcutContext(Qt::ApplicationShortcut);
      connect(action, &QAction::triggered, this, [&fired] { ++fired; });
      k.window->addAction(action);
    }
    tap(k.window->startButton());
    QCOMPARE(k.window->screen(), Screen::Choose);
    const Qt::WindowStates before = k.window->windowState();
    QWidget* target = k.window->typedQuestion();
    for (QWidget* w : {static_cast<QWidget*>(k.window.get()), target}) {
      QTest::keyClick(w, Qt::Key_F4, Qt::AltModifier);
      QTest::keyClick(w, Qt::Key_Q, Qt::ControlModifier);
      QTest::keyClick(w, Qt::Key_W, Qt::ControlModifier);
      QTest::keyClick(w, Qt::Key_F11);
      QTest::keyClick(w, Qt::Key_Comma, Qt::ControlModifier);
      QTest::keyClick(w, Qt::Key_O, Qt::ControlModifier);
      QTest::keyClick(w, Qt::Key_Escape);
    }
    QCOMPARE(fired, 0);
    QCOMPARE(k.window->windowState(), before);
    QCOMPARE(k.window->screen(), Screen::Choose);
    // A window manager's close request is refused too.
    QVERIFY(!k.window->close());
    QVERIFY(k.window->isVisible());
    // Ordinary typing still reaches the question field.
    startVisitWithPicture(k);
    QTest::keyClicks(k.window->typedQuestion(), QStringLiteral("hi"));
    QCOMPARE(k.window->typedQuestion()->text(), QStringLiteral("hi"));
    const QKeyEvent plain(QEvent::KeyPress, Qt::Key_A, Qt::NoModifier);
    QVERIFY(!ui::KioskLockdown::isBlockedKey(&plain));
  }

  void contextMenusAndDropsAreSwallowed() {
    test::KioskConfigFiles files;
    test::Kiosk k(readConfig(files), scripted(std::make_shared<app::ReplyScript>()));
    struct MenuProbe : QWidget {
      int menus = 0;
      using QWidget::QWidget;
      void contextMenuEvent(QContextMenuEvent* e) override {
        ++menus;
        e->accept();
      }
    };
    auto* probe = new MenuProbe(k.window.get());
    probe->setGeometry(200, 200, 50, 50);
    probe->show();
    QContextMenuEvent menu(QContextMenuEvent::Mouse, QPoint(5, 5), probe->mapToGlobal(QPoint(5, 5)));
    QApplication::sendEvent(probe, &menu);
    QCOMPARE(probe->menus, 0);
    // The wheel does not zoom the picture.
    ui::ImageCanvas* canvas = k.window->canvas();
    canvas->setImage(test::FakeCamera::frame());
    const double zoom = canvas->zoom();
    const QPointF at = canvas->rect().center();
    QWheelEvent wheel(at, canvas->mapToGlobal(at), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::ControlModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(canvas, &wheel);
    QCOMPARE(canvas->zoom(), zoom);
    QVERIFY(!k.window->acceptDrops());
    QCOMPARE(k.window->answerView()->textInteractionFlags(), Qt::NoTextInteraction);  // no links, no drag-out
  }

  void leavingNeedsTheHiddenGestureAndThePin() {
    test::KioskConfigFiles files;
    test::Kiosk k(readConfig(files), scripted(std::make_shared<app::ReplyScript>()));
    QSignalSpy exits(k.window.get(), &ui::KioskWindow::exitRequested);
    const QPoint corner(20, 20);
    auto tapCorner = [&](int times, qint64 gapMs) {
      for (int i = 0; i < times; ++i) {
        tap(k.window.get(), corner);
        k.now += gapMs;
      }
    };
    tapCorner(4, 300);
    QVERIFY(k.window->screen() != Screen::Pin);
    k.now += 5000;
    tapCorner(5, 1000);  // too slow: 5 taps over more than 3 s
    QVERIFY(k.window->screen() != Screen::Pin);
    k.now += 5000;
    tapCorner(3, 200);
    tap(k.window->startButton());  // a tap elsewhere breaks the series
    tap(k.window.get(), corner);
    tap(k.window.get(), corner);
    QVERIFY(k.window->screen() != Screen::Pin);
    k.now += 5000;
    tapCorner(5, 200);
    QCOMPARE(k.window->screen(), Screen::Pin);
    ui::KioskPinPad* pad = k.window->pinPad();
    for (int d : {1, 2, 3, 4}) tap(pad->digitButton(d));
    tap(pad->okButton());
    QCOMPARE(exits.count(), 0);
    QCOMPARE(k.window->screen(), Screen::Pin);
    tap(pad->okButton());  // an empty PIN
    QCOMPARE(exits.count(), 0);
    tap(pad->cancelButton());
    QVERIFY(k.window->screen() != Screen::Pin);
    k.now += 5000;
    tapCorner(5, 100);
    QCOMPARE(k.window->screen(), Screen::Pin);
    // Five wrong PINs: even the right one is refused for a minute.
    for (int i = 0; i < 5; ++i) {
      for (int d = 0; d < 4; ++d) tap(pad->digitButton(9));
      tap(pad->okButton());
    }
    for (QChar c : test::kKioskPin) tap(pad->digitButton(c.digitValue()));
    tap(pad->okButton());
    QCOMPARE(exits.count(), 0);
    k.now += 61000;
    for (QChar c : test::kKioskPin) tap(pad->digitButton(c.digitValue()));
    tap(pad->okButton());
    QCOMPARE(exits.count(), 1);
    QVERIFY(k.window->close());  // the admin may close it now
  }

  void theIdleCountdownThenTheWipe() {
    test::KioskConfigFiles files;
    auto script = std::make_shared<app::ReplyScript>();
    auto log = std::make_shared<test::SessionLog>();
    test::Kiosk k(readConfig(files), test::recordingFactory(scripted(script), log));
    QVERIFY(k.waitForModel());
    QVERIFY(startVisitWithPicture(k));
    script->push(scripted(kReply.toStdString(), 0));
    tap(k.window->questionButtons().value(0));
    QVERIFY(QTest::qWaitFor([&] { return !k.studio->controller()->isBusy(); }, 10000));
    QCOMPARE(k.studio->conversation()->messages().size(), 2);
    QCOMPARE(k.window->overlay()->boxes().size(), 2);
    QApplication::clipboard()->setText(QStringLiteral("the visitor's secret"));
    k.window->typedQuestion()->setText(QStringLiteral("half a question"));
    k.studio->conversation()->setDraft(QStringLiteral("half a question"));

    // 59 s of nothing: still the visit; at 60 s the countdown; a touch keeps the visit.
    k.advance(59000);
    QVERIFY(!k.controller->isWarning());
    QVERIFY(!k.window->countdown()->isVisible());
    k.advance(1000);
    QVERIFY(k.controller->isWarning());
    QVERIFY(k.window->countdown()->isVisible());
    QCOMPARE(k.controller->secondsLeft(), 10);
    QVERIFY(k.window->countdown()
                ->findChild<QLabel*>(QStringLiteral("kioskCountdownTitle"))
                ->text()
                .contains(QStringLiteral("Still there?")));
    k.advance(4000);
    QCOMPARE(k.controller->secondsLeft(), 6);
    tap(k.window->countdown()->stayButton());
    QVERIFY(!k.controller->isWarning());
    QVERIFY(!k.window->countdown()->isVisible());
    QCOMPARE(k.studio->conversation()->messages().size(), 2);

    // Nothing again: the countdown runs out and the visit is gone.
    QSignalSpy resets(k.controller.get(), &app::KioskController::visitReset);
    k.advance(60000);
    QVERIFY(k.controller->isWarning());
    k.advance(10000);
    QCOMPARE(resets.count(), 1);
    QVERIFY(k.studio->conversation()->isEmpty());
    QVERIFY(k.studio->conversation()->draft().isEmpty());
    QVERIFY(k.window->typedQuestion()->text().isEmpty());
    QVERIFY(QApplication::clipboard()->text().isEmpty());
    QCOMPARE(k.window->screen(), Screen::Attract);
    QVERIFY(!k.window->countdown()->isVisible());
    QVERIFY(k.window->canvas()->image().isNull());
    QCOMPARE(k.controller->phase(), app::KioskController::Phase::Attract);
    // Nothing counts down on the attract screen.
    k.advance(600000);
    QCOMPARE(resets.count(), 1);

    // The next visitor's question reaches a session with no history and only their picture.
    QVERIFY(startVisitWithPicture(k, QStringLiteral("chelsea.png")));
    script->push(scripted(kReply.toStdString(), 0));
    tap(k.window->questionButtons().value(0));
    QVERIFY(QTest::qWaitFor([&] { return !k.studio->controller()->isBusy(); }, 10000));
    std::lock_guard<std::mutex> lock(log->mutex);
    QCOMPARE(log->historyAtGenerate, (std::vector<size_t>{0, 0}));
    QCOMPARE(log->pictures, size_t(1));
    const std::vector<std::string> queries = script->queries();
    QCOMPARE(queries.size(), size_t(2));
    QVERIFY2(QString::fromStdString(queries[1]).startsWith(QStringLiteral("Picture 1:<img>chelsea.png</img>")),
             queries[1].c_str());
  }

  void theAttractScreenCyclesItsSamples() {
    test::KioskConfigFiles files;
    const QJsonArray items{
        QJsonObject{{QStringLiteral("picture"), QStringLiteral("pictures/chelsea.png")},
                    {QStringLiteral("reply"), QStringLiteral("<ref>A cat</ref><box>(100,100),(600,900)</box>")}},
        QJsonObject{{QStringLiteral("picture"), QStringLiteral("pictures/astronaut.png")},
                    {QStringLiteral("reply"), QStringLiteral("<ref>A flag</ref><box>(0,0),(190,1000)</box>")}}};
    test::Kiosk k(readConfig(files, {{QStringLiteral("attract"), QJsonObject{{QStringLiteral("interval_seconds"), 2},
                                                                             {QStringLiteral("items"), items}}}}),
                  scripted(std::make_shared<app::ReplyScript>()));
    QCOMPARE(k.window->attractIndex(), 0);
    const QSize cat = k.window->attractImage().size();
    QTRY_COMPARE_WITH_TIMEOUT(k.window->attractIndex(), 1, 10000);
    QVERIFY(k.window->attractImage().size() != cat);
    QTRY_COMPARE_WITH_TIMEOUT(k.window->attractIndex(), 0, 10000);  // and round again
  }

  void startOverWipesAtOnce() {
    test::KioskConfigFiles files;
    auto script = std::make_shared<app::ReplyScript>();
    test::Kiosk k(readConfig(files), scripted(script));
    QVERIFY(k.waitForModel());
    QVERIFY(startVisitWithPicture(k));
    QVERIFY(k.window->startOverButton()->isVisible());
    tap(k.window->startOverButton());
    QVERIFY(k.studio->conversation()->isEmpty());
    QCOMPARE(k.window->screen(), Screen::Attract);
  }

  void aReplyInProgressIsCancelledByTheReset() {
    test::KioskConfigFiles files;
    auto script = std::make_shared<app::ReplyScript>();
    test::Kiosk k(readConfig(files), scripted(script));
    QVERIFY(k.waitForModel());
    QVERIFY(startVisitWithPicture(k));
    std::string longReply;
    for (int i = 0; i < 400; ++i) longReply += " word";
    script->push(scripted(longReply, 20));
    QSignalSpy finished(k.studio->controller()->client(), &app::InferenceClient::replyFinished);
    k.window->typedQuestion()->setText(QStringLiteral("Tell me everything"));
    tap(k.window->askButton());
    QVERIFY(QTest::qWaitFor(
        [&] {
          const app::Message* m = k.studio->conversation()->message(k.studio->conversation()->lastAssistantMessageId());
          return m && !m->text.isEmpty();
        },
        10000));
    QVERIFY(k.studio->controller()->isBusy());
    k.advance(60000);
    k.advance(10000);  // the countdown ran out during the reply
    // At once: nothing streams any more, nothing of the visit is shown or kept.
    QVERIFY(!k.studio->controller()->isBusy());
    QVERIFY(k.studio->conversation()->isEmpty());
    QCOMPARE(k.window->screen(), Screen::Attract);
    // The worker stopped its generation (within a token) and said it was cancelled.
    QVERIFY(finished.wait(10000) || finished.count() > 0);
    QCOMPARE(finished.count(), 1);
    QVERIFY(finished.at(0).at(3).toBool());
    QVERIFY(QString::fromUtf8(finished.at(0).at(1).toByteArray()).size() < int(longReply.size()));
    QVERIFY(k.studio->conversation()->isEmpty());  // its late words land nowhere
  }

  void theFakeCamerasFrameBecomesThePicture() {
    test::KioskConfigFiles files;
    auto script = std::make_shared<app::ReplyScript>();
    test::Kiosk k(readConfig(files), scripted(script));
    QVERIFY(k.waitForModel());
    tap(k.window->startButton());
    QVERIFY(k.window->isCameraOffered());
    QVERIFY(k.window->cameraTile()->isVisible());
    tap(k.window->cameraTile());
    QCOMPARE(k.window->screen(), Screen::Camera);
    QVERIFY(k.camera->isActive());
    tap(k.window->takePictureButton());
    QCOMPARE(k.window->screen(), Screen::Visit);
    QVERIFY(!k.camera->isActive());
    QVERIFY(QTest::qWaitFor([&] { return k.studio->conversation()->pictures().size() == 1; }, 10000));
    const app::PictureItem& p = k.studio->conversation()->pictures().first();
    const QImage frame = test::FakeCamera::frame();
    QCOMPARE(p.image.size(), frame.size());
    QCOMPARE(p.image.convertToFormat(QImage::Format_RGB888), frame);  // lossless, as the model sees it
    QVERIFY(p.bytes.startsWith("\x89PNG"));                           // decoded like a PNG file
    QVERIFY(p.sourcePath.isEmpty());                                  // no file behind it
    QCOMPARE(k.window->canvas()->image().convertToFormat(QImage::Format_RGB888), frame);
    script->push(scripted(kReply.toStdString(), 0));
    tap(k.window->questionButtons().value(0));
    QVERIFY(QTest::qWaitFor([&] { return !k.studio->controller()->isBusy(); }, 10000));
    QVERIFY(QString::fromStdString(script->queries().at(0)).startsWith(QStringLiteral("Picture 1:<img>")));
  }

  void withoutACameraTheOptionIsHidden() {
    test::KioskConfigFiles files;
    test::Kiosk k(readConfig(files), scripted(std::make_shared<app::ReplyScript>()), false);
    tap(k.window->startButton());
    QVERIFY(!k.window->isCameraOffered());
    QVERIFY(!k.window->cameraTile()->isVisible());
    QCOMPARE(k.window->pictureTiles().size(), 2);
  }

  void onlyTheConfiguredFolderCanBeChosen() {
    test::KioskConfigFiles files;
    test::Kiosk k(readConfig(files), scripted(std::make_shared<app::ReplyScript>()));
    QVERIFY(!k.controller->choosePicture(test::fixturePicture("coffee.png")));
    QVERIFY(!k.controller->choosePicture(files.pictures + QStringLiteral("/../kiosk.json")));
    QVERIFY(k.controller->choosePicture(files.pictures + QStringLiteral("/astronaut.png")));
  }

  void tappingABoxOrAPhraseLightsUpItsPartner() {
    test::KioskConfigFiles files;
    auto script = std::make_shared<app::ReplyScript>();
    test::Kiosk k(readConfig(files), scripted(script));
    QVERIFY(k.waitForModel());
    QVERIFY(startVisitWithPicture(k));
    script->push(scripted(kReply.toStdString(), 0));
    tap(k.window->questionButtons().value(0));
    QVERIFY(QTest::qWaitFor([&] { return !k.studio->controller()->isBusy(); }, 10000));
    QTest::qWait(50);
    // The flag's box (x 0..190 of 1000, the whole height) has only itself at its left edge.
    ui::ImageCanvas* canvas = k.window->canvas();
    const QSize size = canvas->imageSize();
    const QPoint inFlag = canvas->mapToView(QPointF(size.width() * 0.05, size.height() * 0.1)).toPoint();
    tap(canvas, inFlag);
    QCOMPARE(k.window->highlightedRef(), 1);
    QCOMPARE(k.window->overlay()->highlightedRef(), 1);
    // The phrase "The astronaut" is the first thing of the answer.
    ui::KioskAnswerView* answer = k.window->answerView();
    QVERIFY(answer->isVisible());
    const QPoint start = answer->cursorRect(QTextCursor(answer->document())).center() + QPoint(4, 0);
    QCOMPARE(answer->refAt(start), 0);
    tap(answer->viewport(), start);
    QCOMPARE(k.window->highlightedRef(), 0);
    QCOMPARE(k.window->overlay()->highlightedRef(), 0);
    QVERIFY(k.window->overlay()->boxes().value(0).highlighted);
  }

  void theLanguageSwitchIsOneTap() {
    test::KioskConfigFiles files;
    test::Kiosk k(readConfig(files), scripted(std::make_shared<app::ReplyScript>()));
    QCOMPARE(k.window->startButton()->text(), QStringLiteral("Touch to start"));
    QCOMPARE(k.window->languageButton()->text(), QStringLiteral("中文"));
    tap(k.window->languageButton());
    QCOMPARE(k.controller->language(), QStringLiteral("zh_CN"));
    QTRY_COMPARE(k.window->languageButton()->text(), QStringLiteral("English"));
    QVERIFY2(k.window->startButton()->text() != QStringLiteral("Touch to start"),
             qPrintable(k.window->startButton()->text()));
    QCOMPARE(k.window->findChild<QLabel*>(QStringLiteral("kioskTitle"))->text(), QStringLiteral("问问机器人"));
    QVERIFY(startVisitWithPicture(k));
    // Only the questions offered in Chinese.
    QCOMPARE(k.window->questionButtons().size(), 1);
    QCOMPARE(k.window->questionButtons()[0]->text(), QStringLiteral("这是什么？"));
    // The next visitor starts in the configured first language.
    k.controller->resetVisit();
    QCOMPARE(k.controller->language(), QStringLiteral("en"));
    QTRY_COMPARE(k.window->startButton()->text(), QStringLiteral("Touch to start"));
  }

  void everyVisibleControlIsAtLeast48PxHigh() {
    test::KioskConfigFiles files;
    auto script = std::make_shared<app::ReplyScript>();
    test::Kiosk k(readConfig(files), scripted(script));
    QVERIFY(k.waitForModel());
    auto check = [&](const char* where) {
      QApplication::processEvents();
      const QStringList small = smallControls(k.window.get());
      if (!small.isEmpty()) qWarning("%s: %s", where, qPrintable(small.join(QStringLiteral("; "))));
      return small.isEmpty();
    };
    for (const QString& lang : {QStringLiteral("en"), QStringLiteral("zh_CN")}) {
      k.controller->setLanguage(lang);
      QVERIFY(check("attract"));
      tap(k.window->startButton());
      QVERIFY(check("choose"));
      tap(k.window->cameraTile());
      QVERIFY(check("camera"));
      k.controller->resetVisit();
      k.controller->setLanguage(lang);
      QVERIFY(startVisitWithPicture(k));
      QVERIFY(check("visit"));
      script->push(scripted(kReply.toStdString(), 0));
      tap(k.window->questionButtons().value(0));
      QVERIFY(QTest::qWaitFor([&] { return !k.studio->controller()->isBusy(); }, 10000));
      QVERIFY(check("answer"));
      k.advance(60000);
      QVERIFY(k.window->countdown()->isVisible());
      QVERIFY(check("countdown"));
      k.advance(20000);
      k.now += 10000;
      for (int i = 0; i < 5; ++i) tap(k.window.get(), QPoint(10, 10));
      QCOMPARE(k.window->screen(), Screen::Pin);
      QVERIFY(check("pin"));
      tap(k.window->pinPad()->cancelButton());
    }
  }

  void nothingIsPersisted() {
    test::KioskConfigFiles files;
    test::Kiosk k(readConfig(files), scripted(std::make_shared<app::ReplyScript>()));
    QVERIFY(k.settings->isMemoryOnly());
    QVERIFY(k.settings->fileName().isEmpty());
    QCOMPARE(k.studio->autosaver(), nullptr);
    QCOMPARE(k.studio->library(), nullptr);
    k.controller->setLanguage(QStringLiteral("zh_CN"));
    QCOMPARE(k.settings->language(), QStringLiteral("zh_CN"));  // kept in memory
  }

  void aModelThatDoesNotLoadShowsTheErrorScreen() {
    test::KioskConfigFiles files;
    auto script = std::make_shared<app::ReplyScript>();
    script->set_load(0, "no model here");
    test::Kiosk k(readConfig(files), scripted(script));
    QTRY_COMPARE(k.window->screen(), Screen::Error);
    QVERIFY(!k.window->startButton()->isVisible());
  }

  void theCommandLineKnowsKioskMode() {
    const QString exe = QStringLiteral("qwenvl-studio");
    app::CommandLineOptions o = app::CommandLine::parse({exe, QStringLiteral("--kiosk")});
    QVERIFY(!o.exitNow);
    QVERIFY(o.kiosk);
    QVERIFY(o.kioskConfig.isEmpty());
    o = app::CommandLine::parse(
        {exe, QStringLiteral("--kiosk"), QStringLiteral("--kiosk-config"), QStringLiteral("/x.json")});
    QCOMPARE(o.kioskConfig, QStringLiteral("/x.json"));
    o = app::CommandLine::parse({exe, QStringLiteral("--kiosk-config"), QStringLiteral("/x.json")});
    QVERIFY(o.exitNow);
    QCOMPARE(o.exitCode, 2);
    o = app::CommandLine::parse({exe, QStringLiteral("--kiosk"), QStringLiteral("a.png")});
    QVERIFY(o.exitNow);
    QCOMPARE(o.exitCode, 2);
  }

  void theDesktopWindowsCameraDialogTakesTheFrame() {
    ui::CameraDialog dialog(std::make_unique<test::FakeCamera>(true));
    dialog.show();
    QVERIFY(dialog.takeButton()->isEnabled());
    dialog.takeButton()->click();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(dialog.frame(), test::FakeCamera::frame());
    ui::CameraDialog none(std::make_unique<test::FakeCamera>(false));
    QVERIFY(!none.takeButton()->isEnabled());
    // Into the conversation as the kiosk does it: PNG bytes through the file decoder.
    const app::ImportResult r = app::PictureImporter::importOne(app::cameraPicture(dialog.frame(), 1));
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.item.image.convertToFormat(QImage::Format_RGB888), test::FakeCamera::frame());
  }

  void theWatchdogDoesNothingOutsideSystemd() {
    qunsetenv("WATCHDOG_USEC");
    qunsetenv("NOTIFY_SOCKET");
    app::SystemdWatchdog watchdog;
    const QString line = watchdog.start();
    QVERIFY(!watchdog.isFeeding());
    QVERIFY(line.contains(QStringLiteral("not")));
  }
};

QTEST_MAIN(TestKiosk)
#include "tst_kiosk.moc"
