// The ChatML prompt exactly as the official qwen_generation_utils.make_context (chat_format
// "chatml") builds it: system message, the history trimmed to max_window_size from the oldest
// end, the current query, and the opening of the assistant's reply; raw text and token ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qwenvl/engine.h"
#include "qwenvl/status.h"

namespace qwenvl {

class Tokenizer;

// generation_config.json's max_window_size for Qwen-VL-Chat(-Int4).
inline constexpr int kDefaultMaxWindowSize = 6144;

// One earlier exchange. No response is the official (query, None): the user turn is followed by
// a bare newline instead of an assistant message.
struct HistoryTurn {
  std::string query;
  std::optional<std::string> response;
};

std::vector<HistoryTurn> history_from_turns(const std::vector<Turn>& turns);

struct ChatContext {
  std::string raw_text;      // the official raw_text (not NFC-normalised, as there)
  std::vector<int32_t> ids;  // the official context_tokens
  // history[first_kept_turn .. history.size()) made it into the prompt (all when it equals 0,
  // none when it equals history.size()).
  size_t first_kept_turn = 0;
  size_t kept_turns() const { return history_size - first_kept_turn; }
  size_t history_size = 0;
};

// Encodes role names and message contents. The real one is Tokenizer::encode with
// SpecialMode::Image; tests pass a fake to check the window arithmetic on its own.
using ContentEncoder = std::function<Result<std::vector<int32_t>>(std::string_view)>;

struct ContextOptions {
  std::string system = ChatSession::kDefaultSystemPrompt;
  int max_window_size = kDefaultMaxWindowSize;
};

// Turns are visited newest first; a turn (newline + user message + newline + assistant message)
// is kept while len(system message) + len(turn) + len(turns kept so far) < max_window_size, and
// the first that does not fit drops it and every older one. The current query is not counted.
// Encoding errors (an unclosed <img>, a picture label over 256 bytes) come back naming the
// message they are in.
Result<ChatContext> build_context(const ContentEncoder& encode, std::string_view query,
                                  const std::vector<HistoryTurn>& history, const ContextOptions& options = {});

// build_context with the tokenizer, contents encoded with only the 9 image/box tags special, so
// that "<|im_start|>" typed by a user stays ordinary text.
Result<ChatContext> make_context(const Tokenizer& tokenizer, std::string_view query,
                                 const std::vector<HistoryTurn>& history, const ContextOptions& options = {});

}  // namespace qwenvl
