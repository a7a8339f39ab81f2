// libFuzzer target: the chat-completions request parser of qwenvl-server (parse_chat_request,
// build_conversation, sampling_for) on any body. The first byte picks the limits (file:// URLs
// allowed or not, a small or large picture limit). Invariants: an accepted request respects
// every limit, its image parts index its pictures, a built conversation ends in a query, and
// accepted sampling values pass the engine's own validate_sampling; a refusal is a 4xx with a
// message. Base64 decodes what it encodes. With bit 3 of the first byte the body is instead
// taken as an engine reply cut into pieces for the ReplyStream: whatever it has sent is where
// the finished reply starts (stripped; without its last piece at the token limit; before a stop).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "server/base64.h"
#include "server/chat_request.h"
#include "server/reply_stream.h"
#include "util/utf8.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_chat_request: %s\n", what);
    std::abort();
  }
}

void check_error(const qwenvl::server::ApiError& e) {
  check(e.status >= 400 && e.status < 500, "a refusal is a 4xx");
  check(!e.message.empty(), "a refusal says why");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qwenvl::server;
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  if (mode & 8) {
    // Pieces of whole UTF-8 characters, as the engine's stream decoder gives them; a byte below
    // 0x20 ends a piece, and the second byte of the body (if any) is a stop string's first.
    const std::string text = qwenvl::utf8_decode_replace(body);
    std::vector<std::string> pieces(1);
    for (size_t i = 0; i < text.size(); ++i) {
      pieces.back() += text[i];
      const bool boundary = i + 1 == text.size() || (static_cast<unsigned char>(text[i + 1]) & 0xC0) != 0x80;
      if (boundary && static_cast<unsigned char>(text[i]) < 0x20) pieces.emplace_back();
    }
    std::vector<std::string> stops;
    if (mode & 16 && body.size() > 1) stops.push_back(std::string(1, body[1]) + "x");
    ReplyStream rs(stops);
    std::string raw, before_last;
    for (const std::string& p : pieces) {
      before_last = raw;
      rs.feed(p);
      raw += p;
    }
    const std::string& sent = rs.sent();
    auto starts = [&](const std::string& whole) {
      return whole.compare(0, sent.size(), sent) == 0 && whole.size() >= sent.size();
    };
    if (rs.stopped()) {
      check(starts(rs.stopped_reply()), "the stream is a prefix of the reply before the stop");
    } else {
      check(starts(py_strip(raw)), "the stream is a prefix of the whole reply, stripped");
      check(starts(py_strip(before_last)), "the stream is a prefix of the reply without its last piece");
    }
    return 0;
  }

  RequestLimits limits;
  limits.allow_files = mode & 1;
  limits.max_picture_bytes = (mode & 2) ? 64 : (1u << 20);
  limits.max_pictures = (mode & 4) ? 1 : 8;

  auto parsed = parse_chat_request(body, limits);
  if (auto* e = std::get_if<ApiError>(&parsed)) {
    check_error(*e);
  } else {
    const ChatRequest& r = std::get<ChatRequest>(parsed);
    check(!r.messages.empty() && r.messages.size() <= limits.max_messages, "message count within limits");
    check(r.images.size() <= limits.max_pictures, "picture count within limits");
    check(r.stop.size() <= limits.max_stop, "stop count within limits");
    for (const ImageRef& img : r.images) {
      check(img.bytes.size() <= limits.max_picture_bytes, "picture size within limits");
      check(img.file_path.empty() || (limits.allow_files && img.file_path[0] == '/'), "file:// only when allowed");
      check(!img.bytes.empty() || !img.file_path.empty(), "a picture has bytes or a path");
    }
    std::vector<std::string> labels;
    for (size_t i = 0; i < r.images.size(); ++i) labels.push_back("img-" + std::to_string(i));
    for (const ChatMessage& m : r.messages)
      for (const ContentPart& p : m.parts)
        check(!p.image || (p.image_index >= 0 && static_cast<size_t>(p.image_index) < r.images.size()),
              "image parts index the pictures");
    auto conv = build_conversation(r, labels);
    if (auto* e = std::get_if<ApiError>(&conv)) {
      check_error(*e);
    } else {
      const Conversation& c = std::get<Conversation>(conv);
      check(!c.system.empty(), "a system prompt, given or the default");
      check(c.last_picture < static_cast<int>(r.images.size()), "the latest picture is one of them");
    }
    auto sampling = sampling_for(r, qwenvl::SamplingParams{});
    if (auto* e = std::get_if<ApiError>(&sampling))
      check_error(*e);
    else
      check(qwenvl::validate_sampling(std::get<qwenvl::SamplingParams>(sampling)).ok(), "accepted sampling is valid");
  }

  const std::string encoded = base64_encode(body);
  auto decoded = base64_decode(encoded);
  check(decoded && *decoded == body, "base64 decodes what it encodes");
  if (auto d = base64_decode(body)) check(d->size() <= base64_decoded_size_bound(body.size()), "decoded size bound");
  return 0;
}
