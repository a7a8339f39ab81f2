#!/usr/bin/env python3
"""Generates inference/src/tokenizer/unicode_data_*.cpp from the Unicode Character Database.

The tokenizer needs, without ICU or PCRE2 at build time: general categories L* and N*, the
White_Space property, simple case folding (for the split regex), and everything NFC needs
(canonical decompositions, combining classes, composition pairs minus exclusions, NFC_QC).
The output is committed, so builds never need the `unicode-data` package; rerun this script
(reads Debian's /usr/share/unicode by default) only to move to another Unicode version.

usage: scripts/gen_unicode_tables.py [--ucd DIR] [--out-dir DIR]
"""
import argparse
import os
import re
import sys

MAX_CP = 0x110000
BLOCK = 128  # code points per stage-2 block of the two-stage property table

# Property bits, mirrored by unicode_tables.h.
P_LETTER, P_NUMBER, P_WHITE_SPACE, P_NFC_QC_NOT_YES = 1, 2, 4, 8

S_BASE, S_COUNT = 0xAC00, 11172  # Hangul syllables: composed algorithmically, not tabled


def fail(msg):
    sys.exit("gen_unicode_tables.py: " + msg)


def read_lines(ucd, name):
    path = os.path.join(ucd, name)
    try:
        with open(path, encoding="utf-8") as f:
            return path, f.read().splitlines()
    except OSError as e:
        fail(f"cannot read {path}: {e} (Debian package unicode-data)")


def file_version(path, lines):
    m = re.match(r"#\s*\S+-(\d+\.\d+\.\d+)\.txt", lines[0]) if lines else None
    if not m:
        fail(f"{path}: first line does not name a Unicode version")
    return m.group(1)


def parse_range(field):
    if ".." in field:
        a, b = field.split("..")
        return int(a, 16), int(b, 16)
    return int(field, 16), int(field, 16)


def data_rows(lines):
    """Yields the ';'-separated fields of every non-comment line."""
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            yield [f.strip() for f in line.split(";")]


def load_unicode_data(ucd):
    path, lines = read_lines(ucd, "UnicodeData.txt")
    category = {}
    ccc = {}
    decomp = {}  # canonical decompositions only (no <tag>)
    first = None
    for line in lines:
        f = line.split(";")
        if len(f) != 15:
            fail(f"{path}: malformed line {line!r}")
        cp = int(f[0], 16)
        name, gc = f[1], f[2]
        if name.endswith(", First>"):
            first = cp
            continue
        lo = first if name.endswith(", Last>") else cp
        first = None
        for c in range(lo, cp + 1):
            category[c] = gc
            if int(f[3]):
                ccc[c] = int(f[3])
        if f[5] and not f[5].startswith("<"):
            decomp[cp] = [int(x, 16) for x in f[5].split()]
    return category, ccc, decomp


def load_property(ucd, name, prop):
    path, lines = read_lines(ucd, name)
    out = set()
    for f in data_rows(lines):
        if f[1] == prop:
            a, b = parse_range(f[0])
            out.update(range(a, b + 1))
    if not out:
        fail(f"{path}: no code point has {prop}")
    return file_version(path, lines), out


def load_nfc_qc(ucd):
    path, lines = read_lines(ucd, "DerivedNormalizationProps.txt")
    not_yes = set()
    full_exclusion = set()
    for f in data_rows(lines):
        a, b = parse_range(f[0])
        if f[1] == "NFC_QC" and f[2] in ("N", "M"):
            not_yes.update(range(a, b + 1))
        elif f[1] == "Full_Composition_Exclusion":
            full_exclusion.update(range(a, b + 1))
    return file_version(path, lines), not_yes, full_exclusion


def load_exclusions(ucd):
    path, lines = read_lines(ucd, "CompositionExclusions.txt")
    out = set()
    for f in data_rows(lines):
        a, b = parse_range(f[0])
        out.update(range(a, b + 1))
    return file_version(path, lines), out


def load_simple_folds(ucd):
    path, lines = read_lines(ucd, "CaseFolding.txt")
    folds = {}
    for f in data_rows(lines):
        if f[1] in ("C", "S"):
            folds[int(f[0], 16)] = int(f[2], 16)
    return file_version(path, lines), folds


def full_decomposition(cp, decomp):
    if cp not in decomp:
        return [cp]
    out = []
    for c in decomp[cp]:
        out.extend(full_decomposition(c, decomp))
    return out


def two_stage(values):
    """Splits a per-code-point uint16 array into a block index and deduplicated blocks."""
    blocks, index, seen = [], [], {}
    for start in range(0, MAX_CP, BLOCK):
        block = tuple(values[start:start + BLOCK])
        if block not in seen:
            seen[block] = len(blocks)
            blocks.append(block)
        index.append(seen[block])
    if len(blocks) > 0xFFFF:
        fail("too many distinct blocks for a uint16 index")
    return index, blocks


def c_array(ctype, name, values, per_line=16, fmt=str):
    out = [f"const {ctype} {name}[] = {{"]
    for i in range(0, len(values), per_line):
        out.append("    " + ", ".join(fmt(v) for v in values[i:i + per_line]) + ",")
    out.append("};")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ucd", default="/usr/share/unicode", help="folder with UnicodeData.txt etc.")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out-dir", default=os.path.join(here, "..", "inference", "src", "tokenizer"),
                    help="where the unicode_data_*.cpp files go")
    args = ap.parse_args()

    category, ccc, decomp = load_unicode_data(args.ucd)
    v_prop, white_space = load_property(args.ucd, "PropList.txt", "White_Space")
    v_norm, nfc_not_yes, full_exclusion = load_nfc_qc(args.ucd)
    v_excl, exclusions = load_exclusions(args.ucd)
    v_fold, folds = load_simple_folds(args.ucd)
    versions = {v_prop, v_norm, v_excl, v_fold}
    if len(versions) != 1:
        fail(f"the UCD files disagree on the Unicode version: {sorted(versions)}")
    version = versions.pop()

    # Full_Composition_Exclusion must be exactly the explicit exclusions plus singletons plus
    # non-starter decompositions (UAX #15); a mismatch means the files are inconsistent.
    derived = set(exclusions)
    for cp, d in decomp.items():
        if len(d) == 1 or ccc.get(cp, 0) != 0 or ccc.get(d[0], 0) != 0:
            derived.add(cp)
    if derived != full_exclusion:
        fail("Full_Composition_Exclusion disagrees with CompositionExclusions.txt + derivation")

    props = [0] * MAX_CP
    for cp, gc in category.items():
        if gc[0] == "L":
            props[cp] |= P_LETTER
        elif gc[0] == "N":
            props[cp] |= P_NUMBER
    for cp in white_space:
        props[cp] |= P_WHITE_SPACE
    for cp in nfc_not_yes:
        props[cp] |= P_NFC_QC_NOT_YES
    values = [(ccc.get(cp, 0) << 8) | props[cp] for cp in range(MAX_CP)]
    index, blocks = two_stage(values)

    decomp_entries, pool = [], []
    for cp in sorted(decomp):
        full = full_decomposition(cp, decomp)
        decomp_entries.append((cp, len(pool), len(full)))
        pool.extend(full)
    if len(pool) > 0xFFFF or max(n for _, _, n in decomp_entries) > 255:
        fail("decomposition pool does not fit its uint16/uint8 fields")

    compositions = sorted(
        ((d[0] << 21) | d[1], cp) for cp, d in decomp.items()
        if len(d) == 2 and cp not in full_exclusion)

    fold_entries = sorted(folds.items())

    flat = [v for b in blocks for v in b]
    files = {
        "unicode_data_properties.cpp": ("per-code-point properties and combining classes", [
            f'const char kUnicodeVersion[] = "{version}";',
            c_array("uint16_t", "kBlockIndex", index, 48),
            f"static_assert(sizeof(kBlockIndex) / sizeof(kBlockIndex[0]) == {len(index)});",
            c_array("uint16_t", "kBlocks", flat, 48, lambda v: f"0x{v:x}"),
            f"static_assert(sizeof(kBlocks) / sizeof(kBlocks[0]) == {len(flat)});"]),
        "unicode_data_decompositions.cpp": ("full canonical decompositions", [
            c_array("Decomposition", "kDecompositions", decomp_entries, 6,
                    lambda e: f"{{0x{e[0]:x}, {e[1]}, {e[2]}}}"),
            f"const size_t kDecompositionCount = {len(decomp_entries)};",
            c_array("char32_t", "kDecompositionPool", pool, 12, lambda v: f"0x{v:x}")]),
        "unicode_data_compositions.cpp": ("canonical composition pairs (exclusions removed)", [
            c_array("Composition", "kCompositions", compositions, 4,
                    lambda e: f"{{0x{e[0]:x}ull, 0x{e[1]:x}}}"),
            f"const size_t kCompositionCount = {len(compositions)};"]),
        "unicode_data_case_folds.cpp": ("simple case folds", [
            c_array("CaseFold", "kSimpleCaseFolds", fold_entries, 8,
                    lambda e: f"{{0x{e[0]:x}, 0x{e[1]:x}}}"),
            f"const size_t kSimpleCaseFoldCount = {len(fold_entries)};"]),
    }
    for name, (what, parts) in files.items():
        out = [f"// GENERATED by scripts/gen_unicode_tables.py from the Unicode Character Database "
               f"{version}; do not edit.",
               f"// The tokenizer's {what} (see unicode_tables.h). Rerun the script to change the "
               "version.",
               "// clang-format off",
               '#include "tokenizer/unicode_tables.h"',
               "",
               "namespace qwenvl::unicode_tables {",
               ""]
        for part in parts:
            out += [part, ""]
        out.append("}  // namespace qwenvl::unicode_tables")
        path = os.path.join(args.out_dir, name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")
        os.replace(tmp, path)
    print(f"wrote {len(files)} files to {args.out_dir}: Unicode {version}, {len(blocks)} blocks, "
          f"{len(decomp_entries)} decompositions, {len(compositions)} compositions, "
          f"{len(fold_entries)} case folds")


if __name__ == "__main__":
    main()
