// The body of POST /v1/chat/completions, parsed and checked, apart from any I/O: JSON in, a
// ChatRequest or an ApiError out (the fuzz target fuzz_chat_request drives these functions).
// Pictures arrive as base64 data: URLs (decoded here) or, only where the server allows it,
// file:// URLs (read later by the server, confined to its --allow-files folder).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "qwenvl/engine.h"
#include "qwenvl/sampling.h"
#include "server/api_error.h"

namespace qwenvl::server {

struct RequestLimits {
  size_t max_pictures = 8;               // per request, over all messages
  size_t max_picture_bytes = 32u << 20;  // one picture's file, after base64
  size_t max_messages = 256;
  size_t max_stop = 4;  // as the OpenAI API
  size_t max_stop_bytes = 64;
  bool allow_files = false;  // file:// URLs accepted (--allow-files)
};

struct ImageRef {
  std::string bytes;      // a data: URL's decoded file
  std::string file_path;  // a file:// URL's path, percent-decoded (absolute)
  std::string param;      // where it was: "messages[2].content[0]"
};

struct ContentPart {
  bool image = false;
  std::string text;      // a text part
  int image_index = -1;  // an image part: index into ChatRequest::images
};

enum class Role { System, User, Assistant };

struct ChatMessage {
  Role role = Role::User;
  std::vector<ContentPart> parts;
};

struct ChatRequest {
  std::string model;
  std::vector<ChatMessage> messages;
  std::vector<ImageRef> images;  // in order of appearance
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::optional<double> temperature, top_p, repetition_penalty;
  std::optional<int64_t> top_k, max_tokens;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
};

using ParseResult = std::variant<ChatRequest, ApiError>;
ParseResult parse_chat_request(std::string_view body, const RequestLimits& limits);

// The request as one engine turn: the system prompt (the engine's default when none is
// given), the earlier exchanges as ChatML history with each picture named by labels[i]
// (ChatRequest::images order), and the new query, all in format_query's form.
struct Conversation {
  std::string system;
  std::vector<Turn> history;
  std::string query;
  int last_picture = -1;  // index of the latest picture: the reply's boxes belong to it
};
using ConversationResult = std::variant<Conversation, ApiError>;
ConversationResult build_conversation(const ChatRequest& request, const std::vector<std::string>& labels);

// The request's sampling values over the model's defaults, checked with the engine's one
// validate_sampling(); temperature 0 (or top_p 0) means greedy.
using SamplingResult = std::variant<SamplingParams, ApiError>;
SamplingResult sampling_for(const ChatRequest& request, const SamplingParams& defaults);

}  // namespace qwenvl::server
