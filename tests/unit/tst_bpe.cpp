// The SentencePiece merge engine against a plain re-implementation of tiktoken's merge loop
// (lowest rank first, leftmost on ties) over the real vocabulary, on random pieces of many
// kinds and lengths, plus GPT-2's bytes_to_unicode table the model is built with.
#include <QtTest/QtTest>

#include <climits>
#include <random>
#include <set>

#include "support/test_env.h"
#include "tokenizer/bpe.h"
#include "tokenizer/vocab.h"
#include "util/utf8.h"

using qwenvl::BpeEngine;
using qwenvl::Vocab;

namespace {

// tiktoken's byte_pair_merge, written the obvious way.
std::vector<int32_t> reference_merge(const Vocab& v, const std::string& piece) {
  std::vector<std::string> parts;
  for (char c : piece) parts.emplace_back(1, c);
  while (parts.size() > 1) {
    int32_t best = INT32_MAX;
    size_t at = 0;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      int32_t r = v.find(parts[i] + parts[i + 1]);
      if (r >= 0 && r < best) {
        best = r;
        at = i;
      }
    }
    if (best == INT32_MAX) break;
    parts[at] += parts[at + 1];
    parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
  std::vector<int32_t> ids;
  for (const auto& p : parts) ids.push_back(v.find(p));
  return ids;
}

}  // namespace

class TestBpe : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<Vocab> vocab_;
  std::unique_ptr<BpeEngine> bpe_;

 private slots:
  void initTestCase() {
    auto v = Vocab::load(qwenvl::test::fixture("qwen.tiktoken"), 151643);
    QVERIFY2(v.ok(), v.message().c_str());
    vocab_ = std::move(*v);
    auto e = BpeEngine::create(*vocab_);
    QVERIFY2(e.ok(), e.message().c_str());
    bpe_ = std::move(*e);
  }

  void bytes_to_unicode() {
    std::set<char32_t> seen;
    for (int b = 0; b < 256; ++b) seen.insert(BpeEngine::byte_to_unicode(static_cast<uint8_t>(b)));
    QCOMPARE(seen.size(), size_t(256));
    QCOMPARE(BpeEngine::byte_to_unicode('!'), char32_t('!'));
    QCOMPARE(BpeEngine::byte_to_unicode(0x00), char32_t(0x100));
    QCOMPARE(BpeEngine::byte_to_unicode(' '), char32_t(0x120));   // GPT-2's 'Ġ'
    QCOMPARE(BpeEngine::byte_to_unicode('\n'), char32_t(0x10A));  // 'Ċ'
    QCOMPARE(BpeEngine::byte_to_unicode(0xAD), char32_t(0x143));
    QCOMPARE(BpeEngine::byte_to_unicode(0xFF), char32_t(0xFF));
    // qwen.tiktoken lists ranks 0..255 in this order: printable bytes first.
    QCOMPARE(std::string(vocab_->bytes(0)), std::string("!"));
    QCOMPARE(std::string(vocab_->bytes(188)), std::string(1, '\0'));
  }

  void known_pieces() {
    auto run = [&](const std::string& s) {
      std::vector<int32_t> ids;
      bpe_->encode(s, ids);
      return ids;
    };
    QCOMPARE(run("Hello"), std::vector<int32_t>{9707});
    QCOMPARE(run("),("), std::vector<int32_t>{23547});
    QCOMPARE(run(std::string(1, '\xFF')), std::vector<int32_t>{vocab_->find("\xFF")});
    QCOMPARE(run("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), reference_merge(*vocab_, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
  }

  void matches_reference_merge() {
    const std::vector<std::string> alphabets = {
        "abcdefghijklmnopqrstuvwxyz",
        " etaoinshr",
        "!@#$%^&*()_+-=[]{};:,./<>?",
        "0123456789",
        "\xE7\x9A\x84\xE4\xB8\x80\xE6\x98\xAF\xE4\xB8\x8D",  // 的一是不 as bytes
        "\xC3\xA9\xC3\xA8\xC3\xBC\xD0\xB0\xD0\xB5"};
    std::mt19937 rng(11);
    int checked = 0;
    for (int iter = 0; iter < 4000; ++iter) {
      std::string piece;
      int len = 1 + static_cast<int>(rng() % (iter % 10 == 0 ? 300 : 24));
      const std::string& a = alphabets[rng() % alphabets.size()];
      if (iter % 7 == 0) {
        for (int i = 0; i < len; ++i) piece.push_back(static_cast<char>(rng() & 0xFF));  // any bytes
      } else {
        for (int i = 0; i < len; ++i) piece.push_back(a[rng() % a.size()]);
      }
      std::vector<int32_t> got;
      bpe_->encode(piece, got);
      auto want = reference_merge(*vocab_, piece);
      if (got != want) QFAIL(qPrintable("merge differs on piece of " + QString::number(piece.size()) + " bytes"));
      std::string joined;
      for (int32_t id : got) joined += vocab_->bytes(id);
      QCOMPARE(joined, piece);
      ++checked;
    }
    QCOMPARE(checked, 4000);
  }
};

QTEST_GUILESS_MAIN(TestBpe)
#include "tst_bpe.moc"
