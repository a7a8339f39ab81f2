// Turns the engine's streamed pieces into the deltas a client may be sent, so that the deltas
// join to exactly the content of the finished reply. The engine's reply is the official chat()'s:
// Python-stripped and, when it ran into the token limit, without its last token; so the stream
// holds back leading and trailing whitespace, the latest piece (one token), and the last bytes
// that could still begin a stop string. Stop strings are found here: the reply ends before one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qwenvl::server {

// Python's str.strip() (the characters str.isspace() calls whitespace), on UTF-8.
std::string py_strip(std::string_view s);

class ReplyStream {
 public:
  explicit ReplyStream(std::vector<std::string> stops = {});

  // One engine piece (whole UTF-8 characters). Returns what can be sent now (maybe nothing).
  // After a stop string has appeared, further pieces are ignored.
  std::string feed(std::string_view piece);
  bool stopped() const { return stop_at_ != std::string::npos; }
  // The reply a stop string ends: the text before it, stripped.
  std::string stopped_reply() const;

  // The finished reply's content (the engine's, or stopped_reply()); returns its part not sent
  // yet. `consistent()` is false when what was sent is not where the content starts (never
  // expected: the hold-backs above exist to prevent it).
  std::string finish(const std::string& content);
  bool consistent() const { return consistent_; }

  const std::string& raw() const { return raw_; }    // every piece, joined
  const std::string& sent() const { return sent_; }  // every delta, joined

 private:
  std::vector<std::string> stops_;
  size_t max_stop_ = 0;
  std::string raw_;
  std::string sent_;
  size_t last_piece_ = 0;             // bytes of the latest piece, held back
  size_t start_ = std::string::npos;  // first non-whitespace byte of raw_
  size_t stop_at_ = std::string::npos;
  bool consistent_ = true;
};

}  // namespace qwenvl::server
