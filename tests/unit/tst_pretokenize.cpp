// The hand-written matcher of the split regex on tricky inputs. The expected pieces were
// produced by an independent engine (Python's `regex` module running the official pattern),
// not by this code.
#include <QtTest/QtTest>

#include <random>

#include "tokenizer/pretokenize.h"
#include "util/utf8.h"

namespace {

QStringList split(const std::string& utf8) {
  std::u32string text = qwenvl::utf8_to_u32(utf8);
  std::vector<size_t> ends;
  qwenvl::split_pretokens(text, ends);
  QStringList pieces;
  size_t begin = 0;
  for (size_t end : ends) {
    pieces << QString::fromStdString(qwenvl::u32_to_utf8(std::u32string_view(text).substr(begin, end - begin)));
    begin = end;
  }
  return pieces;
}

QStringList list(std::initializer_list<const char*> pieces) {
  QStringList out;
  for (const char* p : pieces) out << QString::fromUtf8(p);
  return out;
}

}  // namespace

class TestPretokenize : public QObject {
  Q_OBJECT

 private slots:
  void split_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("pieces");
    auto row = [](const char* name, const char* text, std::initializer_list<const char*> pieces) {
      QTest::newRow(name) << QString::fromUtf8(text) << list(pieces);
    };
    row("contractions", "I'm sure it'S 'sup", {"I", "'m", " sure", " it", "'S", " '", "sup"});
    row("case folding", "'\u017f '\u017fx 'LL 'Ll 'Re 'VE 'D 'x '",
        {"'\u017f", " '", "\u017fx", " '", "LL", " '", "Ll", " '", "Re", " '", "VE", " '", "D", " '", "x", " '"});
    row("contraction then letters", "'Sup", {"'S", "up"});
    row("long s contraction", "x'\u017fup", {"x", "'\u017f", "up"});
    row("upper contractions", "'LLama 'REd 'VEry 'Mx 'Dx 'Tx",
        {"'LL", "ama", " '", "REd", " '", "VEry", " '", "Mx", " '", "Dx", " '", "Tx"});
    row("partial contractions", "'r 'l 'lx", {"'r", " '", "l", " '", "lx"});
    row("don't", "don't", {"don", "'t"});
    row("kelvin sign folds to k only", "'\u212aay", {"'\u212aay"});
    row("kelvin sign is a letter", "x\u212a'll 'K", {"x\u212a", "'ll", " '", "K"});
    row("apostrophes", "''s", {"''", "s"});
    row("lone apostrophe", "'", {"'"});
    row("leading spaces", "   a", {"  ", " a"});
    row("trailing spaces", "a   ", {"a", "   "});
    row("spaces around newline", "  \n  b", {"  \n", " ", " b"});
    row("crlf runs", " \r\n\r\n x", {" \r\n\r\n", " x"});
    row("blank lines", "a \n\n b", {"a", " \n\n", " b"});
    row("mixed white space", "\r\n \n\t z", {"\r\n \n", "\t", " z"});
    row("tabs", "\t\tx", {"\t", "\tx"});
    row("nbsp prefix", "\u00a0word", {"\u00a0word"});
    row("ideographic space", "\u3000x y", {"\u3000x", " y"});
    row("punctuation and newlines", "!!!\n\nx", {"!!!\n\n", "x"});
    row("space punct crlf", " ...\r\n", {" ...\r\n"});
    row("two spaces before punct", "  ?!", {" ", " ?!"});
    row("digits one by one", "12abc", {"1", "2", "abc"});
    row("other numbers", "\u0663\u00b2\u2167x", {"\u0663", "\u00b2", "\u2167", "x"});
    row("brackets", "(x) [y]", {"(x", ")", " [", "y", "]"});
    row("line separators", "\u2028\u2029z", {"\u2028", "\u2029z"});
    row("combining mark is not a letter", "a\u0301b", {"a", "\u0301b"});
    row("next line is white space", "x\u0085y", {"x", "\u0085y"});
    row("zero width space is not white space", " \u200bq", {" \u200b", "q"});
    row("zero width spaces", "\u200b\u200bq", {"\u200b\u200b", "q"});
    row("cr at end", "a\r", {"a", "\r"});
    row("single space", " ", {" "});
    row("single newline", "\n", {"\n"});
    row("cjk run", "\u4e2d\u6587abc\u3002", {"\u4e2d\u6587abc", "\u3002"});
    row("empty", "", {});
  }

  void split() {
    QFETCH(QString, text);
    QFETCH(QStringList, pieces);
    QCOMPARE(::split(text.toStdString()), pieces);
  }

  // On random text the pieces are never empty and tile the input exactly.
  void pieces_tile_the_text() {
    const char32_t alphabet[] = {U'a', U'Z', U'1',   U' ',   U'\t',  U'\r',  U'\n',  U'\'',  U's',   U'!',
                                 U'.', 0xA0, 0x3000, 0x2028, 0x0301, 0x4E2D, 0x017F, 0x0663, 0x1F600};
    std::mt19937 rng(42);
    for (int iter = 0; iter < 2000; ++iter) {
      std::u32string text;
      int len = static_cast<int>(rng() % 30);
      for (int i = 0; i < len; ++i) text.push_back(alphabet[rng() % std::size(alphabet)]);
      std::vector<size_t> ends;
      qwenvl::split_pretokens(text, ends);
      size_t prev = 0;
      for (size_t e : ends) {
        QVERIFY(e > prev);
        prev = e;
      }
      QCOMPARE(prev, text.size());
    }
  }
};

QTEST_GUILESS_MAIN(TestPretokenize)
#include "tst_pretokenize.moc"
