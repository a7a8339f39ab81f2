// The inference thread's side; see inference_worker.h.
#include "app/inference_worker.h"

#include <QElapsedTimer>
#include <optional>
#include <string>

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
  TextBatcher(int intervalMs, std::function<void(const std::string&)> emitFn)
      : m_interval(intervalMs), m_emit(std::move(emitFn)) {}
  void add(std::string_view piece) {
    m_pending.append(piece);
    if (!m_clock.isValid() || m_clock.elapsed() >= m_interval) flush();
  }
  void flush() {
    if (m_pending.empty()) return;
    m_emit(m_pending);
    m_pending.clear();
    m_clock.start();
  }

 private:
  int m_interval;
  std::function<void(const std::string&)> m_emit;
  std::string m_pending;
  QElapsedTimer m_clock;
};

}  // namespace

InferenceWorker::InferenceWorker(BackendFactory factory) : m_factory(std::move(factory)) {}

InferenceWorker::~InferenceWorker() = default;

void InferenceWorker::load(const LoadSpec& spec) {
  // Free the old model first: two full models rarely fit in memory together.
  m_backend.reset();
  m_labels.clear();
  if (!m_factory) {
    emit loadFailed(spec.id, tr("This build of QwenVL Studio has no inference engine."));
    return;
  }
  if (spec.cancel && spec.cancel->load()) {
    emit loadFailed(spec.id, QStringLiteral("cancelled"));
    return;
  }
  std::unique_ptr<ChatBackend> backend = m_factory();
  BackendLoadRequest request;
  request.model_dir = spec.modelDir.toStdString();
  request.backend = spec.backend;
  request.cpu_threads = spec.cpuThreads;
  QElapsedTimer sinceReport;
  std::string lastStage;
  const Status status = backend->load(request, [&](double fraction, const std::string& stage) {
    if (!sinceReport.isValid() || sinceReport.elapsed() >= 50 || stage != lastStage || fraction >= 1.0) {
      emit loadProgress(spec.id, fraction, QString::fromStdString(stage));
      sinceReport.start();
      lastStage = stage;
    }
    return !(spec.cancel && spec.cancel->load());
  });
  if (!status.ok()) {
    emit loadFailed(spec.id, QString::fromStdString(status.message()));
    return;
  }
  m_backend = std::move(backend);
  emit loaded(spec.id, QString::fromStdString(m_backend->device_description()));
}

bool InferenceWorker::registerPicture(const SessionPicture& picture, QString* label) {
  if (!picture.picture) {
    emit pictureRejected(picture.id, tr("The picture has no pixel data."));
    return false;
  }
  Picture copy = *picture.picture;
  if (!picture.label.isEmpty()) copy.label = picture.label.toStdString();
  Result<std::string> added = m_backend->add_picture(copy);
  if (!added) {
    emit pictureRejected(picture.id, QString::fromStdString(added.message()));
    return false;
  }
  *label = QString::fromStdString(added.value());
  m_labels.insert(picture.id, *label);
  emit pictureRegistered(picture.id, *label);
  return true;
}

void InferenceWorker::reset(const SessionSnapshot& snapshot) {
  m_labels.clear();
  if (!m_backend) return;
  m_backend->clear();
  m_backend->set_system_prompt(snapshot.systemPrompt.toStdString());
  std::vector<Turn> history;
  for (const SessionTurn& t : snapshot.history) history.push_back(Turn{t.query.toStdString(), t.response.toStdString()});
  for (const SessionPicture& p : snapshot.pictures) {
    QString label;
    if (!registerPicture(p, &label)) continue;
    // The questions sent before name the picture by its old label; keep them pointing at it.
    if (!p.label.isEmpty() && label != p.label) {
      const std::string from = "<img>" + p.label.toStdString() + "</img>";
      const std::string to = "<img>" + label.toStdString() + "</img>";
      for (Turn& t : history) {
        for (size_t pos = t.query.find(from); pos != std::string::npos; pos = t.query.find(from, pos + to.size())) {
          t.query.replace(pos, from.size(), to);
        }
      }
    }
  }
  m_backend->set_history(std::move(history));
}

void InferenceWorker::addPicture(const SessionPicture& picture) {
  if (!m_backend) return;  // registered with the next session's snapshot instead
  QString label;
  registerPicture(picture, &label);
}

void InferenceWorker::setSystemPrompt(const QString& prompt) {
  if (m_backend) m_backend->set_system_prompt(prompt.toStdString());
}

void InferenceWorker::generate(const GenerateRequest& request) {
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
    std::vector<ContentItem> items;
    for (int id : request.pictureIds) {
      const auto it = m_labels.constFind(id);
      if (it == m_labels.constEnd()) {
        emit replyFailed(request.id, tr("A picture of this question could not be given to the model."));
        return;
      }
      items.push_back(ContentItem::image(it->toStdString()));
    }
    if (!request.text.isEmpty()) items.push_back(ContentItem::plain(request.text.toStdString()));
    query = m_backend->format_query(items);
  }
  emit replyStarted(request.id, QString::fromStdString(query));

  TextBatcher batcher(kBatchIntervalMs, [&](const std::string& text) {
    emit replyText(request.id, QString::fromStdString(text));
  });
  GenerationStats stats;
  Result<std::string> reply = m_backend->generate(
      query, request.sampling, [&batcher](std::string_view piece) { batcher.add(piece); }, request.cancel.get(),
      &stats);
  batcher.flush();
  if (!reply) {
    if (takenBack) {  // a failed Regenerate leaves the earlier answer in place
      std::vector<Turn> history = m_backend->history();
      history.push_back(std::move(*takenBack));
      m_backend->set_history(std::move(history));
    }
    emit replyFailed(request.id, QString::fromStdString(reply.message()));
    return;
  }
  emit replyFinished(request.id, QString::fromStdString(reply.value()), toReplyStats(stats),
                     stats.stop_reason == StopReason::Cancelled);
}

}  // namespace qwenvl::app
