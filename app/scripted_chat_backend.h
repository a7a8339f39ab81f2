// A ChatBackend that replays scripted replies token by token with a delay, honouring cancel,
// max_new_tokens and the history operations. The UI tests and the screenshot demo drive the
// real worker, controller and widgets through it; its statistics are measured, not made up.
// Picture labels and sampling checks are the engine's own (PictureLabels, validate_sampling).
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/chat_backend.h"

namespace qwenvl::app {

struct ScriptedReply {
  std::string text;         // the whole reply, markup included
  int token_delay_ms = 15;  // pause before each token
  int prefill_ms = 0;       // pause before the first token
  std::string error;        // non-empty: the turn fails with this message
};

// Shared between the thread that writes the script (a test, the demo) and the worker thread.
class ReplyScript {
 public:
  void push(ScriptedReply reply);
  // The next scripted reply; without one, a reply that quotes the question back.
  ScriptedReply next(const std::string& query);
  std::vector<std::string> queries() const;  // every query generate() received, in order

  void set_load(int load_ms, std::string error = {});
  int load_ms() const;
  std::string load_error() const;
  // The options of every load, in order (on_progress left out), as the engine would get them.
  void record_load(LoadOptions options);
  std::vector<LoadOptions> loads() const;
  // What device_description() says after a load (empty: "scripted replies").
  void set_device(std::string description);
  std::string device() const;

 private:
  mutable std::mutex mutex_;
  std::deque<ScriptedReply> replies_;
  std::vector<std::string> queries_;
  int load_ms_ = 0;
  std::string load_error_;
  std::vector<LoadOptions> loads_;
  std::string device_;
};

// Splits text into pseudo-tokens the way a BPE vocabulary roughly would: grounding tags whole,
// runs of ASCII letters or digits with their leading space, every other code point alone.
std::vector<std::string> scripted_tokens(const std::string& text);

class ScriptedChatBackend : public ChatBackend {
 public:
  explicit ScriptedChatBackend(std::shared_ptr<ReplyScript> script);

  Status load(const LoadOptions& options) override;
  std::string device_description() const override;
  void set_system_prompt(std::string prompt) override;
  Result<PictureInfo> add_picture(std::shared_ptr<const Picture> picture, std::string_view label) override;
  const PictureInfo* picture(PictureId id) const override;
  const std::vector<Turn>& history() const override;
  void set_history(std::vector<Turn> history) override;
  Result<Turn> pop_last_turn() override;
  void clear() override;
  Result<std::string> generate(const std::string& query, const SamplingParams& params, const TextFn& on_text,
                               const std::atomic<bool>* cancel, GenerationStats* stats) override;

 private:
  std::shared_ptr<ReplyScript> script_;
  bool loaded_ = false;
  std::string system_prompt_ = ChatSession::kDefaultSystemPrompt;
  PictureLabels labels_;
  std::vector<PictureInfo> pictures_;  // the pixels are not needed: nothing is encoded
  PictureId next_id_ = 1;
  std::vector<Turn> history_;
};

}  // namespace qwenvl::app
