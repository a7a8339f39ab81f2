// The real engine behind the ChatBackend interface; see engine_chat_backend.h.
#include "app/engine_chat_backend.h"

namespace qwenvl::app {

namespace {
const std::vector<Turn>& no_history() {
  static const std::vector<Turn> empty;
  return empty;
}
}  // namespace

EngineChatBackend::EngineChatBackend() = default;
EngineChatBackend::~EngineChatBackend() = default;

Status EngineChatBackend::load(const BackendLoadRequest& request, const LoadProgressFn& progress) {
  session_.reset();
  model_.reset();
  LoadOptions options;
  options.model_dir = request.model_dir;
  options.backend = request.backend;
  options.cpu_threads = request.cpu_threads;
  if (progress) {
    options.on_progress = [&progress](const LoadProgress& p) { return progress(p.fraction, p.stage); };
  }
  Result<std::unique_ptr<Model>> loaded = Model::load(options);
  if (!loaded) return loaded.status();
  model_ = std::move(loaded.value());
  session_ = std::make_unique<ChatSession>(*model_);
  return Status();
}

std::string EngineChatBackend::device_description() const { return model_ ? model_->info().device : std::string(); }

SamplingParams EngineChatBackend::default_sampling() const {
  return model_ ? model_->default_sampling() : SamplingParams{};
}

void EngineChatBackend::set_system_prompt(const std::string& prompt) {
  if (session_) session_->set_system_prompt(prompt);
}

Result<std::string> EngineChatBackend::add_picture(const Picture& picture) {
  if (!session_) return Result<std::string>::error("no model is loaded");
  auto added = session_->add_picture(std::make_shared<const Picture>(picture));
  if (!added) return added.status();
  return added->label;
}

std::string EngineChatBackend::format_query(const std::vector<ContentItem>& items) const {
  return qwenvl::format_query(items);
}

void EngineChatBackend::set_history(std::vector<Turn> history) {
  if (session_) session_->set_history(std::move(history));
}

const std::vector<Turn>& EngineChatBackend::history() const { return session_ ? session_->history() : no_history(); }

void EngineChatBackend::clear() {
  if (session_) session_->clear();
}

Result<Turn> EngineChatBackend::pop_last_turn() {
  if (!session_) return Result<Turn>::error("no model is loaded");
  return session_->pop_last_turn();
}

Result<std::string> EngineChatBackend::generate(const std::string& query, const SamplingParams& params,
                                                const TextFn& on_text, const std::atomic<bool>* cancel,
                                                GenerationStats* stats) {
  if (!session_) return Result<std::string>::error("no model is loaded");
  return session_->generate(query, params, on_text, cancel, stats);
}

CudaSupport engine_cuda_support() {
  CudaSupport s;
  s.compiled = cuda_compiled();
  if (s.compiled) {
    const Status st = cuda_available();
    s.available = st.ok();
    s.reason = st.message();
  }
  return s;
}

}  // namespace qwenvl::app
