// NFC (UAX #15: full canonical decomposition, canonical ordering, canonical composition with
// the composition exclusions; Hangul done algorithmically) and case folding lookups over the
// generated tables. Matches CPython's unicodedata for the same Unicode version.
#include "tokenizer/unicode.h"

#include <algorithm>

namespace qwenvl::unicode {

namespace {

using namespace unicode_tables;

// Hangul syllable arithmetic (Unicode §3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

void decompose_into(char32_t cp, std::u32string& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    char32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount) out.push_back(kTBase + s % kTCount);
    return;
  }
  const Decomposition* end = kDecompositions + kDecompositionCount;
  const Decomposition* it =
      std::lower_bound(kDecompositions, end, cp, [](const Decomposition& d, char32_t c) { return d.cp < c; });
  if (it != end && it->cp == cp) {
    out.append(kDecompositionPool + it->offset, it->length);  // already fully decomposed
  } else {
    out.push_back(cp);
  }
}

// The primary composite of <first, second>, or 0 when they do not compose.
char32_t compose_pair(char32_t first, char32_t second) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase && second < kVBase + kVCount)
    return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
  if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 && second > kTBase &&
      second < kTBase + kTCount)
    return first + (second - kTBase);
  uint64_t key = (static_cast<uint64_t>(first) << 21) | second;
  const Composition* end = kCompositions + kCompositionCount;
  const Composition* it =
      std::lower_bound(kCompositions, end, key, [](const Composition& c, uint64_t k) { return c.key < k; });
  return (it != end && it->key == key) ? it->composite : 0;
}

// Stable sort of every run of non-starters by combining class. stable_sort rather than the
// usual insertion sort: a hostile text can hold a run of 100000 combining marks.
void canonical_order(std::u32string& s) {
  for (size_t i = 0; i < s.size();) {
    if (combining_class(s[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < s.size() && combining_class(s[j]) != 0) ++j;
    if (j - i > 1)
      std::stable_sort(s.begin() + static_cast<std::ptrdiff_t>(i), s.begin() + static_cast<std::ptrdiff_t>(j),
                       [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
    i = j;
  }
}

void canonical_compose(std::u32string& s) {
  if (s.empty()) return;
  size_t starter = 0;
  bool have_starter = combining_class(s[0]) == 0;
  // 256 marks "a non-starter was kept before any starter": nothing composes across it.
  int last_class = have_starter ? 0 : 256;
  size_t out = 1;
  for (size_t i = 1; i < s.size(); ++i) {
    char32_t c = s[i];
    int ccc = combining_class(c);
    if (have_starter && (last_class < ccc || last_class == 0)) {
      if (char32_t composite = compose_pair(s[starter], c)) {
        s[starter] = composite;
        continue;
      }
    }
    if (ccc == 0) {
      starter = out;
      have_starter = true;
    }
    last_class = ccc;
    s[out++] = c;
  }
  s.resize(out);
}

}  // namespace

const char* version() { return kUnicodeVersion; }

char32_t simple_fold(char32_t cp) {
  const CaseFold* end = kSimpleCaseFolds + kSimpleCaseFoldCount;
  const CaseFold* it =
      std::lower_bound(kSimpleCaseFolds, end, cp, [](const CaseFold& f, char32_t c) { return f.cp < c; });
  return (it != end && it->cp == cp) ? it->folded : cp;
}

bool is_nfc_quick(std::u32string_view text) {
  uint8_t last = 0;
  for (char32_t c : text) {
    if (c < 0x300) {  // below U+0300 every code point is NFC_QC=Yes with class 0
      last = 0;
      continue;
    }
    uint16_t v = lookup(c);
    uint8_t ccc = static_cast<uint8_t>(v >> 8);
    if ((v & kNfcQcNotYes) || (ccc != 0 && last > ccc)) return false;
    last = ccc;
  }
  return true;
}

std::u32string nfc(std::u32string_view text) {
  if (is_nfc_quick(text)) return std::u32string(text);
  std::u32string s;
  s.reserve(text.size() + text.size() / 4);
  for (char32_t c : text) decompose_into(c, s);
  canonical_order(s);
  canonical_compose(s);
  return s;
}

}  // namespace qwenvl::unicode
