// Builds the SentencePiece BPE model from qwen.tiktoken by writing the protobuf wire format by
// hand (Debian's libsentencepiece-dev ships no sentencepiece_model.pb.h) and runs the merges
// of each pre-token through SentencePieceProcessor.
#include <sentencepiece_processor.h>

#include <cstring>

#include "tokenizer/bpe.h"
#include "tokenizer/vocab.h"
#include "util/utf8.h"

namespace qwenvl {

namespace {

// Field numbers from sentencepiece_model.proto.
constexpr uint32_t kModelPieces = 1, kModelTrainerSpec = 2, kModelNormalizerSpec = 3;
constexpr uint32_t kPiecePiece = 1, kPieceScore = 2, kPieceType = 3;
constexpr uint32_t kTrainerModelType = 3;
constexpr uint32_t kNormName = 1, kNormAddDummyPrefix = 3, kNormRemoveExtraWhitespaces = 4, kNormEscapeWhitespaces = 5;
constexpr uint64_t kModelTypeBpe = 2, kPieceTypeUnknown = 2;
constexpr uint32_t kWireVarint = 0, kWireLen = 2, kWireFixed32 = 5;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_tag(std::string& out, uint32_t field, uint32_t wire) { put_varint(out, (field << 3) | wire); }
void put_len(std::string& out, uint32_t field, std::string_view bytes) {
  put_tag(out, field, kWireLen);
  put_varint(out, bytes.size());
  out.append(bytes);
}
void put_varint_field(std::string& out, uint32_t field, uint64_t v) {
  put_tag(out, field, kWireVarint);
  put_varint(out, v);
}
void put_float(std::string& out, uint32_t field, float f) {
  put_tag(out, field, kWireFixed32);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

// U+2047 lies outside the bytes_to_unicode alphabet, so it never collides with a real piece.
constexpr char kUnknownPiece[] = "\xE2\x81\x87";

}  // namespace

char32_t BpeEngine::byte_to_unicode(uint8_t byte) {
  // Printable Latin-1 bytes stand for themselves; the other 68 are numbered from U+0100 in
  // byte order.
  auto printable = [](int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE); };
  if (printable(byte)) return byte;
  char32_t n = 0;
  for (int b = 0; b < byte; ++b)
    if (!printable(b)) ++n;
  return 0x100 + n;
}

std::string BpeEngine::model_proto(const Vocab& vocab) {
  std::string map[256];
  for (int b = 0; b < 256; ++b) utf8_append(map[b], byte_to_unicode(static_cast<uint8_t>(b)));
  std::string proto, piece, text;
  proto.reserve(vocab.size() * 24);
  for (size_t r = 0; r <= vocab.size(); ++r) {
    piece.clear();
    text.clear();
    if (r < vocab.size()) {
      for (unsigned char c : vocab.bytes(static_cast<int32_t>(r))) text += map[c];
      put_len(piece, kPiecePiece, text);
      put_float(piece, kPieceScore, -static_cast<float>(r));  // exact: ranks < 2^24
    } else {
      put_len(piece, kPiecePiece, kUnknownPiece);
      put_float(piece, kPieceScore, 0.0f);
      put_varint_field(piece, kPieceType, kPieceTypeUnknown);
    }
    put_len(proto, kModelPieces, piece);
  }
  std::string trainer;
  put_varint_field(trainer, kTrainerModelType, kModelTypeBpe);
  put_len(proto, kModelTrainerSpec, trainer);
  // Identity normaliser: no NFKC map, no dummy prefix, spaces neither escaped nor collapsed.
  std::string norm;
  put_len(norm, kNormName, "identity");
  put_varint_field(norm, kNormAddDummyPrefix, 0);
  put_varint_field(norm, kNormRemoveExtraWhitespaces, 0);
  put_varint_field(norm, kNormEscapeWhitespaces, 0);
  put_len(proto, kModelNormalizerSpec, norm);
  return proto;
}

Result<std::unique_ptr<BpeEngine>> BpeEngine::create(const Vocab& vocab) {
  std::unique_ptr<BpeEngine> e(new BpeEngine());
  e->sp_ = std::make_unique<sentencepiece::SentencePieceProcessor>();
  auto status = e->sp_->LoadFromSerializedProto(model_proto(vocab));
  if (!status.ok())
    return Result<std::unique_ptr<BpeEngine>>::error(
        std::string("SentencePiece refused the BPE model built from the vocabulary: ") + status.ToString());
  if (e->sp_->GetPieceSize() != static_cast<int>(vocab.size()) + 1)
    return Result<std::unique_ptr<BpeEngine>>::error("SentencePiece model has " +
                                                     std::to_string(e->sp_->GetPieceSize()) + " pieces, expected " +
                                                     std::to_string(vocab.size() + 1));
  for (int b = 0; b < 256; ++b) utf8_append(e->byte_utf8_[b], byte_to_unicode(static_cast<uint8_t>(b)));
  e->vocab_size_ = static_cast<int32_t>(vocab.size());
  return Result<std::unique_ptr<BpeEngine>>(std::move(e));
}

BpeEngine::~BpeEngine() = default;

void BpeEngine::encode(std::string_view piece, std::vector<int32_t>& out) const {
  std::string mapped;
  mapped.reserve(piece.size() * 2);
  for (unsigned char c : piece) mapped += byte_utf8_[c];
  std::vector<int> ids;
  sp_->Encode(mapped, &ids).IgnoreError();  // cannot fail on a loaded model and valid UTF-8
  out.insert(out.end(), ids.begin(), ids.end());
}

}  // namespace qwenvl
