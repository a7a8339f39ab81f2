// RemoteChatBackend: the conversation as OpenAI chat-completions requests; see the header.
#include "app/remote_chat_backend.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QRegularExpression>
#include <QThread>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace qwenvl::app {

namespace {

using Clock = std::chrono::steady_clock;

std::string s(const QString& q) { return q.toStdString(); }

// One HTTP exchange, filled on the network thread, read on the worker thread.
struct Exchange {
  std::mutex m;
  std::condition_variable cv;
  QByteArray data;
  int status = 0;
  bool finished = false;
  QNetworkReply::NetworkError error = QNetworkReply::NoError;
  QString errorString;
  QPointer<QNetworkReply> reply;  // network thread only
};

// The error of an exchange, in words, or an empty string.
QString describe(const Exchange& ex, const QString& url, bool aborted, int timeoutMs) {
  if (ex.status >= 400) {
    const QJsonObject err = QJsonDocument::fromJson(ex.data).object().value(QStringLiteral("error")).toObject();
    const QString message = err.value(QStringLiteral("message")).toString();
    if (ex.status == 401)
      return QCoreApplication::translate("RemoteChatBackend", "The server refused the API key: %1").arg(message);
    return QCoreApplication::translate("RemoteChatBackend", "The server refused the request (HTTP %1): %2")
        .arg(ex.status)
        .arg(message.isEmpty() ? QString::fromUtf8(ex.data.left(300)) : message);
  }
  switch (ex.error) {
    case QNetworkReply::NoError:
      return {};
    case QNetworkReply::ConnectionRefusedError:
      return QCoreApplication::translate(
                 "RemoteChatBackend",
                 "Could not connect to the server at %1: the connection was refused. Is the server running?")
          .arg(url);
    case QNetworkReply::HostNotFoundError:
      return QCoreApplication::translate("RemoteChatBackend", "The server name in %1 was not found.").arg(url);
    case QNetworkReply::TimeoutError:
      return QCoreApplication::translate("RemoteChatBackend", "The server at %1 did not answer in time.").arg(url);
    case QNetworkReply::OperationCanceledError:
      if (!aborted)
        return QCoreApplication::translate("RemoteChatBackend", "The server at %1 sent nothing for %2 s.")
            .arg(url)
            .arg(timeoutMs / 1000);
      return {};
    default:
      return QCoreApplication::translate("RemoteChatBackend", "The server at %1 could not be reached: %2")
          .arg(url, ex.errorString);
  }
}

// The app's query ("Picture 1:<img>LABEL</img>\ntext") back into content parts.
bool strip_picture_prefix(std::string& text) {
  static const QRegularExpression prefix(QStringLiteral("Picture \\d+:$"));
  QString q = QString::fromStdString(text);
  const auto m = prefix.match(q);
  if (!m.hasMatch()) return false;
  q.chop(m.capturedLength());
  text = q.toStdString();
  return true;
}

}  // namespace

struct RemoteChatBackend::Impl {
  RemoteServer server;
  QString model;  // the model asked for (server.model, or the first listed)
  std::string system = ChatSession::kDefaultSystemPrompt;
  struct Entry {
    PictureInfo info;
    std::shared_ptr<const Picture> picture;
    QString dataUrl;  // made when first sent
  };
  std::vector<Entry> pictures;
  PictureLabels labels;
  PictureId nextId = 1;
  std::vector<Turn> history;
  std::string warning;
  bool loaded = false;

  QThread thread;
  QObject* ctx = nullptr;  // lives on `thread`, parent of the network manager
  QNetworkAccessManager* nam = nullptr;

  explicit Impl(RemoteServer s) : server(std::move(s)) {
    thread.setObjectName(QStringLiteral("qwenvl-remote"));
    ctx = new QObject;
    ctx->moveToThread(&thread);
    thread.start();
  }
  ~Impl() {
    QMetaObject::invokeMethod(
        ctx, [c = ctx] { delete c; }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
  }

  QString base() const {
    QString b = server.url.trimmed();
    while (b.endsWith(QLatin1Char('/'))) b.chop(1);
    if (!b.endsWith(QStringLiteral("/v1"))) b += QStringLiteral("/v1");
    return b;
  }

  std::shared_ptr<Exchange> send(const QString& path, const QByteArray& body, bool post) {
    auto ex = std::make_shared<Exchange>();
    const QUrl url(base() + path);
    const QString key = server.apiKey;
    const int timeout = server.timeoutMs;
    QMetaObject::invokeMethod(ctx, [this, ex, url, key, timeout, body, post] {
      if (!nam) nam = new QNetworkAccessManager(ctx);
      QNetworkRequest req(url);
      req.setTransferTimeout(timeout);
      req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
      if (!key.isEmpty()) req.setRawHeader("Authorization", "Bearer " + key.toUtf8());
      QNetworkReply* reply = post ? nam->post(req, body) : nam->get(req);
      ex->reply = reply;
      QObject::connect(reply, &QNetworkReply::metaDataChanged, reply, [ex, reply] {
        std::lock_guard<std::mutex> lock(ex->m);
        ex->status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
      });
      QObject::connect(reply, &QNetworkReply::readyRead, reply, [ex, reply] {
        const QByteArray got = reply->readAll();
        std::lock_guard<std::mutex> lock(ex->m);
        ex->data += got;
        ex->cv.notify_all();
      });
      QObject::connect(reply, &QNetworkReply::finished, reply, [ex, reply] {
        const QByteArray rest = reply->readAll();
        std::lock_guard<std::mutex> lock(ex->m);
        ex->data += rest;
        ex->status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        ex->error = reply->error();
        ex->errorString = reply->errorString();
        ex->finished = true;
        ex->cv.notify_all();
        reply->deleteLater();
      });
    });
    return ex;
  }

  void abort(const std::shared_ptr<Exchange>& ex) {
    QMetaObject::invokeMethod(ctx, [ex] {
      if (ex->reply) ex->reply->abort();
    });
  }

  // Waits for the exchange; `on_data` gets each new block; the cancel flag aborts it.
  bool wait(const std::shared_ptr<Exchange>& ex, const std::function<bool()>& cancelled,
            const std::function<void(const QByteArray&, int status)>& on_data) {
    bool aborted = false;
    for (;;) {
      QByteArray got;
      bool finished = false;
      int status = 0;
      {
        std::unique_lock<std::mutex> lock(ex->m);
        ex->cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return ex->finished || !ex->data.isEmpty(); });
        got.swap(ex->data);
        finished = ex->finished;
        status = ex->status;
      }
      if (!got.isEmpty() && on_data) on_data(got, status);
      if (finished) return aborted;
      if (!aborted && cancelled && cancelled()) {
        abort(ex);
        aborted = true;
      }
    }
  }

  Result<QString> dataUrl(Entry& e) {
    if (e.dataUrl.isEmpty()) {
      const Picture& p = *e.picture;
      const QImage image(p.rgb.data(), p.width, p.height, p.width * 3, QImage::Format_RGB888);
      QByteArray png;
      QBuffer buffer(&png);
      buffer.open(QIODevice::WriteOnly);
      // Lossless: the server decodes exactly the pixels shown here.
      if (!image.save(&buffer, "PNG", 50))
        return Result<QString>::error(
            s(QCoreApplication::translate("RemoteChatBackend", "The picture “%1” could not be encoded for the server.")
                  .arg(QString::fromStdString(e.info.label))));
      e.dataUrl = QStringLiteral("data:image/png;base64,") + QString::fromLatin1(png.toBase64());
    }
    return e.dataUrl;
  }

  Result<QJsonArray> content(const std::string& query) {
    QJsonArray parts;
    auto text = [&](std::string t) {
      if (!t.empty())
        parts.append(QJsonObject{{QStringLiteral("type"), QStringLiteral("text")},
                                 {QStringLiteral("text"), QString::fromStdString(t)}});
    };
    size_t pos = 0;
    for (;;) {
      const size_t b = query.find("<img>", pos);
      const size_t e = b == std::string::npos ? b : query.find("</img>", b);
      if (e == std::string::npos) break;
      std::string before = query.substr(pos, b - pos);
      strip_picture_prefix(before);
      text(std::move(before));
      const std::string label = query.substr(b + 5, e - b - 5);
      Entry* entry = nullptr;
      for (Entry& x : pictures)
        if (x.info.label == label) entry = &x;
      if (!entry)
        return Result<QJsonArray>::error(
            s(QCoreApplication::translate("RemoteChatBackend",
                                          "The question names a picture “%1” that is not part of this conversation.")
                  .arg(QString::fromStdString(label))));
      auto url = dataUrl(*entry);
      if (!url) return url.status();
      parts.append(QJsonObject{{QStringLiteral("type"), QStringLiteral("image_url")},
                               {QStringLiteral("image_url"), QJsonObject{{QStringLiteral("url"), *url}}}});
      pos = e + 6;
      if (pos < query.size() && query[pos] == '\n') ++pos;
    }
    text(query.substr(pos));
    return parts;
  }
};

RemoteChatBackend::RemoteChatBackend(RemoteServer server) : impl_(std::make_unique<Impl>(std::move(server))) {}
RemoteChatBackend::~RemoteChatBackend() = default;

Status RemoteChatBackend::load(const LoadOptions& options) {
  impl_->loaded = false;
  if (impl_->server.url.trimmed().isEmpty())
    return Status::error(s(QCoreApplication::translate("RemoteChatBackend", "No server address is set.")));
  const QUrl url(impl_->base());
  if (!url.isValid() || (url.scheme() != QStringLiteral("http") && url.scheme() != QStringLiteral("https")))
    return Status::error(
        s(QCoreApplication::translate("RemoteChatBackend", "“%1” is not a server address (http://host:port).")
              .arg(impl_->server.url)));
  auto ex = impl_->send(QStringLiteral("/models"), {}, false);
  QByteArray body;
  const std::string stage = s(QCoreApplication::translate("RemoteChatBackend", "asking the server"));
  // The window's Cancel reaches a load through its progress callback.
  const bool aborted = impl_->wait(
      ex,
      [&] {
        return options.on_progress && !options.on_progress({0.5, stage});
      },
      [&](const QByteArray& d, int) { body += d; });
  if (aborted) return Status::error("cancelled");
  ex->data = body;
  if (const QString why = describe(*ex, impl_->server.url, aborted, impl_->server.timeoutMs); !why.isEmpty())
    return Status::error(s(why));
  const QJsonArray models = QJsonDocument::fromJson(body).object().value(QStringLiteral("data")).toArray();
  QStringList ids;
  for (const QJsonValue& m : models) ids << m.toObject().value(QStringLiteral("id")).toString();
  if (ids.isEmpty())
    return Status::error(
        s(QCoreApplication::translate("RemoteChatBackend",
                                      "The server at %1 lists no models; is it an OpenAI-compatible server?")
              .arg(impl_->server.url)));
  if (!impl_->server.model.isEmpty() && !ids.contains(impl_->server.model))
    return Status::error(
        s(QCoreApplication::translate("RemoteChatBackend", "The server at %1 does not serve “%2”; it serves: %3")
              .arg(impl_->server.url, impl_->server.model, ids.join(QStringLiteral(", ")))));
  impl_->model = impl_->server.model.isEmpty() ? ids.first() : impl_->server.model;
  impl_->loaded = true;
  return Status();
}

std::string RemoteChatBackend::device_description() const {
  if (!impl_->loaded) return {};
  return s(QCoreApplication::translate("RemoteChatBackend", "Server %1 (%2)").arg(impl_->server.url, impl_->model));
}

void RemoteChatBackend::set_system_prompt(std::string prompt) { impl_->system = std::move(prompt); }

Result<PictureInfo> RemoteChatBackend::add_picture(std::shared_ptr<const Picture> picture, std::string_view label) {
  if (!picture || picture->width <= 0 || picture->height <= 0 ||
      picture->rgb.size() != size_t(picture->width) * size_t(picture->height) * 3)
    return Result<PictureInfo>::error("picture: pixel data does not match its size");
  Impl::Entry e;
  e.info.id = impl_->nextId++;
  e.info.label = impl_->labels.assign(label.empty() ? std::string_view(picture->label) : label);
  e.info.width = picture->width;
  e.info.height = picture->height;
  e.picture = std::move(picture);
  impl_->pictures.push_back(std::move(e));
  return impl_->pictures.back().info;
}

const PictureInfo* RemoteChatBackend::picture(PictureId id) const {
  for (const Impl::Entry& e : impl_->pictures)
    if (e.info.id == id) return &e.info;
  return nullptr;
}

const std::vector<Turn>& RemoteChatBackend::history() const { return impl_->history; }
void RemoteChatBackend::set_history(std::vector<Turn> history) { impl_->history = std::move(history); }

Result<Turn> RemoteChatBackend::pop_last_turn() {
  if (impl_->history.empty()) return Result<Turn>::error("there is no earlier exchange to take back");
  Turn t = std::move(impl_->history.back());
  impl_->history.pop_back();
  return t;
}

void RemoteChatBackend::clear() {
  impl_->history.clear();
  impl_->pictures.clear();
  impl_->labels.clear();
}

std::string RemoteChatBackend::take_warning() { return std::exchange(impl_->warning, {}); }

Result<std::string> RemoteChatBackend::generate(const std::string& query, const SamplingParams& params,
                                                const TextFn& on_text, const std::atomic<bool>* cancel,
                                                GenerationStats* stats_out) {
  using R = Result<std::string>;
  if (!impl_->loaded)
    return R::error(s(QCoreApplication::translate("RemoteChatBackend", "Not connected to a server.")));
  QJsonArray messages;
  if (!impl_->system.empty())
    messages.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("system")},
                                {QStringLiteral("content"), QString::fromStdString(impl_->system)}});
  auto user = [&](const std::string& q) -> Status {
    auto parts = impl_->content(q);
    if (!parts) return parts.status();
    messages.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), *parts}});
    return Status();
  };
  for (const Turn& t : impl_->history) {
    QWENVL_TRY(user(t.query));
    messages.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")},
                                {QStringLiteral("content"), QString::fromStdString(t.response)}});
  }
  QWENVL_TRY(user(query));
  QJsonObject body{{QStringLiteral("model"), impl_->model},
                   {QStringLiteral("messages"), messages},
                   {QStringLiteral("stream"), true},
                   {QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}}},
                   {QStringLiteral("max_tokens"), params.max_new_tokens},
                   {QStringLiteral("temperature"), params.do_sample ? double(params.temperature) : 0.0},
                   {QStringLiteral("top_p"), double(params.top_p)},
                   {QStringLiteral("top_k"), params.top_k},
                   {QStringLiteral("seed"), static_cast<qint64>(params.seed & 0x7FFFFFFFFFFFFFFFull)},
                   // vLLM: keep <ref>/<box> (special tokens in Qwen-VL's vocabulary) in the text.
                   {QStringLiteral("skip_special_tokens"), false}};
  if (params.repetition_penalty != 1.0f) body[QStringLiteral("repetition_penalty")] = double(params.repetition_penalty);

  GenerationStats stats;
  const auto t0 = Clock::now();
  Clock::time_point tFirst{}, tLast{};
  std::string reply, finish, streamError;
  QByteArray pending, errorBody;
  bool done = false;
  auto handleEvent = [&](const QByteArray& event) {
    for (QByteArray line : event.split('\n')) {
      if (line.endsWith('\r')) line.chop(1);
      if (!line.startsWith("data:")) continue;
      QByteArray data = line.mid(5).trimmed();
      if (data == "[DONE]") {
        done = true;
        continue;
      }
      const QJsonObject obj = QJsonDocument::fromJson(data).object();
      if (obj.contains(QStringLiteral("error"))) {
        streamError = s(obj.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString());
        continue;
      }
      for (const QJsonValue& c : obj.value(QStringLiteral("choices")).toArray()) {
        const QJsonObject choice = c.toObject();
        const std::string piece =
            s(choice.value(QStringLiteral("delta")).toObject().value(QStringLiteral("content")).toString());
        if (!piece.empty()) {
          const auto now = Clock::now();
          if (reply.empty()) tFirst = now;
          tLast = now;
          reply += piece;
          if (on_text) on_text(piece);
        }
        const QJsonValue fr = choice.value(QStringLiteral("finish_reason"));
        if (fr.isString()) finish = s(fr.toString());
      }
      const QJsonObject usage = obj.value(QStringLiteral("usage")).toObject();
      if (!usage.isEmpty()) {
        stats.prompt_tokens = usage.value(QStringLiteral("prompt_tokens")).toInt();
        stats.generated_tokens = usage.value(QStringLiteral("completion_tokens")).toInt();
        stats.cached_tokens = usage.value(QStringLiteral("prompt_tokens_details"))
                                  .toObject()
                                  .value(QStringLiteral("cached_tokens"))
                                  .toInt();
      }
    }
  };
  auto ex = impl_->send(QStringLiteral("/chat/completions"), QJsonDocument(body).toJson(QJsonDocument::Compact), true);
  const bool aborted = impl_->wait(
      ex, [cancel] { return cancel && cancel->load(); },
      [&](const QByteArray& d, int status) {
        if (status != 200) {
          errorBody += d;
          return;
        }
        pending += d;
        pending.replace("\r\n", "\n");
        for (qsizetype at; (at = pending.indexOf("\n\n")) >= 0;) {
          handleEvent(pending.left(at));
          pending.remove(0, at + 2);
        }
      });
  ex->data = errorBody;
  if (!aborted) {
    if (const QString why = describe(*ex, impl_->server.url, aborted, impl_->server.timeoutMs); !why.isEmpty())
      return R::error(s(why));
    if (!streamError.empty())
      return R::error(s(QCoreApplication::translate("RemoteChatBackend", "The server could not answer: %1")
                            .arg(QString::fromStdString(streamError))));
    if (!done)
      return R::error(s(QCoreApplication::translate("RemoteChatBackend", "The server at %1 ended the answer early.")
                            .arg(impl_->server.url)));
  }
  stats.prompt_seconds = std::chrono::duration<double>((reply.empty() ? Clock::now() : tFirst) - t0).count();
  stats.generation_seconds = reply.empty() ? 0 : std::chrono::duration<double>(tLast - tFirst).count();
  stats.stop_reason = aborted              ? StopReason::Cancelled
                      : finish == "length" ? StopReason::MaxTokens
                                           : StopReason::EndOfText;
  if (!aborted) {
    // A server that drops special tokens leaves "(x1,y1),(x2,y2)" without its <box> tags.
    static const QRegularExpression bare(QStringLiteral("\\(\\d{1,4},\\d{1,4}\\),\\(\\d{1,4},\\d{1,4}\\)"));
    const QString text = QString::fromStdString(reply);
    if (!text.contains(QStringLiteral("<box>")) && bare.match(text).hasMatch())
      impl_->warning = s(QCoreApplication::translate(
                             "RemoteChatBackend",
                             "The server at %1 removed the box markup from the answer, so no boxes can be shown. "
                             "With vLLM, serve Qwen-VL-Chat with a ChatML chat template; this app asks for "
                             "\"skip_special_tokens\": false.")
                             .arg(impl_->server.url));
  }
  impl_->history.push_back({query, reply});
  if (stats_out) *stats_out = stats;
  return reply;
}

BackendFactory remoteBackendFactory(const RemoteServer& server) {
  return [server] { return std::unique_ptr<ChatBackend>(new RemoteChatBackend(server)); };
}

}  // namespace qwenvl::app
