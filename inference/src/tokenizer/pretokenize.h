// The split regex of Qwen's tokenizer, matched by hand with Unicode semantics:
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//   \s*[\r\n]+|\s+(?!\S)|\s+
// with the leftmost-first, backtracking semantics of the regex engine tiktoken uses.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace qwenvl {

// The end of the regex match that starts at text[pos] (pos < text.size()). Every code point
// starts a non-empty match, so successive matches tile the text. `text` is one segment
// between special tokens: the lookahead (?!\S) sees its end as the end of input.
size_t pretoken_end(std::u32string_view text, size_t pos);

// All matches of the regex in `text`, as the end offset of each piece.
void split_pretokens(std::u32string_view text, std::vector<size_t>& piece_ends);

}  // namespace qwenvl
