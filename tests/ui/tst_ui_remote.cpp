// The app as a client of an OpenAI-compatible server. Against a real qwenvl-server (tiny
// checkpoint, CPU, started here on a free port) the window's answer to a picture is the local
// engine's answer, word for word. Against a scripted server on the loopback interface (playing
// vLLM) the box markup streamed in small pieces draws its boxes on the picture while the answer
// arrives, exactly as with the local engine; the request carries the picture's exact pixels and
// asks to keep special tokens; stripped markup, a refused connection, an unknown model and a
// server that stays silent are reported in words.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include "app/chat_controller.h"
#include "app/conversation.h"
#include "app/engine_bridge.h"
#include "app/remote_chat_backend.h"
#include "support/test_env.h"
#include "ui/grounding_overlay.h"
#include "ui/image_canvas.h"
#include "ui/picture_pane.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {

const QString kQuestion = QStringLiteral("What is in the picture?");
const QByteArray kReply =
    "<ref>the rocket</ref><box>(425,47),(574,885)</box> stands on the pad, and "
    "<ref>two towers</ref><box>(100,100),(250,900)</box><box>(700,120),(820,880)</box> flank it.";

QString tinyCheckpoint() { return QString::fromStdString(test::checkpoint_dir("tiny")); }

// qwenvl-server on a free port of 127.0.0.1, stopped with SIGTERM (it must exit 0).
struct ServerProcess {
  QProcess proc;
  int port = 0;
  explicit ServerProcess(const QStringList& extra = {}) {
    proc.setProcessChannelMode(QProcess::SeparateChannels);
    proc.start(QStringLiteral(QWENVL_SERVER_BIN),
               QStringList{QStringLiteral("--model"), tinyCheckpoint(), QStringLiteral("--port"), QStringLiteral("0"),
                           QStringLiteral("--threads"), QStringLiteral("2")} +
                   extra);
    static const QRegularExpression serving(QStringLiteral("on http://127\\.0\\.0\\.1:(\\d+)"));
    QByteArray err;
    // The callers check `port` (0: the server never said where it serves).
    const bool settled = QTest::qWaitFor(
        [&] {
          err += proc.readAllStandardError();
          const auto m = serving.match(QString::fromUtf8(err));
          if (m.hasMatch()) port = m.captured(1).toInt();
          return port != 0 || proc.state() == QProcess::NotRunning;
        },
        120000);
    Q_UNUSED(settled);
  }
  QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(port); }
  int stop() {
    proc.terminate();
    proc.waitForFinished(60000);
    return proc.exitStatus() == QProcess::NormalExit ? proc.exitCode() : -1;
  }
};

// A scripted OpenAI-compatible server: lists one model and answers every chat request with
// `reply`, streamed in pieces of `piece` bytes. Keeps the last request body.
class ScriptedServer : public QObject {
 public:
  QByteArray reply = kReply;
  int piece = 5;
  QJsonObject lastRequest;
  QTcpServer server;

  ScriptedServer() {
    server.listen(QHostAddress::LocalHost, 0);
    connect(&server, &QTcpServer::newConnection, this, [this] {
      while (QTcpSocket* s = server.nextPendingConnection()) {
        auto buffer = std::make_shared<QByteArray>();
        connect(s, &QTcpSocket::readyRead, s, [this, s, buffer] {
          *buffer += s->readAll();
          const qsizetype end = buffer->indexOf("\r\n\r\n");
          if (end < 0) return;
          static const QRegularExpression length(QStringLiteral("(?i)content-length:\\s*(\\d+)"));
          const auto m = length.match(QString::fromLatin1(buffer->left(end)));
          const qsizetype need = m.hasMatch() ? m.captured(1).toLongLong() : 0;
          if (buffer->size() < end + 4 + need) return;
          respond(s, buffer->left(end), buffer->mid(end + 4, need));
          buffer->clear();
        });
      }
    });
  }
  QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()); }

 private:
  void respond(QTcpSocket* s, const QByteArray& head, const QByteArray& body) {
    if (head.startsWith("GET /v1/models")) {
      const QByteArray json = R"({"object":"list","data":[{"id":"Qwen/Qwen-VL-Chat-Int4","object":"model"}]})";
      s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
               QByteArray::number(json.size()) + "\r\n\r\n" + json);
      s->disconnectFromHost();
      return;
    }
    lastRequest = QJsonDocument::fromJson(body).object();
    s->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
    auto pos = std::make_shared<qsizetype>(0);
    auto* timer = new QTimer(s);
    connect(timer, &QTimer::timeout, s, [this, s, pos, timer] {
      if (*pos < reply.size()) {
        const QByteArray text = reply.mid(*pos, piece);
        *pos += piece;
        QJsonObject delta{{QStringLiteral("content"), QString::fromUtf8(text)}};
        QJsonObject choice{{QStringLiteral("index"), 0}, {QStringLiteral("delta"), delta}};
        QJsonObject chunk{{QStringLiteral("choices"), QJsonArray{choice}}};
        s->write("data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact) + "\n\n");
        return;
      }
      timer->stop();
      s->write(R"(data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
               "\n\n");
      s->write("data: [DONE]\n\n");
      s->disconnectFromHost();
    });
    timer->start(10);
  }
};

void useServer(app::AppSettings* settings, const QString& url, const QString& model = {}) {
  app::RemoteServer server;
  server.url = url;
  server.model = model;
  settings->setServer(server);
}

void useGreedy(app::AppSettings* settings, int maxNew) {
  app::SamplingSettings s = settings->sampling();
  s.greedy = true;
  s.maxNewTokens = maxNew;
  settings->setSampling(s);
}

// Asks kQuestion about astronaut.png and returns the reply as the conversation keeps it.
QString askAboutTheAstronaut(test::ScriptedWindow& w) {
  test::dropFiles(w.window.get(), {test::fixturePicture("astronaut.png")});
  if (!test::waitForPictures(w.window.get(), 1)) return QStringLiteral("(no picture)");
  test::ask(w.window.get(), kQuestion);
  if (!test::waitForReply(w.window.get(), 120000)) return QStringLiteral("(no reply)");
  const auto& messages = w.window->controller()->conversation()->messages();
  return messages.size() == 2 && messages[1].state == app::ReplyState::Done ? messages[1].text
                                                                            : QStringLiteral("(failed)");
}

}  // namespace

class TestUiRemote : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void aQwenvlServerAnswersAsTheLocalEngine() {
    ServerProcess server;
    QVERIFY2(server.port > 0, "qwenvl-server did not start");
    QString remote;
    {
      test::ScriptedWindow w(false, false, app::engineBackendFactory());
      useGreedy(w.settings.get(), 16);
      useServer(w.settings.get(), server.url());
      w.window->loadModel(QString());
      QVERIFY(w.waitForModel(60000));
      QVERIFY2(w.window->controller()->device().contains(server.url()), qPrintable(w.window->controller()->device()));
      remote = askAboutTheAstronaut(w);
      const app::Message& reply = w.window->controller()->conversation()->messages().at(1);
      QVERIFY(reply.stats.valid);
      QVERIFY2(reply.stats.promptTokens > 256, qPrintable(QString::number(reply.stats.promptTokens)));
      QCOMPARE(reply.stats.generatedTokens, 16);
    }
    QString local;
    {
      test::ScriptedWindow w(false, false, app::engineBackendFactory());
      useGreedy(w.settings.get(), 16);
      w.window->loadModel(tinyCheckpoint());
      QVERIFY(w.waitForModel(120000));
      local = askAboutTheAstronaut(w);
    }
    QVERIFY(!local.startsWith(QLatin1Char('(')));
    QCOMPARE(remote, local);
    QCOMPARE(server.stop(), 0);
  }

  void boxesStreamedByAServerAppearOnThePicture() {
    ScriptedServer server;
    test::ScriptedWindow w(false);
    useServer(w.settings.get(), server.url());
    w.window->loadModel(QString());
    QVERIFY(w.waitForModel(30000));
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    test::ask(w.window.get(), QStringLiteral("Where is the rocket?"));
    ui::GroundingOverlay* overlay = w.window->picturePane()->overlay();
    // The first box shows while the answer is still arriving.
    QTRY_VERIFY_WITH_TIMEOUT(overlay->boxes().size() >= 1, 10000);
    QVERIFY(w.window->controller()->isBusy());
    QCOMPARE(overlay->boxes().front().label, QStringLiteral("the rocket"));
    QVERIFY(test::waitForReply(w.window.get(), 10000));
    QCOMPARE(overlay->boxes().size(), 3);
    QCOMPARE(w.window->picturePane()->canvas()->imageSize(), QSize(640, 427));
    const app::Message& reply = w.window->controller()->conversation()->messages().at(1);
    QCOMPARE(reply.state, app::ReplyState::Done);
    QCOMPARE(reply.text.toUtf8(), kReply);

    // The request: the model the server lists, special tokens kept, the question after the
    // picture, which travels as a PNG of exactly the pixels the app decoded.
    const QJsonObject& req = server.lastRequest;
    QCOMPARE(req.value(QStringLiteral("model")).toString(), QStringLiteral("Qwen/Qwen-VL-Chat-Int4"));
    QCOMPARE(req.value(QStringLiteral("skip_special_tokens")).toBool(true), false);
    QCOMPARE(req.value(QStringLiteral("stream")).toBool(), true);
    const QJsonArray messages = req.value(QStringLiteral("messages")).toArray();
    QCOMPARE(messages.last().toObject().value(QStringLiteral("role")).toString(), QStringLiteral("user"));
    const QJsonArray parts = messages.last().toObject().value(QStringLiteral("content")).toArray();
    QCOMPARE(parts.size(), 2);
    QCOMPARE(parts[1].toObject().value(QStringLiteral("text")).toString(), QStringLiteral("Where is the rocket?"));
    const QString url =
        parts[0].toObject().value(QStringLiteral("image_url")).toObject().value(QStringLiteral("url")).toString();
    QVERIFY(url.startsWith(QStringLiteral("data:image/png;base64,")));
    const QByteArray png = QByteArray::fromBase64(url.mid(url.indexOf(QLatin1Char(',')) + 1).toLatin1());
    QFile original(test::fixturePicture("rocket.jpg"));
    QVERIFY(original.open(QIODevice::ReadOnly));
    auto sent = app::decodePicture(png, QStringLiteral("sent"));
    auto shown = app::decodePicture(original.readAll(), QStringLiteral("shown"));
    QVERIFY(sent.ok() && shown.ok());
    QCOMPARE(sent->width, shown->width);
    QVERIFY(sent->rgb == shown->rgb);
  }

  void aServerThatStripsTheMarkupIsReported() {
    ScriptedServer server;
    server.reply = "the rocket(425,47),(574,885) stands on the pad";
    test::ScriptedWindow w(false);
    useServer(w.settings.get(), server.url());
    w.window->loadModel(QString());
    QVERIFY(w.waitForModel(30000));
    QSignalSpy errors(w.window->controller(), &app::ChatController::errorOccurred);
    test::ask(w.window.get(), QStringLiteral("Where is the rocket?"));
    QVERIFY(test::waitForReply(w.window.get(), 10000));
    QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, 5000);
    QVERIFY2(errors.at(0).at(0).toString().contains(QStringLiteral("removed the box markup")),
             qPrintable(errors.at(0).at(0).toString()));
  }

  void aRefusedConnectionAndAnUnknownModelAreReported() {
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const QString url = QStringLiteral("http://127.0.0.1:%1").arg(closed.serverPort());
    closed.close();
    {
      test::ScriptedWindow w(false);
      useServer(w.settings.get(), url);
      w.window->loadModel(QString());
      QTRY_COMPARE_WITH_TIMEOUT(w.window->controller()->modelState(), app::ModelState::Failed, 30000);
      const QString shown = w.window->controller()->modelError();
      QVERIFY2(shown.contains(QStringLiteral("refused")) && shown.contains(url), qPrintable(shown));
    }
    ScriptedServer server;
    test::ScriptedWindow w(false);
    useServer(w.settings.get(), server.url(), QStringLiteral("no-such-model"));
    w.window->loadModel(QString());
    QTRY_COMPARE_WITH_TIMEOUT(w.window->controller()->modelState(), app::ModelState::Failed, 30000);
    const QString shown = w.window->controller()->modelError();
    QVERIFY2(
        shown.contains(QStringLiteral("no-such-model")) && shown.contains(QStringLiteral("Qwen/Qwen-VL-Chat-Int4")),
        qPrintable(shown));
  }

  void aSilentServerTimesOut() {
    QTcpServer silent;  // accepts (the kernel does) and never answers
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    app::RemoteServer server;
    server.url = QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort());
    server.timeoutMs = 1000;
    app::RemoteChatBackend backend(server);
    const Status s = backend.load(LoadOptions{});
    QVERIFY(!s.ok());
    QVERIFY2(QString::fromStdString(s.message()).contains(QStringLiteral("sent nothing for 1 s")), s.message().c_str());
  }
};

QTEST_MAIN(TestUiRemote)
#include "tst_ui_remote.moc"
