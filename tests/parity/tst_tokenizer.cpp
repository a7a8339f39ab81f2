// The tokenizer against the official tokenizer's output: every case of golden/tokenizer.jsonl
// in-process (ids, or an error where the golden has one) and through `qwenvl-cli tokenize`
// over tokenizer/corpus.jsonl, decoding back to the NFC text, the image-span errors, and the
// CLI's per-line error handling.
#include <QtTest/QtTest>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/test_env.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"
#include "util/utf8.h"

using qwenvl::SpecialMode;
using qwenvl::Tokenizer;
using Json = nlohmann::json;
namespace tid = qwenvl::token_id;

Q_DECLARE_METATYPE(std::string)
Q_DECLARE_METATYPE(std::vector<int32_t>)

namespace {

std::vector<Json> read_jsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<Json> rows;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(Json::parse(line));
  return rows;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SpecialMode mode_of(const std::string& allowed) {
  if (allowed == "image") return SpecialMode::Image;
  if (allowed == "none") return SpecialMode::None;
  return SpecialMode::All;
}

QString ids_text(const std::vector<int32_t>& ids) {
  QStringList parts;
  for (int32_t id : ids) parts << QString::number(id);
  return parts.join(',');
}

// The text decode() gives back for `text`: its NFC form (image spans decode to their paths).
std::string nfc_utf8(const std::string& text) {
  return qwenvl::u32_to_utf8(qwenvl::unicode::nfc(qwenvl::utf8_to_u32(text)));
}

}  // namespace

class TestTokenizerGolden : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<Tokenizer> tok_;
  std::string vocab_ = qwenvl::test::fixture("qwen.tiktoken");

  std::vector<int32_t> encode_ok(const std::string& text, SpecialMode mode) {
    auto r = tok_->encode(text, mode);
    if (!r) qWarning("encode failed: %s", r.message().c_str());
    return r ? *r : std::vector<int32_t>{};
  }

 private slots:
  void initTestCase() {
    auto t = Tokenizer::load(vocab_);
    QVERIFY2(t.ok(), t.message().c_str());
    tok_ = std::move(*t);
  }

  void golden_data() {
    QTest::addColumn<std::string>("text");
    QTest::addColumn<QString>("allowed");
    QTest::addColumn<bool>("expect_error");
    QTest::addColumn<std::vector<int32_t>>("ids");
    auto rows = read_jsonl(qwenvl::test::fixture("golden/tokenizer.jsonl"));
    QVERIFY2(rows.size() >= 100, "golden/tokenizer.jsonl is missing or short");
    int n = 0;
    for (const Json& row : rows) {
      std::string text = row.at("text");
      std::string allowed = row.value("allowed", "all");
      bool error = row.contains("error");
      std::vector<int32_t> ids = error ? std::vector<int32_t>{} : row.at("ids").get<std::vector<int32_t>>();
      QByteArray name = QByteArray::number(++n) + " " + QByteArray::fromStdString(allowed) + " " +
                        QByteArray::fromStdString(text.substr(0, 40));
      QTest::newRow(name.constData()) << text << QString::fromStdString(allowed) << error << ids;
    }
  }

  void golden() {
    QFETCH(std::string, text);
    QFETCH(QString, allowed);
    QFETCH(bool, expect_error);
    QFETCH(std::vector<int32_t>, ids);
    auto r = tok_->encode(text, mode_of(allowed.toStdString()));
    if (expect_error) {
      QVERIFY2(!r.ok(), "the official tokenizer fails on this text, ours did not");
      QVERIFY(!r.message().empty());
      return;
    }
    QVERIFY2(r.ok(), r.message().c_str());
    QCOMPARE(ids_text(*r), ids_text(ids));
    // Decoding the official ids gives back the normalised text, image paths included.
    QCOMPARE(QString::fromStdString(tok_->decode(ids)), QString::fromStdString(nfc_utf8(text)));
  }

  void cli_matches_golden() {
    std::string corpus = read_text(qwenvl::test::fixture("tokenizer/corpus.jsonl"));
    auto golden = read_jsonl(qwenvl::test::fixture("golden/tokenizer.jsonl"));
    auto inputs = read_jsonl(qwenvl::test::fixture("tokenizer/corpus.jsonl"));
    auto r = qwenvl::test::run_command({qwenvl::test::cli_path(), "tokenize", "--vocab", vocab_}, corpus);
    QVERIFY2(r.exit_code == 0, r.err.c_str());
    std::istringstream out(r.out);
    std::string line;
    size_t i = 0;
    for (; std::getline(out, line); ++i) {
      QVERIFY2(i < golden.size(), "more output lines than input lines");
      Json got = Json::parse(line);
      const Json& want = golden[i];
      QCOMPARE(got.at("text"), inputs[i].at("text"));
      QCOMPARE(got.at("allowed"), inputs[i].at("allowed"));
      if (want.contains("error")) {
        QVERIFY2(got.contains("error") && !got.contains("ids"), line.c_str());
      } else {
        QVERIFY2(got.contains("ids"), line.c_str());
        QCOMPARE(ids_text(got.at("ids").get<std::vector<int32_t>>()),
                 ids_text(want.at("ids").get<std::vector<int32_t>>()));
      }
    }
    QCOMPARE(i, golden.size());
  }

  void image_spans() {
    // The path's bytes as ids, padded with <imgpad> to 256, between <img> and </img>.
    auto ids = encode_ok("a<img>x/\xC3\xA9.png</img>b", SpecialMode::Image);
    QCOMPARE(ids.size(), size_t(2 + 258));
    QCOMPARE(ids[1], tid::img_start);
    std::vector<int32_t> path(ids.begin() + 2, ids.begin() + 9);
    QCOMPARE(path, (std::vector<int32_t>{'x', '/', 0xC3, 0xA9, '.', 'p', 'n'}));
    QCOMPARE(ids[9], int32_t('g'));
    QCOMPARE(ids[10], tid::img_pad);
    QCOMPARE(ids[257], tid::img_pad);
    QCOMPARE(ids[258], tid::img_end);
    QCOMPARE(ids[259], encode_ok("b", SpecialMode::None).at(0));
    QCOMPARE(tok_->decode(ids), std::string("a<img>x/\xC3\xA9.png</img>b"));

    // 256 bytes fit exactly; 257 do not.
    QCOMPARE(encode_ok("<img>" + std::string(256, 'p') + "</img>", SpecialMode::All).size(), size_t(258));
    auto too_long = tok_->encode("<img>" + std::string(257, 'p') + "</img>", SpecialMode::All);
    QVERIFY(!too_long.ok());
    QVERIFY2(too_long.message().find("too long") != std::string::npos, too_long.message().c_str());

    auto unclosed = tok_->encode("<img>a</img> then <img>b", SpecialMode::Image);
    QVERIFY(!unclosed.ok());
    QVERIFY2(unclosed.message().find("Unclosed image token") != std::string::npos, unclosed.message().c_str());

    // A special token inside the span: the official code fails (b''.join over a str).
    QVERIFY(!tok_->encode("<img>a<ref>b</img>", SpecialMode::All).ok());
    QVERIFY(!tok_->encode("<img>a<|endoftext|></img>", SpecialMode::All).ok());
    // ... unless that text is not a special token in this mode.
    auto plain = encode_ok("<img><|endoftext|></img>", SpecialMode::Image);
    QCOMPARE(plain.size(), size_t(258));
    QCOMPARE(plain[1], int32_t('<'));

    // A stray </img> is just the special token; in mode none nothing is an image.
    QCOMPARE(encode_ok("</img>", SpecialMode::All), std::vector<int32_t>{tid::img_end});
    QVERIFY(encode_ok("<img>x", SpecialMode::None).size() < 10);
    // NFC runs first: '>' + U+0338 composes to U+226F, so "<img>" is no longer there.
    auto composed = encode_ok("<img>\xCC\xB8", SpecialMode::All);
    QVERIFY(!composed.empty());
    QVERIFY(std::find(composed.begin(), composed.end(), tid::img_start) == composed.end());
  }

  void specials_and_decode() {
    QCOMPARE(tok_->special_id("<|endoftext|>").value_or(-1), tid::endoftext);
    QCOMPARE(tok_->special_id("<|extra_204|>").value_or(-1), 151850);
    QCOMPARE(tok_->special_id("<imgpad>").value_or(-1), tid::img_pad);
    QVERIFY(!tok_->special_id("<|extra_205|>").has_value());
    QCOMPARE(std::string(tok_->token_bytes(tid::im_start)), std::string("<|im_start|>"));
    QCOMPARE(std::string(tok_->token_bytes(198)), std::string("\n"));
    QVERIFY(tok_->token_bytes(151860).empty());
    QVERIFY(tok_->token_bytes(-1).empty());
    // Invalid bytes decode to U+FFFD; undefined ids decode to nothing.
    QCOMPARE(tok_->decode({tid::im_start, 151935, 9707}), std::string("<|im_start|>Hello"));
    // The first two bytes of 中 (E4 B8 AD) then 'A': one U+FFFD, as Python's "replace".
    auto byte_id = [&](unsigned char b) {
      for (int32_t id = 0; id < 256; ++id)
        if (tok_->token_bytes(id) == std::string(1, static_cast<char>(b))) return id;
      return int32_t(-1);
    };
    QCOMPARE(tok_->decode({byte_id(0xE4), byte_id(0xB8), byte_id('A')}), std::string("\xEF\xBF\xBD"
                                                                                     "A"));
    QCOMPARE(tok_->decode({byte_id(0xE4), byte_id(0xB8), byte_id(0xAD)}), std::string("\xE4\xB8\xAD"));
    // Image span without a pad (256-byte path) still decodes to the path.
    std::vector<int32_t> span{tid::img_start};
    for (int i = 0; i < 256; ++i) span.push_back('q');
    span.push_back(tid::img_end);
    QCOMPARE(tok_->decode(span), "<img>" + std::string(256, 'q') + "</img>");
  }

  void cli_errors_are_per_line() {
    std::string input =
        "{\"text\": \"Hello world\", \"allowed\": \"all\"}\n"
        "not json\n"
        "{\"text\": \"x\", \"allowed\": \"some\"}\n"
        "{\"text\": \"<img>never closed\", \"allowed\": \"image\"}\n"
        "{\"allowed\": \"all\"}\n"
        "\n"
        "[1, 2]\n"
        "{\"text\": \"bad \xFF\xFE utf8\", \"allowed\": \"none\"}\n"
        "{\"text\": \"lone \\ud800 surrogate\", \"allowed\": \"none\", \"extra\": 1}\n"
        "{\"text\": \"pair \\ud83d\\ude00\"}\r\n"
        "{\"text\": \"Hello world\", \"allowed\": \"none\"}";  // no final newline
    auto r = qwenvl::test::run_command({qwenvl::test::cli_path(), "tokenize", "--vocab", vocab_}, input);
    QCOMPARE(r.exit_code, 0);
    std::istringstream out(r.out);
    std::vector<Json> lines;
    std::string line;
    while (std::getline(out, line)) lines.push_back(Json::parse(line));  // every line is JSON
    QCOMPARE(lines.size(), size_t(11));
    QCOMPARE(lines[0].at("ids"), Json({9707, 1879}));
    for (int i : {1, 2, 3, 4, 5, 6, 7})
      QVERIFY2(lines[i].contains("error") && !lines[i].contains("ids"), lines[i].dump().c_str());
    QVERIFY(lines[3].at("error").get<std::string>().find("Unclosed image token") != std::string::npos);
    QCOMPARE(lines[2].at("text"), Json("x"));  // the fields are written back
    // tiktoken turns a lone surrogate into U+FFFD; other fields come back unchanged.
    QCOMPARE(lines[8].at("ids"), Json(encode_ok("lone \xEF\xBF\xBD surrogate", SpecialMode::None)));
    QCOMPARE(lines[8].at("extra"), Json(1));
    QCOMPARE(lines[9].at("ids"), Json(encode_ok("pair \xF0\x9F\x98\x80", SpecialMode::All)));
    QCOMPARE(lines[10].at("ids"), Json({9707, 1879}));
  }

  void cli_refuses_missing_vocab() {
    auto r = qwenvl::test::run_command({qwenvl::test::cli_path(), "tokenize", "--vocab", "/nonexistent/qwen.tiktoken"},
                                       "{\"text\": \"x\"}\n");
    QVERIFY(r.exit_code != 0);
    QVERIFY2(r.err.find("/nonexistent/qwen.tiktoken") != std::string::npos, r.err.c_str());
    QVERIFY(qwenvl::test::run_command({qwenvl::test::cli_path(), "tokenize"}).exit_code != 0);
  }
};

QTEST_GUILESS_MAIN(TestTokenizerGolden)
#include "tst_tokenizer.moc"
