// make_context (chat/template.h): build_context with the real tokenizer. Kept apart from
// template.cpp so the window logic links (and is tested) without the tokenizer.
#include "chat/template.h"
#include "tokenizer/tokenizer.h"

namespace qwenvl {

Result<ChatContext> make_context(const Tokenizer& tokenizer, std::string_view query,
                                 const std::vector<HistoryTurn>& history, const ContextOptions& options) {
  // Only the 9 image/box tags are special inside roles and contents, as in the official
  // _tokenize_str (allowed_special=set(IMAGE_ST)).
  ContentEncoder encode = [&tokenizer](std::string_view text) { return tokenizer.encode(text, SpecialMode::Image); };
  return build_context(encode, query, history, options);
}

}  // namespace qwenvl
