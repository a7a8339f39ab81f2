// Parsing and checking a chat-completions body. Every refusal names the field ("messages[1].
// content[0].image_url.url") and says what was expected; nothing here throws or does I/O.
#include "server/chat_request.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "server/base64.h"

namespace qwenvl::server {

namespace {

using json = nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

struct Parser {
  const RequestLimits& limits;
  ChatRequest req;
  std::optional<ApiError> error;

  bool fail(ApiError e) {
    if (!error) error = std::move(e);
    return false;
  }
  bool bad(const std::string& param, const std::string& message, std::string code = {}) {
    return fail(ApiError::bad_request("'" + param + "' " + message, param, std::move(code)));
  }

  bool image(const json& part, const std::string& param) {
    const json* url = nullptr;
    auto it = part.find("image_url");
    if (it == part.end()) return bad(param + ".image_url", "is missing: an image_url part needs {\"url\": ...}");
    if (it->is_string()) {
      url = &*it;
    } else if (it->is_object() && it->contains("url")) {
      url = &(*it)["url"];
    } else {
      return bad(param + ".image_url", "must be an object with a \"url\"");
    }
    const std::string uparam = param + ".image_url.url";
    if (!url->is_string()) return bad(uparam, "must be a string");
    const std::string& u = url->get_ref<const std::string&>();
    if (req.images.size() >= limits.max_pictures)
      return bad(uparam,
                 "is one picture too many: at most " + std::to_string(limits.max_pictures) + " pictures per request",
                 "too_many_pictures");
    ImageRef ref;
    ref.param = uparam;
    if (starts_with_ci(u, "data:")) {
      const size_t comma = u.find(',');
      if (comma == std::string::npos) return bad(uparam, "is a data: URL without a ','", "invalid_image_url");
      const std::string_view meta = std::string_view(u).substr(5, comma - 5);
      if (meta.size() < 7 || meta.substr(meta.size() - 7) != ";base64")
        return bad(uparam, "must be a base64 data: URL (data:image/jpeg;base64,... or data:image/png;base64,...)",
                   "invalid_image_url");
      if (!starts_with_ci(meta, "image/") && !starts_with_ci(meta, "application/octet-stream"))
        return bad(uparam, "must be a data: URL of an image (JPEG or PNG), not '" + std::string(meta) + "'",
                   "invalid_image_url");
      const std::string_view payload = std::string_view(u).substr(comma + 1);
      if (base64_decoded_size_bound(payload.size()) > limits.max_picture_bytes + 3 &&
          payload.size() / 4 * 3 > limits.max_picture_bytes)
        return fail(ApiError::too_large("'" + uparam + "' is a picture of about " +
                                            std::to_string(payload.size() / 4 * 3) + " bytes; at most " +
                                            std::to_string(limits.max_picture_bytes) + " are accepted",
                                        uparam, "picture_too_large"));
      auto bytes = base64_decode(payload);
      if (!bytes) return bad(uparam, "is not valid base64", "invalid_image_url");
      if (bytes->size() > limits.max_picture_bytes)
        return fail(ApiError::too_large("'" + uparam + "' is a picture of " + std::to_string(bytes->size()) +
                                            " bytes; at most " + std::to_string(limits.max_picture_bytes) +
                                            " are accepted",
                                        uparam, "picture_too_large"));
      if (bytes->empty()) return bad(uparam, "is an empty picture", "invalid_image");
      ref.bytes = std::move(*bytes);
    } else if (starts_with_ci(u, "file://")) {
      if (!limits.allow_files)
        return bad(uparam,
                   "is a file:// URL, which this server does not read (start it with --allow-files DIR to allow "
                   "pictures from DIR); send the picture as a base64 data: URL",
                   "invalid_image_url");
      std::string_view rest = std::string_view(u).substr(7);
      if (starts_with_ci(rest, "localhost/")) rest.remove_prefix(9);
      if (rest.empty() || rest[0] != '/') return bad(uparam, "must be file:///absolute/path", "invalid_image_url");
      auto path = percent_decode(rest);
      if (!path || path->find('\0') != std::string::npos)
        return bad(uparam, "has a malformed %-escape", "invalid_image_url");
      ref.file_path = std::move(*path);
    } else if (starts_with_ci(u, "http://") || starts_with_ci(u, "https://")) {
      return bad(uparam, "is a network URL; this server never fetches anything: send the picture as a base64 data: URL",
                 "invalid_image_url");
    } else {
      return bad(uparam, "must be a base64 data: URL of a JPEG or PNG picture", "invalid_image_url");
    }
    req.images.push_back(std::move(ref));
    return true;
  }

  bool text_ok(const std::string& text, const std::string& param) {
    // <img>NAME</img> in any message would name a picture to the engine by its label; pictures
    // come as image_url parts only.
    if (text.find("<img>") != std::string::npos || text.find("</img>") != std::string::npos)
      return bad(param, "contains <img> markup; send pictures as image_url parts");
    return true;
  }

  bool message(const json& m, size_t i) {
    const std::string param = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return bad(param, "must be an object with \"role\" and \"content\"");
    auto role_it = m.find("role");
    if (role_it == m.end() || !role_it->is_string()) return bad(param + ".role", "must be a string");
    const std::string& r = role_it->get_ref<const std::string&>();
    ChatMessage msg;
    if (r == "system" || r == "developer")
      msg.role = Role::System;
    else if (r == "user")
      msg.role = Role::User;
    else if (r == "assistant")
      msg.role = Role::Assistant;
    else
      return bad(param + ".role", "is '" + r + "'; expected system, user or assistant");
    auto c = m.find("content");
    const std::string cparam = param + ".content";
    if (c == m.end() || c->is_null()) return bad(cparam, "is missing");
    if (c->is_string()) {
      ContentPart p;
      p.text = c->get<std::string>();
      if (!text_ok(p.text, cparam)) return false;
      msg.parts.push_back(std::move(p));
    } else if (c->is_array()) {
      for (size_t j = 0; j < c->size(); ++j) {
        const json& part = (*c)[j];
        const std::string pparam = cparam + "[" + std::to_string(j) + "]";
        if (!part.is_object()) return bad(pparam, "must be an object with a \"type\"");
        auto t = part.find("type");
        if (t == part.end() || !t->is_string()) return bad(pparam + ".type", "must be \"text\" or \"image_url\"");
        const std::string& type = t->get_ref<const std::string&>();
        if (type == "text") {
          auto tx = part.find("text");
          if (tx == part.end() || !tx->is_string()) return bad(pparam + ".text", "must be a string");
          ContentPart p;
          p.text = tx->get<std::string>();
          if (!text_ok(p.text, pparam + ".text")) return false;
          msg.parts.push_back(std::move(p));
        } else if (type == "image_url") {
          if (msg.role != Role::User) return bad(pparam, "is a picture; only user messages may hold pictures");
          if (!image(part, pparam)) return false;
          ContentPart p;
          p.image = true;
          p.image_index = static_cast<int>(req.images.size()) - 1;
          msg.parts.push_back(std::move(p));
        } else {
          return bad(pparam + ".type", "is '" + type + "'; expected \"text\" or \"image_url\"");
        }
      }
    } else {
      return bad(cparam, "must be a string or an array of content parts");
    }
    req.messages.push_back(std::move(msg));
    return true;
  }

  bool number(const json& body, const char* key, std::optional<double>& out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return true;
    if (!it->is_number()) return bad(key, "must be a number");
    const double v = it->get<double>();
    if (!std::isfinite(v)) return bad(key, "must be a finite number");
    out = v;
    return true;
  }

  bool integer(const json& body, const char* key, std::optional<int64_t>& out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return true;
    if (it->is_number_unsigned()) {
      const uint64_t v = it->get<uint64_t>();
      out = v > uint64_t(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
      return true;
    }
    if (it->is_number_integer()) {
      out = it->get<int64_t>();
      return true;
    }
    return bad(key, "must be an integer");
  }

  bool flag(const json& body, const char* key, bool& out) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return true;
    if (!it->is_boolean()) return bad(key, "must be true or false");
    out = it->get<bool>();
    return true;
  }

  bool stop(const json& body) {
    auto it = body.find("stop");
    if (it == body.end() || it->is_null()) return true;
    std::vector<const json*> items;
    if (it->is_string()) {
      items.push_back(&*it);
    } else if (it->is_array()) {
      for (const json& s : *it) items.push_back(&s);
    } else {
      return bad("stop", "must be a string or an array of strings");
    }
    if (items.size() > limits.max_stop)
      return bad("stop", "holds more than " + std::to_string(limits.max_stop) + " strings");
    for (const json* s : items) {
      if (!s->is_string()) return bad("stop", "must hold strings only");
      const std::string& v = s->get_ref<const std::string&>();
      if (v.empty()) return bad("stop", "must not hold an empty string");
      if (v.size() > limits.max_stop_bytes)
        return bad("stop", "holds a string longer than " + std::to_string(limits.max_stop_bytes) + " bytes");
      req.stop.push_back(v);
    }
    return true;
  }

  bool run(std::string_view body) {
    json j = json::parse(body.begin(), body.end(), nullptr, false);
    if (j.is_discarded()) return fail(ApiError::bad_request("the request body is not valid JSON", {}, "invalid_json"));
    if (!j.is_object())
      return fail(ApiError::bad_request("the request body must be a JSON object", {}, "invalid_json"));
    auto model = j.find("model");
    if (model == j.end() || !model->is_string())
      return bad("model", "must be the name of a served model (GET /v1/models)");
    req.model = model->get<std::string>();
    auto msgs = j.find("messages");
    if (msgs == j.end() || !msgs->is_array() || msgs->empty()) return bad("messages", "must be a non-empty array");
    if (msgs->size() > limits.max_messages)
      return bad("messages", "holds more than " + std::to_string(limits.max_messages) + " messages");
    for (size_t i = 0; i < msgs->size(); ++i)
      if (!message((*msgs)[i], i)) return false;
    if (!flag(j, "stream", req.stream)) return false;
    if (auto so = j.find("stream_options"); so != j.end() && !so->is_null()) {
      if (!so->is_object()) return bad("stream_options", "must be an object");
      if (!flag(*so, "include_usage", req.include_usage)) return false;
    }
    std::optional<int64_t> n, max_completion;
    if (!number(j, "temperature", req.temperature) || !number(j, "top_p", req.top_p) ||
        !number(j, "repetition_penalty", req.repetition_penalty) || !integer(j, "top_k", req.top_k) ||
        !integer(j, "max_tokens", req.max_tokens) || !integer(j, "max_completion_tokens", max_completion) ||
        !integer(j, "n", n) || !stop(j))
      return false;
    if (!req.max_tokens) req.max_tokens = max_completion;
    if (n && *n != 1) return bad("n", "must be 1: this server gives one choice per request");
    if (auto s = j.find("seed"); s != j.end() && !s->is_null()) {
      if (s->is_number_unsigned())
        req.seed = s->get<uint64_t>();
      else if (s->is_number_integer())
        req.seed = static_cast<uint64_t>(s->get<int64_t>());
      else
        return bad("seed", "must be an integer");
    }
    return true;
  }
};

}  // namespace

std::string error_json(const ApiError& e) {
  json err = {{"message", e.message}, {"type", e.type}, {"param", nullptr}, {"code", nullptr}};
  if (!e.param.empty()) err["param"] = e.param;
  if (!e.code.empty()) err["code"] = e.code;
  return dump(json{{"error", err}});
}

ParseResult parse_chat_request(std::string_view body, const RequestLimits& limits) {
  Parser p{limits, {}, {}};
  if (!p.run(body)) return std::move(*p.error);
  return std::move(p.req);
}

ConversationResult build_conversation(const ChatRequest& request, const std::vector<std::string>& labels) {
  if (labels.size() != request.images.size())
    return ApiError{500, "internal error: pictures and labels differ in number", "server_error", {}, {}};
  Conversation conv;
  size_t i = 0;
  bool have_system = false;
  for (; i < request.messages.size() && request.messages[i].role == Role::System; ++i) {
    std::string text;
    for (const ContentPart& p : request.messages[i].parts) text += p.text;
    conv.system += (have_system ? "\n" : "") + text;
    have_system = true;
  }
  if (!have_system) conv.system = ChatSession::kDefaultSystemPrompt;
  std::optional<std::string> pending_query;
  for (; i < request.messages.size(); ++i) {
    const ChatMessage& m = request.messages[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    if (m.role == Role::System)
      return ApiError::bad_request("'" + param +
                                       "' is a system message after the conversation began; system "
                                       "messages must come first",
                                   param + ".role");
    if (m.role == Role::User) {
      if (pending_query)
        return ApiError::bad_request("'" + param +
                                         "' follows another user message; user and assistant "
                                         "messages must alternate",
                                     param + ".role");
      std::vector<ContentItem> items;
      for (const ContentPart& p : m.parts) {
        if (p.image) {
          items.push_back(ContentItem::image(labels[static_cast<size_t>(p.image_index)]));
          conv.last_picture = p.image_index;
        } else {
          items.push_back(ContentItem::plain(p.text));
        }
      }
      pending_query = format_query(items);
    } else {
      if (!pending_query)
        return ApiError::bad_request("'" + param + "' is an assistant message without a user message before it",
                                     param + ".role");
      std::string text;
      for (const ContentPart& p : m.parts) text += p.text;
      conv.history.push_back({std::move(*pending_query), std::move(text)});
      pending_query.reset();
    }
  }
  if (!pending_query)
    return ApiError::bad_request("the last message must be a user message: it is what the model answers", "messages");
  conv.query = std::move(*pending_query);
  return conv;
}

SamplingResult sampling_for(const ChatRequest& r, const SamplingParams& defaults) {
  SamplingParams p = defaults;
  const SamplingLimits& l = sampling_limits();
  if (r.temperature) {
    if (!l.temperature.contains(*r.temperature))
      return ApiError::bad_request("'temperature' is " + std::to_string(*r.temperature) + "; it must be between " +
                                       std::to_string(l.temperature.min) + " and " + std::to_string(l.temperature.max),
                                   "temperature");
    p.temperature = static_cast<float>(*r.temperature);
    if (*r.temperature == 0) p.do_sample = false;
  }
  if (r.top_p) {
    if (!l.top_p.contains(*r.top_p))
      return ApiError::bad_request("'top_p' is " + std::to_string(*r.top_p) + "; it must be between 0 and 1", "top_p");
    p.top_p = static_cast<float>(*r.top_p);
  }
  if (r.repetition_penalty) {
    if (!l.repetition_penalty.contains(*r.repetition_penalty))
      return ApiError::bad_request("'repetition_penalty' is out of range", "repetition_penalty");
    p.repetition_penalty = static_cast<float>(*r.repetition_penalty);
  }
  if (r.top_k) {
    // OpenAI-style clients send -1 for "off".
    if (*r.top_k == -1)
      p.top_k = 0;
    else if (!l.top_k.contains(*r.top_k))
      return ApiError::bad_request("'top_k' is " + std::to_string(*r.top_k) + "; it must be between 0 and " +
                                       std::to_string(l.top_k.max) + " (0 or -1: off)",
                                   "top_k");
    else
      p.top_k = static_cast<int>(*r.top_k);
  }
  if (r.max_tokens) {
    if (!l.max_new_tokens.contains(*r.max_tokens))
      return ApiError::bad_request("'max_tokens' is " + std::to_string(*r.max_tokens) + "; it must be between " +
                                       std::to_string(l.max_new_tokens.min) + " and " +
                                       std::to_string(l.max_new_tokens.max),
                                   "max_tokens");
    p.max_new_tokens = static_cast<int>(*r.max_tokens);
  }
  if (r.seed) p.seed = *r.seed;
  if (Status s = validate_sampling(p); !s) return ApiError::bad_request(s.message());
  return p;
}

}  // namespace qwenvl::server
