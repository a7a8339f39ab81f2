// StreamDecoder and the UTF-8 helpers under it: Python's errors="replace" decoding (expected
// values from CPython), the stable-prefix rule, characters split across tokens, image spans,
// and the property that the streamed pieces joined equal decode() of all ids, on random ids.
#include <QtTest/QtTest>

#include <random>

#include "support/test_env.h"
#include "tokenizer/tokenizer.h"
#include "util/utf8.h"

using qwenvl::StreamDecoder;
using qwenvl::Tokenizer;
namespace tid = qwenvl::token_id;

class TestStreamDecoder : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<Tokenizer> tok_;
  int32_t byte_id_[256] = {};  // the id whose bytes are this single byte

  std::string stream(const std::vector<int32_t>& ids, std::vector<std::string>* pieces = nullptr) {
    StreamDecoder d(*tok_);
    std::string all;
    for (int32_t id : ids) {
      std::string piece = d.push(id);
      if (pieces) pieces->push_back(piece);
      all += piece;
    }
    all += d.flush();
    return all;
  }

 private slots:
  void initTestCase() {
    auto t = Tokenizer::load(qwenvl::test::fixture("qwen.tiktoken"));
    QVERIFY2(t.ok(), t.message().c_str());
    tok_ = std::move(*t);
    for (int32_t id = 0; id < 256; ++id) {
      auto b = tok_->token_bytes(id);
      QCOMPARE(b.size(), size_t(1));
      byte_id_[static_cast<uint8_t>(b[0])] = id;
    }
  }

  void decode_replace_data() {
    QTest::addColumn<QByteArray>("in");
    QTest::addColumn<QByteArray>("out");
    const char* r = "\xEF\xBF\xBD";
    auto row = [](const char* name, QByteArray in, QByteArray out) { QTest::newRow(name) << in << out; };
    row("ascii", "abc", "abc");
    row("complete", "\xE4\xB8\xAD", "\xE4\xB8\xAD");
    row("truncated at end", "\xE4\xB8", r);
    row("truncated before ascii",
        "\xE4\xB8"
        "A",
        QByteArray(r) + "A");
    row("overlong 4-byte", "\xF0\x80\x80", QByteArray(r) + r + r);
    row("surrogate", "\xED\xA0\x80", QByteArray(r) + r + r);
    row("overlong 2-byte", "\xC0\xAF", QByteArray(r) + r);
    row("above U+10FFFF", "\xF4\x90\x80\x80", QByteArray(r) + r + r + r);
    row("ff fe", "\xFF\xFE", QByteArray(r) + r);
    row("lone continuation", "\x80", r);
    row("emoji cut", "\xF0\x9F\x98", r);
    row("emoji then stray", "\xF0\x9F\x98\x80\x80", QByteArray("\xF0\x9F\x98\x80") + r);
    row("e0 80", "\xE0\x80", QByteArray(r) + r);
    row("e0 a0", "\xE0\xA0", r);
    row("c3", "\xC3", r);
    row("mixed", "a\xC3\xA9\xE2\x82", QByteArray("a\xC3\xA9") + r);
  }

  void decode_replace() {
    QFETCH(QByteArray, in);
    QFETCH(QByteArray, out);
    QCOMPARE(QByteArray::fromStdString(qwenvl::utf8_decode_replace(in.toStdString())), out);
  }

  void stable_prefix() {
    using qwenvl::utf8_stable_prefix;
    QCOMPARE(utf8_stable_prefix("a\xE4\xB8"), size_t(1));
    QCOMPARE(utf8_stable_prefix("\xE4\xB8\xAD"), size_t(3));
    QCOMPARE(utf8_stable_prefix("\xF0\x9F\x98"), size_t(0));
    QCOMPARE(utf8_stable_prefix("\xE0\x80"), size_t(2));  // can never become valid
    QCOMPARE(utf8_stable_prefix("\xC3"), size_t(0));
    QCOMPARE(utf8_stable_prefix("abc\xF4\x8F"), size_t(3));
    QCOMPARE(utf8_stable_prefix("\xF4\x90"), size_t(2));
    QCOMPARE(utf8_stable_prefix("\xE4\xB8\xC3"), size_t(2));
    QCOMPARE(utf8_stable_prefix(""), size_t(0));
  }

  void split_character_is_held() {
    std::vector<std::string> pieces;
    std::string all =
        stream({byte_id_[0xE4], byte_id_[0xB8], byte_id_[0xAD], byte_id_[static_cast<unsigned char>('!')]}, &pieces);
    QCOMPARE(pieces, (std::vector<std::string>{"", "", "\xE4\xB8\xAD", "!"}));
    QCOMPARE(all, std::string("\xE4\xB8\xAD!"));
    // An invalid byte comes out at once as U+FFFD; a cut-off character at flush() too.
    pieces.clear();
    all = stream({9707, byte_id_[0xFF], byte_id_[0xE4]}, &pieces);
    QCOMPARE(pieces, (std::vector<std::string>{"Hello", "\xEF\xBF\xBD", ""}));
    QCOMPARE(all, std::string("Hello\xEF\xBF\xBD\xEF\xBF\xBD"));
    // A special token ends an unfinished character.
    QCOMPARE(stream({byte_id_[0xE4], tid::im_end}), std::string("\xEF\xBF\xBD<|im_end|>"));
  }

  void image_span_is_held_until_closed() {
    std::vector<int32_t> ids = {9707, tid::img_start, 'a',          '.',          'p', 'n',
                                'g',  tid::img_pad,   tid::img_pad, tid::img_end, 1879};
    std::vector<std::string> pieces;
    std::string all = stream(ids, &pieces);
    QCOMPARE(all, std::string("Hello<img>a.png</img> world"));
    QCOMPARE(all, tok_->decode(ids));
    QCOMPARE(pieces[1], std::string());
    QCOMPARE(pieces[9], std::string("<img>a.png</img>"));
    // Never closed: decode() and the stream both keep the plain token bytes.
    std::vector<int32_t> open = {tid::img_start, 'a', 'b'};
    QCOMPARE(stream(open), tok_->decode(open));
  }

  void joined_pieces_equal_decode_data() {
    QTest::addColumn<bool>("with_images");
    QTest::newRow("text and specials") << false;
    QTest::newRow("with image spans") << true;
  }

  void joined_pieces_equal_decode() {
    QFETCH(bool, with_images);
    std::mt19937 rng(with_images ? 7 : 3);
    for (int iter = 0; iter < 3000; ++iter) {
      std::vector<int32_t> ids;
      int len = static_cast<int>(rng() % 40);
      for (int i = 0; i < len; ++i) {
        uint32_t kind = rng() % 10;
        if (kind < 4) {
          ids.push_back(byte_id_[0x80 + rng() % 0x80]);  // lead and continuation bytes
        } else if (kind < 7) {
          ids.push_back(static_cast<int32_t>(rng() % tid::first_special));
        } else if (kind < 8) {
          ids.push_back(tid::first_special + static_cast<int32_t>(rng() % (tid::vocab_size - tid::first_special)));
        } else if (kind < 9) {
          ids.push_back(static_cast<int32_t>(rng() % 256));
        } else {
          const int32_t odd[] = {tid::vocab_size, 151935, -1};
          ids.push_back(odd[rng() % 3]);
        }
        if (with_images && rng() % 6 == 0) {
          const int32_t tags[] = {tid::img_start, tid::img_end, tid::img_pad};
          ids.push_back(tags[rng() % 3]);
        }
      }
      std::string want = tok_->decode(ids);
      std::string got = stream(ids);
      if (got != want) {
        QStringList s;
        for (int32_t id : ids) s << QString::number(id);
        QFAIL(qPrintable("stream != decode for ids " + s.join(',')));
      }
    }
  }
};

QTEST_GUILESS_MAIN(TestStreamDecoder)
#include "tst_stream_decoder.moc"
