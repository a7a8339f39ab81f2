// The real engine behind the ChatBackend interface; see engine_chat_backend.h.
#include "app/engine_chat_backend.h"

namespace qwenvl::app {

namespace {
const std::vector<Turn>& no_history() {
  static const std::vector<Turn> empty;
  return empty;
}
constexpr const char* kNoModel = "no model is loaded";
}  // namespace

EngineChatBackend::EngineChatBackend() = default;
EngineChatBackend::~EngineChatBackend() = default;

Status EngineChatBackend::load(const LoadOptions& options) {
  session_.reset();
  model_.reset();
  Result<std::unique_ptr<Model>> loaded = Model::load(options);
  if (!loaded) return loaded.status();
  model_ = std::move(loaded.value());
  session_ = std::make_unique<ChatSession>(*model_);
  return Status();
}

std::string EngineChatBackend::device_description() const { return model_ ? model_->info().device : std::string(); }

void EngineChatBackend::set_system_prompt(std::string prompt) {
  if (session_) session_->set_system_prompt(std::move(prompt));
}

Result<PictureInfo> EngineChatBackend::add_picture(std::shared_ptr<const Picture> picture, std::string_view label) {
  if (!session_) return Result<PictureInfo>::error(kNoModel);
  return session_->add_picture(std::move(picture), label);
}

const PictureInfo* EngineChatBackend::picture(PictureId id) const { return session_ ? session_->picture(id) : nullptr; }

const std::vector<Turn>& EngineChatBackend::history() const { return session_ ? session_->history() : no_history(); }

void EngineChatBackend::set_history(std::vector<Turn> history) {
  if (session_) session_->set_history(std::move(history));
}

Result<Turn> EngineChatBackend::pop_last_turn() {
  if (!session_) return Result<Turn>::error(kNoModel);
  return session_->pop_last_turn();
}

void EngineChatBackend::clear() {
  if (session_) session_->clear();
}

Result<std::string> EngineChatBackend::generate(const std::string& query, const SamplingParams& params,
                                                const TextFn& on_text, const std::atomic<bool>* cancel,
                                                GenerationStats* stats) {
  if (!session_) return Result<std::string>::error(kNoModel);
  return session_->generate(query, params, on_text, cancel, stats);
}

}  // namespace qwenvl::app
