// Tokenizer: the steps of tokenization_qwen.py's tokenize() in order (NFC, allowed special
// tokens, regex split, BPE per piece, then <img> spans as byte ids), and decoding with the
// image spans turned back into paths as its _decode() does.
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <unordered_map>

#include "tokenizer/bpe.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"
#include "util/utf8.h"

namespace qwenvl {

namespace {

constexpr size_t kBpeTokens = token_id::first_special;  // lines of qwen.tiktoken

struct Special {
  std::string surface;
  bool image_tag;  // one of the 9 tags allowed in SpecialMode::Image
};

// In id order from 151643 (tokenization_qwen.py: SPECIAL_TOKENS + IMAGE_ST).
std::vector<Special> make_specials() {
  std::vector<Special> s = {{"<|endoftext|>", false}, {"<|im_start|>", false}, {"<|im_end|>", false}};
  for (int i = 0; i < 205; ++i) s.push_back({"<|extra_" + std::to_string(i) + "|>", false});
  for (const char* tag : {"<ref>", "</ref>", "<box>", "</box>", "<quad>", "</quad>", "<img>", "</img>", "<imgpad>"})
    s.push_back({tag, true});
  return s;
}

}  // namespace

struct Tokenizer::Impl {
  std::unique_ptr<Vocab> vocab;
  std::unique_ptr<BpeEngine> bpe;
  std::vector<Special> specials;
  std::unordered_map<std::string, int32_t> special_ids;
  size_t min_special_len = SIZE_MAX, max_special_len = 0;

  // The allowed special token starting at text[pos], if any: its id, and its length in *len.
  int32_t special_at(std::u32string_view text, size_t pos, SpecialMode mode, size_t* len) const {
    std::string key;
    for (size_t n = min_special_len; n <= max_special_len && pos + n <= text.size(); ++n) {
      key.clear();
      bool ascii = true;
      for (size_t k = 0; k < n && ascii; ++k) {
        ascii = text[pos + k] < 0x80;
        key.push_back(static_cast<char>(text[pos + k]));
      }
      if (!ascii) return -1;  // surfaces are ASCII, so a longer one cannot match either
      auto it = special_ids.find(key);
      if (it == special_ids.end()) continue;
      bool allowed = mode == SpecialMode::All ||
                     (mode == SpecialMode::Image && specials[it->second - token_id::first_special].image_tag);
      if (!allowed) return -1;  // no surface is a prefix of another: nothing else starts here
      *len = n;
      return it->second;
    }
    return -1;
  }

  // Regex split and BPE of text that holds no allowed special token.
  void encode_ordinary(std::u32string_view text, std::vector<int32_t>& out) const {
    std::vector<size_t> ends;
    split_pretokens(text, ends);
    std::string piece;
    size_t begin = 0;
    for (size_t end : ends) {
      piece.clear();
      for (size_t i = begin; i < end; ++i) utf8_append(piece, text[i]);
      begin = end;
      // Whole piece first, as tiktoken does. (Every qwen.tiktoken token is also what the merges
      // reach from its bytes, so this is a shortcut, not a different result.)
      int32_t rank = vocab->find(piece);
      if (rank >= 0) {
        out.push_back(rank);
      } else {
        bpe->encode(piece, out);
      }
    }
  }

  // _replace_closed_tag(tokens, "<img>", "</img>", _encode_imgurl) of tokenize().
  Status replace_image_spans(std::vector<int32_t>& ids) const {
    std::vector<int32_t> out;
    size_t i = 0;
    while (true) {
      auto start = std::find(ids.begin() + static_cast<std::ptrdiff_t>(i), ids.end(), token_id::img_start);
      out.insert(out.end(), ids.begin() + static_cast<std::ptrdiff_t>(i), start);
      if (start == ids.end()) break;
      auto end = std::find(start + 1, ids.end(), token_id::img_end);
      if (end == ids.end()) return Status::error("Unclosed image token: an <img> has no </img> after it");
      std::string path;
      for (auto it = start + 1; it != end; ++it) {
        if (*it >= token_id::first_special)
          return Status::error("special token " + std::string(token_bytes(*it)) +
                               " inside <img>..</img>: an image path must be plain text (the "
                               "official tokenizer fails here with a TypeError)");
        path += token_bytes(*it);
      }
      if (path.size() > static_cast<size_t>(token_id::image_span))
        return Status::error("The content in <img>..</img> is too long: " + std::to_string(path.size()) +
                             " bytes, at most " + std::to_string(token_id::image_span));
      out.push_back(token_id::img_start);
      for (unsigned char c : path) out.push_back(c);  // the id of a path byte is its value
      out.insert(out.end(), token_id::image_span - path.size(), token_id::img_pad);
      out.push_back(token_id::img_end);
      i = static_cast<size_t>(end - ids.begin()) + 1;
    }
    ids.swap(out);
    return Status();
  }

  std::string_view token_bytes(int32_t id) const {
    if (id >= 0 && static_cast<size_t>(id) < vocab->size()) return vocab->bytes(id);
    if (id >= token_id::first_special && id < token_id::vocab_size)
      return specials[id - token_id::first_special].surface;
    return {};
  }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::load(const std::string& tiktoken_path) {
  using R = Result<std::unique_ptr<Tokenizer>>;
  auto impl = std::make_unique<Impl>();
  auto vocab = Vocab::load(tiktoken_path, kBpeTokens);
  if (!vocab) return vocab.status();
  impl->vocab = std::move(*vocab);
  auto bpe = BpeEngine::create(*impl->vocab);
  if (!bpe) return bpe.status().with_context(tiktoken_path + ": ");
  impl->bpe = std::move(*bpe);
  impl->specials = make_specials();
  if (impl->specials.size() != static_cast<size_t>(token_id::vocab_size - token_id::first_special))
    return R::error("internal error: special token table has the wrong size");
  for (size_t i = 0; i < impl->specials.size(); ++i) {
    const std::string& s = impl->specials[i].surface;
    impl->special_ids.emplace(s, token_id::first_special + static_cast<int32_t>(i));
    impl->min_special_len = std::min(impl->min_special_len, s.size());
    impl->max_special_len = std::max(impl->max_special_len, s.size());
  }
  return R(std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl))));
}

Result<std::vector<int32_t>> Tokenizer::encode(std::string_view text, SpecialMode mode) const {
  // Invalid UTF-8 cannot reach the official code (Python str); it is read as U+FFFD here.
  std::u32string normalized = unicode::nfc(utf8_to_u32(text));
  std::u32string_view s = normalized;
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  size_t segment = 0;
  bool has_image = false;
  if (mode != SpecialMode::None) {
    for (size_t pos = s.find(U'<'); pos != std::u32string_view::npos; pos = s.find(U'<', pos)) {
      size_t len = 0;
      int32_t id = impl_->special_at(s, pos, mode, &len);
      if (id < 0) {
        ++pos;
        continue;
      }
      impl_->encode_ordinary(s.substr(segment, pos - segment), ids);
      ids.push_back(id);
      has_image = has_image || id == token_id::img_start;
      pos += len;
      segment = pos;
    }
  }
  impl_->encode_ordinary(s.substr(segment), ids);
  if (has_image) QWENVL_TRY(impl_->replace_image_spans(ids));
  return ids;
}

std::string_view Tokenizer::token_bytes(int32_t id) const { return impl_->token_bytes(id); }

std::optional<int32_t> Tokenizer::special_id(std::string_view surface) const {
  auto it = impl_->special_ids.find(std::string(surface));
  if (it == impl_->special_ids.end()) return std::nullopt;
  return it->second;
}

std::string Tokenizer::decode_bytes(const std::vector<int32_t>& ids) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == token_id::img_start) {
      // _decode_imgurl: the ids up to the first <imgpad> are the path's bytes.
      auto end = std::find(ids.begin() + static_cast<std::ptrdiff_t>(i) + 1, ids.end(), token_id::img_end);
      if (end != ids.end()) {
        auto first = ids.begin() + static_cast<std::ptrdiff_t>(i) + 1;
        auto path_end = std::find(first, end, token_id::img_pad);
        if (std::all_of(first, path_end, [](int32_t id) { return id >= 0 && id < 256; })) {
          out += token_bytes(token_id::img_start);
          for (auto it = first; it != path_end; ++it) out.push_back(static_cast<char>(*it));
          out += token_bytes(token_id::img_end);
          i = static_cast<size_t>(end - ids.begin());
          continue;
        }
      }
    }
    out += token_bytes(ids[i]);
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const { return utf8_decode_replace(decode_bytes(ids)); }

std::string StreamDecoder::push(int32_t id) {
  if (!image_span_.empty()) {
    image_span_.push_back(id);
    if (id != token_id::img_end) return {};
    pending_ += tok_.decode_bytes(image_span_);
    image_span_.clear();
  } else if (id == token_id::img_start) {
    // Hold the span until its </img>. The bytes before it are complete: the span starts with
    // '<', which ends any unfinished sequence just as it does in decode().
    image_span_.push_back(id);
    std::string out = utf8_decode_replace(pending_);
    pending_.clear();
    return out;
  } else {
    pending_ += tok_.token_bytes(id);
  }
  size_t stable = utf8_stable_prefix(pending_);
  std::string out = utf8_decode_replace(std::string_view(pending_).substr(0, stable));
  pending_.erase(0, stable);
  return out;
}

std::string StreamDecoder::flush() {
  if (!image_span_.empty()) {  // never closed: decode() keeps its plain token bytes
    pending_ += tok_.decode_bytes(image_span_);
    image_span_.clear();
  }
  std::string out = utf8_decode_replace(pending_);
  pending_.clear();
  return out;
}

}  // namespace qwenvl
