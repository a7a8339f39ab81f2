// The Unicode the tokenizer needs, from our own generated tables (unicode_data_*.cpp): the
// character classes of the split regex (\p{L}, \p{N}, \s, simple case folding) and NFC
// normalisation exactly as Python's unicodedata.normalize("NFC", ...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tokenizer/unicode_tables.h"

namespace qwenvl::unicode {

// The UCD version the tables were generated from, e.g. "15.0.0".
const char* version();

// Property bits (unicode_tables::PropertyBit) in the low byte, combining class in the high byte.
inline uint16_t lookup(char32_t cp) {
  using namespace unicode_tables;
  if (cp >= 0x110000) return 0;
  return kBlocks[(static_cast<uint32_t>(kBlockIndex[cp >> kBlockShift]) << kBlockShift) |
                 (cp & ((1u << kBlockShift) - 1))];
}
inline bool is_letter(char32_t cp) { return lookup(cp) & unicode_tables::kLetter; }
inline bool is_number(char32_t cp) { return lookup(cp) & unicode_tables::kNumber; }
inline bool is_white_space(char32_t cp) { return lookup(cp) & unicode_tables::kWhiteSpace; }
inline uint8_t combining_class(char32_t cp) { return static_cast<uint8_t>(lookup(cp) >> 8); }

// Simple case folding (CaseFolding.txt C + S): 'S' -> 's', U+017F (long s) -> 's',
// U+212A (Kelvin sign) -> 'k'; code points without a folding map to themselves.
char32_t simple_fold(char32_t cp);

// Canonical composition (NFC). Text that passes the NFC quick check is returned unchanged.
std::u32string nfc(std::u32string_view text);
// True when the quick check proves `text` is already NFC (NFC_QC = Yes everywhere and the
// combining classes are in canonical order).
bool is_nfc_quick(std::u32string_view text);

}  // namespace qwenvl::unicode
