// The inference thread's side; see inference_worker.h.
#include "app/inference_worker.h"

#include <QElapsedTimer>
#include <exception>
#include <new>
#include <optional>
#include <string>

#include "app/chat_query.h"
#include "app/engine_text.h"

namespace qwenvl::app {

namespace {

ReplyStats toReplyStats(const GenerationStats& s) {
  ReplyStats r;
  r.valid = true;
  r.promptTokens = s.prompt_tokens;
  r.promptSeconds = s.prompt_seconds;
  r.imagesEncoded = s.images_encoded;
  r.generatedTokens = s.generated_tokens;
  r.generationSeconds = s.generation_seconds;
  r.tokensPerSecond = s.tokens_per_second();
  r.hitMaxTokens = s.stop_reason == StopReason::MaxTokens;
  r.contextFull = s.stop_reason == StopReason::ContextFull;
  return r;
}

// Collects streamed pieces and hands them on at most once per interval; the engine's callback
// runs on this thread while its event loop is busy, so a timer could not do this.
class TextBatcher {
 public:
  TextBatcher(int intervalMs, std::function<void(const QByteArray&)> emitFn)
      : m_interval(intervalMs), m_emit(std::move(emitFn)) {}
  void add(std::string_view piece) {
    m_pending.append(piece.data(), static_cast<qsizetype>(piece.size()));
    if (!m_clock.isValid() || m_clock.elapsed() >= m_interval) flush();
  }
  void flush() {
    if (m_pending.isEmpty()) return;
    m_emit(m_pending);
    m_pending.clear();
    m_clock.start();
  }

 private:
  int m_interval;
  std::function<void(const QByteArray&)> m_emit;
  QByteArray m_pending;  // UTF-8, whole characters (the engine sends complete pieces)
  QElapsedTimer m_clock;
};

}  // namespace

InferenceWorker::InferenceWorker(BackendFactory factory) : m_factory(std::move(factory)) {}

InferenceWorker::~InferenceWorker() = default;

template <class Work, class Report>
void InferenceWorker::guarded(Work&& work, Report&& report) {
  try {
    work();
  } catch (...) {
    report(whatWasThrown());
  }
}

QString InferenceWorker::whatWasThrown() {
  // Called inside a catch block: rethrows the exception in flight to tell its kind.
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return tr("there is not enough memory.");
  } catch (const std::exception& e) {
    return tr("an internal error occurred (%1).").arg(QString::fromLocal8Bit(e.what()));
  } catch (...) {
    return tr("an unknown internal error occurred.");
  }
}

void InferenceWorker::load(const LoadSpec& spec) {
  guarded([&] { loadUnguarded(spec); },
          [&](const QString& why) {
            m_backend.reset();  // whatever the failed load left behind
            m_pictures.clear();
            emit loadFailed(spec.id, tr("The model in “%1” could not be loaded: %2 Check the folder, or choose "
                                        "another one.")
                                         .arg(QString::fromStdString(spec.options.model_dir), why));
          });
}

void InferenceWorker::reset(const SessionSnapshot& snapshot) {
  guarded([&] { resetUnguarded(snapshot); }, [&](const QString& why) { loseSession(why); });
}

void InferenceWorker::addPicture(const SessionPicture& picture) {
  if (!m_backend) return;  // registered with the next session's snapshot instead
  registerPicture(picture);
}

void InferenceWorker::setSystemPrompt(const QString& prompt) {
  guarded(
      [&] {
        if (m_backend) m_backend->set_system_prompt(prompt.toStdString());
      },
      [&](const QString& why) { loseSession(why); });
}

void InferenceWorker::generate(const GenerateRequest& request) {
  guarded([&] { generateUnguarded(request); },
          [&](const QString& why) { emit replyFailed(request.id, tr("The model could not answer: %1").arg(why)); });
}

void InferenceWorker::loseSession(const QString& why) {
  m_backend.reset();
  m_pictures.clear();
  emit sessionLost(tr("The model’s session could not be set up: %1 The model was unloaded; load it again to go "
                      "on.")
                       .arg(why));
}

void InferenceWorker::loadUnguarded(const LoadSpec& spec) {
  // Free the old model first: two full models rarely fit in memory together.
  m_backend.reset();
  m_pictures.clear();
  if (!m_factory) {
    emit loadFailed(spec.id, tr("This build of QwenVL Studio has no inference engine."));
    return;
  }
  if (spec.cancel && spec.cancel->load()) {
    emit loadFailed(spec.id, QStringLiteral("cancelled"));
    return;
  }
  std::unique_ptr<ChatBackend> backend = m_factory();
  LoadOptions options = spec.options;
  QElapsedTimer sinceReport;
  std::string lastStage;
  options.on_progress = [&](const LoadProgress& p) {
    if (!sinceReport.isValid() || sinceReport.elapsed() >= 50 || p.stage != lastStage || p.fraction >= 1.0) {
      emit loadProgress(spec.id, p.fraction, QString::fromStdString(p.stage));
      sinceReport.start();
      lastStage = p.stage;
    }
    return !(spec.cancel && spec.cancel->load());
  };
  const Status status = backend->load(options);
  if (!status.ok()) {
    emit loadFailed(spec.id, tr("Loading failed: %1").arg(EngineText::describe(status)));
    return;
  }
  m_backend = std::move(backend);
  emit loaded(spec.id, QString::fromStdString(m_backend->device_description()));
}

bool InferenceWorker::registerPicture(const SessionPicture& picture) {
  if (!picture.picture) {
    emit pictureRejected(picture.id, tr("The picture has no pixel data."));
    return false;
  }
  // A restored picture asks for the label it was saved with; the engine keeps a valid, unique
  // label as it is, so the saved questions still name it.
  bool ok = false;
  guarded(
      [&] {
        Result<PictureInfo> added = m_backend->add_picture(picture.picture, picture.label.toStdString());
        if (!added) {
          emit pictureRejected(picture.id, QString::fromStdString(added.message()));
          return;
        }
        m_pictures.insert(picture.id, added->id);
        emit pictureRegistered(picture.id, QString::fromStdString(added->label));
        ok = true;
      },
      [&](const QString& why) {
        emit pictureRejected(picture.id, tr("The picture could not be given to the model: %1").arg(why));
      });
  return ok;
}

void InferenceWorker::resetUnguarded(const SessionSnapshot& snapshot) {
  m_pictures.clear();
  if (!m_backend) return;
  m_backend->clear();
  m_backend->set_system_prompt(snapshot.systemPrompt.toStdString());
  for (const SessionPicture& p : snapshot.pictures) registerPicture(p);
  std::vector<Turn> history;
  history.reserve(static_cast<size_t>(snapshot.history.size()));
  for (const SessionTurn& t : snapshot.history)
    history.push_back(Turn{t.query.toStdString(), t.response.toStdString()});
  m_backend->set_history(std::move(history));
}

void InferenceWorker::generateUnguarded(const GenerateRequest& request) {
  if (!m_backend) {
    emit replyFailed(request.id, tr("No model is loaded."));
    return;
  }
  std::string query;
  std::optional<Turn> takenBack;
  if (request.regenerate) {
    Result<Turn> last = m_backend->pop_last_turn();
    if (!last) {
      emit replyFailed(request.id, QString::fromStdString(last.message()));
      return;
    }
    query = last->query;
    takenBack = std::move(last.value());
  } else {
    std::vector<std::string> labels;
    for (int id : request.pictureIds) {
      const auto it = m_pictures.constFind(id);
      const PictureInfo* info = it == m_pictures.constEnd() ? nullptr : m_backend->picture(*it);
      if (!info) {
        emit replyFailed(request.id, tr("A picture of this question could not be given to the model."));
        return;
      }
      labels.push_back(info->label);
    }
    query = questionQuery(labels, request.text.toStdString());
  }
  emit replyStarted(request.id, QString::fromStdString(query));

  TextBatcher batcher(kBatchIntervalMs, [&](const QByteArray& text) { emit replyText(request.id, text); });
  GenerationStats stats;
  // A failed Regenerate leaves the earlier answer in place, however it failed.
  auto giveBack = [&] {
    if (!takenBack) return;
    std::vector<Turn> history = m_backend->history();
    history.push_back(std::move(*takenBack));
    takenBack.reset();
    m_backend->set_history(std::move(history));
  };
  std::optional<Result<std::string>> reply;
  try {
    reply.emplace(m_backend->generate(
        query, request.sampling, [&batcher](std::string_view piece) { batcher.add(piece); }, request.cancel.get(),
        &stats));
  } catch (...) {
    giveBack();
    throw;  // reported by generate()
  }
  batcher.flush();
  if (!*reply) {
    giveBack();
    emit replyFailed(request.id, QString::fromStdString(reply->message()));
    return;
  }
  emit replyFinished(request.id, QByteArray::fromStdString(reply->value()), toReplyStats(stats),
                     stats.stop_reason == StopReason::Cancelled);
}

}  // namespace qwenvl::app
