// The engine as the app sees it: the stateful operations of one chat (load, pictures, one
// turn, history), driven from the inference worker's thread. Queries are not built here: the
// app builds them with the engine's own qwenvl::format_query, and labels come from the engine.
// EngineChatBackend wraps qwenvl::Model/ChatSession; ScriptedChatBackend replays scripted
// replies for the UI tests and the screenshot demo. No Qt here.
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

using TextFn = std::function<void(std::string_view piece)>;

class ChatBackend {
 public:
  virtual ~ChatBackend() = default;

  // options.on_progress reports progress and cancels (returning false) as Model::load's does.
  virtual Status load(const LoadOptions& options) = 0;
  // "CPU, 16 threads" / the GPU's name; empty before a successful load.
  virtual std::string device_description() const = 0;

  virtual void set_system_prompt(std::string prompt) = 0;
  // As ChatSession::add_picture: the pixels are shared, the label (the requested one, else the
  // picture's own) is made valid and unique by qwenvl::PictureLabels.
  virtual Result<PictureInfo> add_picture(std::shared_ptr<const Picture> picture, std::string_view label) = 0;
  virtual const PictureInfo* picture(PictureId id) const = 0;
  virtual const std::vector<Turn>& history() const = 0;
  virtual void set_history(std::vector<Turn> history) = 0;
  virtual Result<Turn> pop_last_turn() = 0;
  virtual void clear() = 0;  // history and pictures

  // One turn, as ChatSession::generate: pieces of UTF-8 text stream through on_text, `cancel`
  // is polled every token, the reply (markup kept) joins the history unless the turn fails.
  virtual Result<std::string> generate(const std::string& query, const SamplingParams& params, const TextFn& on_text,
                                       const std::atomic<bool>* cancel, GenerationStats* stats) = 0;
  // Something the user should know about the last reply although it succeeded (a server that
  // strips the box markup); empty when there is nothing. Taking it clears it.
  virtual std::string take_warning() { return {}; }
};

// Makes a fresh backend; called on the worker thread for every model load.
using BackendFactory = std::function<std::unique_ptr<ChatBackend>()>;

}  // namespace qwenvl::app
