// The engine as the app sees it: an abstract chat backend driven from the inference worker's
// thread. EngineChatBackend wraps qwenvl::Model/ChatSession; ScriptedChatBackend replays
// scripted replies for the UI tests and the screenshot demo. No Qt widgets here.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "qwenvl/engine.h"
#include "qwenvl/picture.h"
#include "qwenvl/status.h"

namespace qwenvl::app {

struct BackendLoadRequest {
  std::string model_dir;
  BackendKind backend = BackendKind::Cpu;
  int cpu_threads = 0;
};

// Called during loading with a fraction 0..1 and a stage; returns false to cancel.
using LoadProgressFn = std::function<bool(double fraction, const std::string& stage)>;
using TextFn = std::function<void(std::string_view piece)>;

class ChatBackend {
 public:
  virtual ~ChatBackend() = default;

  virtual Status load(const BackendLoadRequest& request, const LoadProgressFn& progress) = 0;
  // "CPU, 16 threads" / the GPU's name; empty before a successful load.
  virtual std::string device_description() const = 0;
  virtual SamplingParams default_sampling() const = 0;

  virtual void set_system_prompt(const std::string& prompt) = 0;
  // Registers a decoded picture; returns the label to put between <img> and </img>.
  virtual Result<std::string> add_picture(const Picture& picture) = 0;
  virtual std::string format_query(const std::vector<ContentItem>& items) const = 0;
  virtual void set_history(std::vector<Turn> history) = 0;
  virtual const std::vector<Turn>& history() const = 0;
  virtual void clear() = 0;  // history and pictures
  virtual Result<Turn> pop_last_turn() = 0;

  // One turn, as ChatSession::generate: pieces of UTF-8 text stream through on_text, cancel
  // is polled every token, the reply (markup kept) joins the history unless the turn fails.
  virtual Result<std::string> generate(const std::string& query, const SamplingParams& params,
                                       const TextFn& on_text, const std::atomic<bool>* cancel,
                                       GenerationStats* stats) = 0;
};

// Makes a fresh backend; called on the worker thread for every model load.
using BackendFactory = std::function<std::unique_ptr<ChatBackend>()>;

}  // namespace qwenvl::app
