// Hand-written matcher for the split regex (see pretokenize.h). Each alternative is resolved
// the way a backtracking engine would resolve it, so no backtracking is needed at run time;
// the comments give the reasoning for the ones where it matters.
#include "tokenizer/pretokenize.h"

#include <algorithm>

#include "tokenizer/unicode.h"

namespace qwenvl {

namespace {

bool is_cr_lf(char32_t c) { return c == U'\r' || c == U'\n'; }

// (?i:...) compares under simple case folding, so U+017F (long s) matches 's'.
bool folds_to(char32_t c, char32_t lower_ascii) {
  if (c < 0x80) return (c >= U'A' && c <= U'Z' ? c + 0x20 : c) == lower_ascii;
  return unicode::simple_fold(c) == lower_ascii;
}

// 's 't 're 've 'm 'll 'd: the length of the contraction at text[pos] ('\'' already checked).
size_t contraction_length(std::u32string_view text, size_t pos) {
  size_t n = text.size();
  if (pos + 1 >= n) return 0;
  char32_t a = text[pos + 1];
  if (folds_to(a, U's') || folds_to(a, U't') || folds_to(a, U'm') || folds_to(a, U'd')) return 2;
  if (pos + 2 >= n) return 0;
  char32_t b = text[pos + 2];
  if ((folds_to(a, U'r') && folds_to(b, U'e')) || (folds_to(a, U'v') && folds_to(b, U'e')) ||
      (folds_to(a, U'l') && folds_to(b, U'l')))
    return 3;
  return 0;
}

}  // namespace

size_t pretoken_end(std::u32string_view text, size_t pos) {
  const size_t n = text.size();
  const char32_t c = text[pos];
  const uint16_t cls = unicode::lookup(c);
  const bool letter = cls & unicode_tables::kLetter;
  const bool number = cls & unicode_tables::kNumber;
  const bool space = cls & unicode_tables::kWhiteSpace;
  auto letters_from = [&](size_t j) {
    while (j < n && unicode::is_letter(text[j])) ++j;
    return j;
  };

  // 1. (?i:'s|'t|'re|'ve|'m|'ll|'d)
  if (c == U'\'') {
    if (size_t len = contraction_length(text, pos)) return pos + len;
  }
  // 2. [^\r\n\p{L}\p{N}]?\p{L}+ : the optional class excludes letters, so a letter starts the
  // run itself; any other allowed character needs a letter right after it.
  if (letter) return letters_from(pos + 1);
  if (!number && !is_cr_lf(c) && pos + 1 < n && unicode::is_letter(text[pos + 1])) return letters_from(pos + 2);
  // 3. \p{N}: one digit at a time.
  if (number) return pos + 1;
  // 4. ' ?[^\s\p{L}\p{N}]+[\r\n]*' : a space is not in the class, so without a class character
  // after it the alternative fails.
  auto punct = [&](size_t j) {
    if (j >= n) return false;
    uint16_t v = unicode::lookup(text[j]);
    return !(v & (unicode_tables::kLetter | unicode_tables::kNumber | unicode_tables::kWhiteSpace));
  };
  size_t j = (c == U' ') ? pos + 1 : pos;
  if (punct(j)) {
    while (punct(j)) ++j;
    while (j < n && is_cr_lf(text[j])) ++j;
    return j;
  }
  // Every code point that is not white space has matched above.
  if (!space) return pos + 1;  // unreachable: a non-space, non-letter, non-number is punct
  size_t run_end = pos;
  size_t last_newline = n;
  while (run_end < n && unicode::is_white_space(text[run_end])) {
    if (is_cr_lf(text[run_end])) last_newline = run_end;
    ++run_end;
  }
  // 5. \s*[\r\n]+ : \s* backs off until [\r\n]+ can match, which ends right after the last
  // CR/LF of the white-space run.
  if (last_newline != n) return last_newline + 1;
  // 6. \s+(?!\S) : the whole run at the end of the text, else the run minus its last
  // character (which is white space, so the lookahead holds), if that is not empty.
  if (run_end == n) return run_end;
  if (run_end - pos >= 2) return run_end - 1;
  // 7. \s+
  return run_end;
}

void split_pretokens(std::u32string_view text, std::vector<size_t>& piece_ends) {
  piece_ends.clear();
  for (size_t pos = 0; pos < text.size();) {
    pos = std::max(pretoken_end(text, pos), pos + 1);  // never an empty piece, never a hang
    piece_ends.push_back(pos);
  }
}

}  // namespace qwenvl
