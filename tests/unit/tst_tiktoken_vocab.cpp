// Loading qwen.tiktoken: the real file (LF and CRLF), and broken files that must give an
// error naming the file and the line: missing file, bad base64, ranks out of order, wrong
// token count, duplicates, a missing single byte, malformed lines.
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/test_env.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

using qwenvl::Vocab;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string b64(const std::string& bytes) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(a[(v >> (6 * k)) & 63]);
  }
  if (bytes.size() - i == 1) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    out += {a[(v >> 18) & 63], a[(v >> 12) & 63], '=', '='};
  } else if (bytes.size() - i == 2) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += {a[(v >> 18) & 63], a[(v >> 12) & 63], a[(v >> 6) & 63], '='};
  }
  return out;
}

// A small valid vocabulary: the 256 bytes, then "ab", "abc".
std::vector<std::string> small_lines() {
  std::vector<std::string> lines;
  for (int b = 0; b < 256; ++b) lines.push_back(b64(std::string(1, static_cast<char>(b))) + " " + std::to_string(b));
  lines.push_back(b64("ab") + " 256");
  lines.push_back(b64("abc") + " 257");
  return lines;
}

std::string join(const std::vector<std::string>& lines, const char* eol = "\n") {
  std::string s;
  for (const auto& l : lines) s += l + eol;
  return s;
}

void expect_error(const std::string& contents, size_t count, const std::string& needle) {
  auto r = Vocab::parse(contents, "my.tiktoken", count);
  QVERIFY2(!r.ok(), "a broken vocabulary was accepted");
  QVERIFY2(r.message().find("my.tiktoken") != std::string::npos, r.message().c_str());
  QVERIFY2(r.message().find(needle) != std::string::npos, r.message().c_str());
}

}  // namespace

class TestTiktokenVocab : public QObject {
  Q_OBJECT

 private slots:
  void base64() {
    std::string out;
    QVERIFY(qwenvl::base64_decode("IQ==", out) && out == "!");
    QVERIFY(qwenvl::base64_decode("SGVsbG8=", out) && out == "Hello");
    QVERIFY(qwenvl::base64_decode("SGVs", out) && out == "Hel");
    for (const char* bad : {"", "I", "IQ=", "I===", "IQ=A", "I!==", "SGV-", "====", "SG Vs"})
      QVERIFY2(!qwenvl::base64_decode(bad, out), bad);
  }

  void small_vocab() {
    auto r = Vocab::parse(join(small_lines()), "my.tiktoken", 258);
    QVERIFY2(r.ok(), r.message().c_str());
    const Vocab& v = **r;
    QCOMPARE(v.size(), size_t(258));
    QCOMPARE(v.find("abc"), 257);
    QCOMPARE(v.find("ab"), 256);
    QCOMPARE(v.find(std::string(1, '\0')), 0);
    QCOMPARE(v.find("abcd"), -1);
    QCOMPARE(std::string(v.bytes(256)), std::string("ab"));
    // CRLF, blank lines and extra blanks between the fields are accepted.
    auto lines = small_lines();
    lines.insert(lines.begin() + 10, "");
    lines[20] = "  " + lines[20] + "\t ";
    auto crlf = Vocab::parse(join(lines, "\r\n"), "my.tiktoken", 258);
    QVERIFY2(crlf.ok(), crlf.message().c_str());
    QCOMPARE((*crlf)->find("abc"), 257);
  }

  void broken_files() {
    auto lines = small_lines();
    {
      auto l = lines;
      l[100] = "not*base64 100";
      expect_error(join(l), 258, "line 101");
    }
    {
      auto l = lines;
      l[100] = l[100].substr(0, l[100].find(' ')) + " 7";
      expect_error(join(l), 258, "line 101: ranks must be contiguous");
    }
    {
      auto l = lines;
      std::swap(l[256], l[257]);
      expect_error(join(l), 258, "line 257");
    }
    {
      auto l = lines;
      l[40] = l[40].substr(0, l[40].find(' '));
      expect_error(join(l), 258, "line 41: expected 'BASE64 RANK'");
    }
    {
      auto l = lines;
      l[41] += " 9";
      expect_error(join(l), 258, "line 42");
    }
    {
      auto l = lines;
      l[42] = l[42].substr(0, l[42].find(' ')) + " -42";
      expect_error(join(l), 258, "line 43: rank '-42' is not a number");
    }
    expect_error(join(lines), 151643, "has 258 tokens, expected 151643");
    expect_error("", 0, "no tokens");
    {
      auto l = lines;
      l.push_back(b64("ab") + " 258");  // the bytes of rank 256 again
      expect_error(join(l), 259, "line 259: token 'ab'");
    }
    {
      std::vector<std::string> l(lines.begin() + 1, lines.end());  // no byte 0x00
      for (size_t i = 0; i < l.size(); ++i) l[i] = l[i].substr(0, l[i].find(' ')) + " " + std::to_string(i);
      expect_error(join(l), 257, "byte 0x00 has no token");
    }
  }

  void real_file_lf_and_crlf() {
    std::string path = qwenvl::test::fixture("qwen.tiktoken");
    auto lf = Vocab::load(path, 151643);
    QVERIFY2(lf.ok(), lf.message().c_str());
    QCOMPARE((*lf)->size(), size_t(151643));
    QCOMPARE((*lf)->find("\n\n"), 271);
    QCOMPARE(std::string((*lf)->bytes(0)), std::string("!"));

    std::string text = read_text(path), crlf;
    crlf.reserve(text.size() * 2);
    for (char c : text) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    std::string dir = qwenvl::test::make_temp_dir("qwenvl-vocab");
    QVERIFY(!dir.empty());
    std::string crlf_path = dir + "/qwen.tiktoken";
    std::ofstream(crlf_path, std::ios::binary) << crlf;
    auto tok = qwenvl::Tokenizer::load(crlf_path);
    QVERIFY2(tok.ok(), tok.message().c_str());
    auto ids = (*tok)->encode("Hello world", qwenvl::SpecialMode::All);
    QVERIFY(ids.ok());
    QCOMPARE(*ids, (std::vector<int32_t>{9707, 1879}));

    // Truncated copy: wrong count, named with the path.
    std::string cut_path = dir + "/cut.tiktoken";
    std::ofstream(cut_path, std::ios::binary) << text.substr(0, text.size() / 2);
    auto cut = qwenvl::Tokenizer::load(cut_path);
    QVERIFY(!cut.ok());
    QVERIFY2(cut.message().find(cut_path) != std::string::npos, cut.message().c_str());
    std::filesystem::remove_all(dir);
  }

  void missing_file() {
    auto r = qwenvl::Tokenizer::load("/nonexistent/dir/qwen.tiktoken");
    QVERIFY(!r.ok());
    QVERIFY2(r.message().find("/nonexistent/dir/qwen.tiktoken") != std::string::npos, r.message().c_str());
    auto d = qwenvl::Tokenizer::load("/tmp");
    QVERIFY(!d.ok());
    QVERIFY2(d.message().find("folder") != std::string::npos, d.message().c_str());
  }
};

QTEST_GUILESS_MAIN(TestTiktokenVocab)
#include "tst_tiktoken_vocab.moc"
