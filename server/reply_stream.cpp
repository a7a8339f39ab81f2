// ReplyStream: hold-backs that keep streamed deltas a prefix of the finished reply.
#include "server/reply_stream.h"

#include <algorithm>

#include "util/utf8.h"

namespace qwenvl::server {

namespace {

bool py_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Start of the UTF-8 character that ends just before `end`.
size_t char_start_before(std::string_view s, size_t end) {
  size_t b = end - 1;
  while (b > 0 && continuation(s[b]) && end - b < 4) --b;
  return b;
}

char32_t char_at(std::string_view s, size_t b, size_t e) {
  std::u32string u = utf8_to_u32(s.substr(b, e - b));
  return u.size() == 1 ? u[0] : 0;
}

}  // namespace

std::string py_strip(std::string_view s) {
  std::u32string u = utf8_to_u32(s);
  size_t b = 0, e = u.size();
  while (b < e && py_space(u[b])) ++b;
  while (e > b && py_space(u[e - 1])) --e;
  return u32_to_utf8(std::u32string_view(u).substr(b, e - b));
}

ReplyStream::ReplyStream(std::vector<std::string> stops) : stops_(std::move(stops)) {
  for (const std::string& s : stops_) max_stop_ = std::max(max_stop_, s.size());
}

std::string ReplyStream::feed(std::string_view piece) {
  if (stopped() || piece.empty()) return {};
  const size_t old = raw_.size();
  raw_.append(piece);
  last_piece_ = piece.size();
  if (max_stop_) {
    const size_t from = old >= max_stop_ ? old - max_stop_ + 1 : 0;
    for (const std::string& s : stops_) {
      const size_t at = raw_.find(s, from);
      if (at != std::string::npos && at < stop_at_) stop_at_ = at;
    }
    if (stopped()) return {};
  }
  if (start_ == std::string::npos) {
    // The first non-whitespace character: py_strip drops everything before it.
    size_t i = old;
    while (i < raw_.size()) {
      size_t e = i + 1;
      while (e < raw_.size() && continuation(raw_[e])) ++e;
      if (!py_space(char_at(raw_, i, e))) break;
      i = e;
    }
    if (i == raw_.size()) return {};
    start_ = i;
  }
  // Candidate end: before the latest piece, and before any bytes that may begin a stop string.
  size_t end = raw_.size() - last_piece_;
  if (max_stop_) end = end >= max_stop_ - 1 ? end - (max_stop_ - 1) : 0;
  while (end > 0 && end < raw_.size() && continuation(raw_[end])) --end;
  // Trailing whitespace may be stripped at the end.
  while (end > start_) {
    const size_t b = char_start_before(raw_, end);
    if (!py_space(char_at(raw_, b, end))) break;
    end = b;
  }
  const size_t have = start_ + sent_.size();
  if (end <= have) return {};
  std::string delta = raw_.substr(have, end - have);
  sent_ += delta;
  return delta;
}

std::string ReplyStream::stopped_reply() const {
  return py_strip(std::string_view(raw_).substr(0, stopped() ? stop_at_ : raw_.size()));
}

std::string ReplyStream::finish(const std::string& content) {
  if (content.compare(0, sent_.size(), sent_) != 0 || content.size() < sent_.size()) {
    consistent_ = false;
    return {};
  }
  std::string rest = content.substr(sent_.size());
  sent_ = content;
  return rest;
}

}  // namespace qwenvl::server
