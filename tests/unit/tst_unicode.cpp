// Our generated Unicode tables and NFC: character classes for the split regex, simple case
// folding, NFC on combining sequences, Hangul, singletons and exclusions (expected values from
// Python's unicodedata), and the full NormalizationTest.txt conformance suite when the
// unicode-data package is installed.
#include <QtTest/QtTest>

#include <set>
#include <sstream>

#include "support/test_env.h"
#include "tokenizer/unicode.h"

using qwenvl::unicode::nfc;

namespace {

std::u32string parse_hex_seq(const std::string& field) {
  std::u32string out;
  std::istringstream in(field);
  std::string hex;
  while (in >> hex) out.push_back(static_cast<char32_t>(std::stoul(hex, nullptr, 16)));
  return out;
}

QString show(const std::u32string& s) {
  QStringList parts;
  for (char32_t c : s) parts << QString::number(c, 16).toUpper();
  return parts.join(' ');
}

}  // namespace

class TestUnicode : public QObject {
  Q_OBJECT

 private slots:
  void classes() {
    using namespace qwenvl::unicode;
    QVERIFY(is_letter(U'a') && is_letter(0x4E2D) && is_letter(0x017F) && is_letter(0x212A) && is_letter(0xAC00));
    QVERIFY(is_letter(0x02B0));                         // Lm
    QVERIFY(is_letter(0x20000) && is_letter(0x2A6DF));  // CJK Extension B, first and last
    QVERIFY(!is_letter(U'1') && !is_letter(0x0301) && !is_letter(U'_') && !is_letter(0x1F600));
    QVERIFY(is_number(U'7') && is_number(0x0663) && is_number(0x2167) && is_number(0x00B2) && is_number(0xFF11));
    QVERIFY(!is_number(U'x') && !is_number(0x4E00));
    const std::set<char32_t> white = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0x85,   0xA0,   0x1680,
                                      0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
                                      0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    for (char32_t c = 0; c < 0x110000; ++c) QCOMPARE(is_white_space(c), white.count(c) == 1);
    QVERIFY(!is_letter(0x110000) && !is_white_space(0xFFFFFFFF));
  }

  void case_folding() {
    using qwenvl::unicode::simple_fold;
    QCOMPARE(simple_fold(U'S'), char32_t(U's'));
    QCOMPARE(simple_fold(U's'), char32_t(U's'));
    QCOMPARE(simple_fold(0x017F), char32_t(U's'));
    QCOMPARE(simple_fold(0x212A), char32_t(U'k'));
    QCOMPARE(simple_fold(0x1E9E), char32_t(0xDF));  // capital sharp s: simple fold only
    QCOMPARE(simple_fold(U'1'), char32_t(U'1'));
  }

  // The quick check in nfc() skips every code point below U+0300 as NFC_QC=Yes, class 0.
  void below_0300_is_stable() {
    for (char32_t c = 0; c < 0x300; ++c) {
      QCOMPARE(qwenvl::unicode::combining_class(c), uint8_t(0));
      QVERIFY(!(qwenvl::unicode::lookup(c) & qwenvl::unicode_tables::kNfcQcNotYes));
    }
  }

  void nfc_cases_data() {
    QTest::addColumn<QString>("in");
    QTest::addColumn<QString>("out");
    auto row = [](const char* name, std::u32string in, std::u32string out) {
      QTest::newRow(name) << QString::fromUcs4(in.data(), in.size()) << QString::fromUcs4(out.data(), out.size());
    };
    row("e acute", U"e\u0301", U"\u00e9");
    row("ring", U"A\u030a", U"\u00c5");
    row("angstrom singleton", U"\u212b", U"\u00c5");
    row("ohm singleton", U"\u2126", U"\u03a9");
    row("excluded", U"\u0958", U"\u0915\u093c");
    row("non-starter decomposition", U"\u0344", U"\u0308\u0301");
    row("reorder 1", U"a\u0316\u0301", U"\u00e1\u0316");
    row("reorder 2", U"a\u0301\u0316", U"\u00e1\u0316");
    row("hangul LVT", U"\u1100\u1161\u11a8", U"\uac01");
    row("hangul LV+T", U"\uac00\u11a8", U"\uac01");
    row("hangul blocked", U"\u1100\u1161\u0301\u11a8", U"\uac00\u0301\u11a8");
    row("hangul L L V", U"\u1100\u1100\u1161", U"\u1100\uac00");
    row("lone T", U"\u11a8", U"\u11a8");
    row("leading non-starter", U"\u0301a", U"\u0301a");
    row("two marks compose", U"o\u0308\u0304", U"\u022b");
    row("long s dot", U"\u1e9b\u0323", U"\u1e9b\u0323");
    row("blocked by equal class", U"q\u0307\u0323", U"q\u0323\u0307");
    row("recompose", U"\u00c5\u0301", U"\u01fa");
    row("thai", U"\u0e40\u0e48", U"\u0e40\u0e48");
    row("ogonek acute", U"A\u0328\u0301", U"\u0104\u0301");
    row("no pair", U"\u018f\u0301", U"\u018f\u0301");
    row("tibetan", U"\u0f73", U"\u0f71\u0f72");
    row("kelvin singleton", U"\u212a", U"K");
    row("three marks", U"\u00e5\u0300\u0316", U"\u00e5\u0316\u0300");
    row("hebrew order", U"a\u05b0\u0591", U"a\u05b0\u0591");
    row("musical excluded", U"\U0001d15e", U"\U0001d157\U0001d165");
    row("empty", U"", U"");
  }

  void nfc_cases() {
    QFETCH(QString, in);
    QFETCH(QString, out);
    std::u32string got = nfc(in.toStdU32String());
    QCOMPARE(show(got), show(out.toStdU32String()));
  }

  // Canonical ordering is a stable sort: marks of equal class keep their order, also in runs
  // far longer than any real text (and without quadratic time).
  void long_runs_of_marks() {
    std::u32string text = U"a";
    for (int i = 0; i < 100000; ++i) text += U"\u0301\u0300\u0316";
    std::u32string got = nfc(text);
    QCOMPARE(got.size(), text.size() - 1);
    QCOMPARE(got[0], char32_t(0xE1));  // a + the first U+0301, once U+0316 (220) moved before it
    for (size_t i = 1; i <= 100000; ++i) QCOMPARE(got[i], char32_t(0x316));
    for (size_t i = 100001; i < got.size(); ++i) QCOMPARE(got[i], char32_t(i % 2 ? 0x300 : 0x301));
  }

  // NormalizationTest.txt: c2 == NFC(c1) == NFC(c2) == NFC(c3), c4 == NFC(c4) == NFC(c5), and
  // every code point not in part 1 is its own NFC.
  void conformance() {
    std::string text;
    for (const char* path :
         {"/usr/share/unicode/NormalizationTest.txt", "/usr/share/unicode/NormalizationTest.txt.bz2"}) {
      if (!QFile::exists(path)) continue;
      if (QString(path).endsWith(".bz2")) {
        auto r = qwenvl::test::run_command({"bzip2", "-dc", path});
        if (r.exit_code == 0) text = r.out;
      } else {
        QFile f(path);
        if (f.open(QIODevice::ReadOnly)) text = f.readAll().toStdString();
      }
      if (!text.empty()) break;
    }
    if (text.empty()) QSKIP("NormalizationTest.txt not installed (Debian package unicode-data)");
    std::string version = "NormalizationTest-" + std::string(qwenvl::unicode::version()) + ".txt";
    if (text.find(version) == std::string::npos) QSKIP("NormalizationTest.txt is for another Unicode version");
    std::istringstream in(text);
    std::string line;
    int part = -1, checked = 0;
    std::set<char32_t> part1;
    while (std::getline(in, line)) {
      if (line.rfind("@Part", 0) == 0) {
        part = line[5] - '0';
        continue;
      }
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::u32string> c;
      std::istringstream fields(line);
      std::string field;
      for (int i = 0; i < 5 && std::getline(fields, field, ';'); ++i) c.push_back(parse_hex_seq(field));
      QCOMPARE(c.size(), size_t(5));
      if (part == 1) part1.insert(c[0][0]);
      for (int i : {0, 1, 2}) {
        if (nfc(c[i]) != c[1])
          QFAIL(qPrintable("NFC(" + show(c[i]) + ") != " + show(c[1]) + " on: " + QString::fromStdString(line)));
      }
      for (int i : {3, 4}) {
        if (nfc(c[i]) != c[3])
          QFAIL(qPrintable("NFC(" + show(c[i]) + ") != " + show(c[3]) + " on: " + QString::fromStdString(line)));
      }
      ++checked;
    }
    QVERIFY(checked > 15000);
    for (char32_t cp = 0; cp < 0x110000; ++cp) {
      if ((cp >= 0xD800 && cp < 0xE000) || part1.count(cp)) continue;
      std::u32string one(1, cp);
      if (nfc(one) != one) QFAIL(qPrintable("NFC changes " + show(one) + ", which part 1 does not list"));
    }
  }
};

QTEST_GUILESS_MAIN(TestUnicode)
#include "tst_unicode.moc"
