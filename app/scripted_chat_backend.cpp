// Scripted replies for tests and the screenshot demo; see scripted_chat_backend.h.
#include "app/scripted_chat_backend.h"

#include <chrono>
#include <thread>

namespace qwenvl::app {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Sleeps in short slices so that a cancel request is seen within a couple of milliseconds.
bool sleep_unless_cancelled(int ms, const std::atomic<bool>* cancel) {
  const auto end = Clock::now() + std::chrono::milliseconds(ms);
  while (Clock::now() < end) {
    if (cancel && cancel->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return !(cancel && cancel->load());
}

bool is_ascii_word_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;  // a stray continuation byte stands alone
}

}  // namespace

void ReplyScript::push(ScriptedReply reply) {
  std::lock_guard lock(mutex_);
  replies_.push_back(std::move(reply));
}

ScriptedReply ReplyScript::next(const std::string& query) {
  std::lock_guard lock(mutex_);
  queries_.push_back(query);
  if (replies_.empty()) {
    ScriptedReply echo;
    echo.text = "You asked: " + query;
    return echo;
  }
  ScriptedReply r = std::move(replies_.front());
  replies_.pop_front();
  return r;
}

std::vector<std::string> ReplyScript::queries() const {
  std::lock_guard lock(mutex_);
  return queries_;
}

void ReplyScript::set_load(int load_ms, std::string error) {
  std::lock_guard lock(mutex_);
  load_ms_ = load_ms;
  load_error_ = std::move(error);
}

int ReplyScript::load_ms() const {
  std::lock_guard lock(mutex_);
  return load_ms_;
}

std::string ReplyScript::load_error() const {
  std::lock_guard lock(mutex_);
  return load_error_;
}

void ReplyScript::record_load(LoadOptions options) {
  options.on_progress = nullptr;
  std::lock_guard lock(mutex_);
  loads_.push_back(std::move(options));
}

std::vector<LoadOptions> ReplyScript::loads() const {
  std::lock_guard lock(mutex_);
  return loads_;
}

void ReplyScript::set_device(std::string description) {
  std::lock_guard lock(mutex_);
  device_ = std::move(description);
}

std::string ReplyScript::device() const {
  std::lock_guard lock(mutex_);
  return device_.empty() ? std::string("scripted replies") : device_;
}

std::vector<std::string> scripted_tokens(const std::string& text) {
  static const char* const kTags[] = {"<ref>", "</ref>", "<box>", "</box>", "<quad>", "</quad>", "<img>", "</img>"};
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < text.size()) {
    bool tag = false;
    for (const char* t : kTags) {
      const std::string_view tv(t);
      if (text.compare(i, tv.size(), tv) == 0) {
        tokens.emplace_back(tv);
        i += tv.size();
        tag = true;
        break;
      }
    }
    if (tag) continue;
    size_t j = i;
    if (text[j] == ' ' && j + 1 < text.size() && is_ascii_word_char(static_cast<unsigned char>(text[j + 1]))) ++j;
    if (is_ascii_word_char(static_cast<unsigned char>(text[j]))) {
      const bool digits = text[j] >= '0' && text[j] <= '9';
      while (j < text.size() && is_ascii_word_char(static_cast<unsigned char>(text[j])) &&
             ((text[j] >= '0' && text[j] <= '9') == digits)) {
        ++j;
      }
    } else {
      j = i + utf8_length(static_cast<unsigned char>(text[i]));
      if (j > text.size()) j = text.size();
    }
    tokens.push_back(text.substr(i, j - i));
    i = j;
  }
  return tokens;
}

ScriptedChatBackend::ScriptedChatBackend(std::shared_ptr<ReplyScript> script) : script_(std::move(script)) {}

Status ScriptedChatBackend::load(const LoadOptions& options) {
  script_->record_load(options);
  const int total_ms = script_->load_ms();
  constexpr int kSteps = 10;
  for (int step = 0; step <= kSteps; ++step) {
    if (options.on_progress &&
        !options.on_progress(LoadProgress{static_cast<double>(step) / kSteps, "reading weights"})) {
      return Status::error("cancelled");
    }
    if (step < kSteps && total_ms > 0) {
      std::atomic<bool> never{false};
      sleep_unless_cancelled(total_ms / kSteps, &never);
    }
  }
  if (std::string err = script_->load_error(); !err.empty()) return Status::error(err);
  loaded_ = true;
  return Status();
}

std::string ScriptedChatBackend::device_description() const { return loaded_ ? script_->device() : std::string(); }

void ScriptedChatBackend::set_system_prompt(std::string prompt) { system_prompt_ = std::move(prompt); }

Result<PictureInfo> ScriptedChatBackend::add_picture(std::shared_ptr<const Picture> picture, std::string_view label) {
  // The same checks and label rules as ChatSession::add_picture, so the tests see real labels.
  if (!picture) return Result<PictureInfo>::error("no picture given");
  if (picture->width <= 0 || picture->height <= 0 ||
      picture->rgb.size() != static_cast<size_t>(picture->width) * static_cast<size_t>(picture->height) * 3) {
    return Result<PictureInfo>::error("picture '" + picture->label + "': pixel data does not match its size");
  }
  PictureInfo info;
  info.id = next_id_++;
  info.label = labels_.assign(label.empty() ? std::string_view(picture->label) : label);
  info.width = picture->width;
  info.height = picture->height;
  pictures_.push_back(info);
  return info;
}

const PictureInfo* ScriptedChatBackend::picture(PictureId id) const {
  for (const PictureInfo& p : pictures_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

void ScriptedChatBackend::set_history(std::vector<Turn> history) { history_ = std::move(history); }

const std::vector<Turn>& ScriptedChatBackend::history() const { return history_; }

void ScriptedChatBackend::clear() {
  history_.clear();
  pictures_.clear();
  labels_.clear();
}

Result<Turn> ScriptedChatBackend::pop_last_turn() {
  if (history_.empty()) return Result<Turn>::error("there is no exchange to take back");
  Turn t = std::move(history_.back());
  history_.pop_back();
  return t;
}

Result<std::string> ScriptedChatBackend::generate(const std::string& query, const SamplingParams& params,
                                                  const TextFn& on_text, const std::atomic<bool>* cancel,
                                                  GenerationStats* stats) {
  if (!loaded_) return Result<std::string>::error("no model is loaded");
  // Parameters the engine refuses fail here too, with the engine's message.
  if (Status valid = validate_sampling(params); !valid.ok()) return valid;
  const auto start = Clock::now();
  ScriptedReply reply = script_->next(query);

  GenerationStats s;
  s.prompt_tokens = static_cast<int>(scripted_tokens(system_prompt_).size() + scripted_tokens(query).size());
  for (const Turn& t : history_) {
    s.prompt_tokens += static_cast<int>(scripted_tokens(t.query).size() + scripted_tokens(t.response).size());
  }
  bool cancelled = !sleep_unless_cancelled(reply.prefill_ms, cancel);
  if (!reply.error.empty() && !cancelled) return Result<std::string>::error(reply.error);

  std::string text;
  Clock::time_point first_token{};
  s.stop_reason = StopReason::EndOfText;
  if (!cancelled) {
    for (const std::string& token : scripted_tokens(reply.text)) {
      if (s.generated_tokens >= params.max_new_tokens) {
        s.stop_reason = StopReason::MaxTokens;
        break;
      }
      if (!sleep_unless_cancelled(reply.token_delay_ms, cancel)) {
        cancelled = true;
        break;
      }
      if (s.generated_tokens == 0) {
        first_token = Clock::now();
        s.prompt_seconds = std::chrono::duration<double>(first_token - start).count();
      }
      ++s.generated_tokens;
      text += token;
      if (on_text) on_text(token);
    }
  }
  if (cancelled) s.stop_reason = StopReason::Cancelled;
  if (s.generated_tokens > 0)
    s.generation_seconds = seconds_since(first_token);
  else
    s.prompt_seconds = seconds_since(start);
  if (stats) *stats = s;
  history_.push_back(Turn{query, text});
  return text;
}

}  // namespace qwenvl::app
