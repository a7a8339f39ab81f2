// Grounding markup to QString ranges and coloured boxes; the parsing itself is the engine's
// (qwenvl::GroundingStream), fed piece by piece while a reply streams.
#include "app/grounding.h"

#include <algorithm>
#include <array>

#include "qwenvl/grounding.h"

namespace qwenvl::app {

QColor tableauColor(int index) {
  static const std::array<QRgb, kTableauColors> kPalette = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                                            0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
  const int i = ((index % kTableauColors) + kTableauColors) % kTableauColors;
  return QColor::fromRgb(kPalette[static_cast<size_t>(i)]);
}

namespace {

// UTF-16 code units of valid UTF-8: one per character, two for those beyond the BMP.
int utf16Units(const char* p, size_t n) {
  int units = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
  }
  return units;
}

// Where `s` stops holding whole characters: before a last sequence that is still incomplete.
size_t wholeCharactersEnd(const std::string& s) {
  for (size_t back = 1; back <= 4 && back <= s.size(); ++back) {
    const auto c = static_cast<unsigned char>(s[s.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    const size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return back < need ? s.size() - back : s.size();
  }
  return s.size();  // not UTF-8 here; converting it shows replacement characters
}

}  // namespace

// The engine's GroundingStream does the parsing; this keeps the QString side in step with it,
// converting each new stretch of display text once.
struct GroundingStreamer::State {
  GroundingStream stream;
  size_t convertedBytes = 0;  // of the display text, already in Grounding::displayText
  size_t anchorByte = 0;      // a byte offset of the display text whose UTF-16 offset is known
  int anchorUnits = 0;
  int colorIndex = 0;  // the colour in use: a box without a ref keeps it, as the official drawer

  int utf16At(const std::string& display, size_t byte) {
    byte = std::min(byte, display.size());
    if (byte < anchorByte) {
      anchorByte = 0;
      anchorUnits = 0;
    }
    anchorUnits += utf16Units(display.data() + anchorByte, byte - anchorByte);
    anchorByte = byte;
    return anchorUnits;
  }

  bool apply(const GroundingUpdate& update, Grounding* g) {
    const GroundingParse& parsed = stream.parse();
    const std::string& display = parsed.display_text;
    const size_t end = stream.finished() ? display.size() : wholeCharactersEnd(display);
    if (end > convertedBytes) {
      g->displayText +=
          QString::fromUtf8(display.data() + convertedBytes, static_cast<qsizetype>(end - convertedBytes));
      convertedBytes = end;
    }
    for (size_t i = update.refs_from; i < parsed.refs.size(); ++i) {
      const GroundingRef& r = parsed.refs[i];
      RefSpan span;
      span.phrase = QString::fromStdString(r.phrase);
      span.begin = utf16At(display, r.display_begin);
      span.end = utf16At(display, r.display_end);
      g->refs.push_back(span);
    }
    for (size_t i = update.boxes_from; i < parsed.boxes.size(); ++i) {
      const GroundingBox& b = parsed.boxes[i];
      GroundedBox box;
      for (const GroundingPoint& p : b.points) box.points.push_back(QPoint(p.x, p.y));
      box.quad = b.quad;
      box.ref = (b.ref >= 0 && b.ref < static_cast<int>(g->refs.size())) ? b.ref : -1;
      box.labelled = box.ref >= 0 && b.first_of_ref;
      if (box.ref >= 0) colorIndex = Grounding::colorIndexOfRef(box.ref);
      box.colorIndex = colorIndex;
      g->boxes.push_back(box);
    }
    return update.boxes_from < parsed.boxes.size();
  }
};

GroundingStreamer::GroundingStreamer() : m_state(std::make_unique<State>()) {}
GroundingStreamer::~GroundingStreamer() = default;
GroundingStreamer::GroundingStreamer(GroundingStreamer&&) noexcept = default;
GroundingStreamer& GroundingStreamer::operator=(GroundingStreamer&&) noexcept = default;

bool GroundingStreamer::feed(const QByteArray& utf8, Grounding* grounding) {
  return m_state->apply(m_state->stream.feed(std::string_view(utf8.constData(), static_cast<size_t>(utf8.size()))),
                        grounding);
}

bool GroundingStreamer::finish(Grounding* grounding) { return m_state->apply(m_state->stream.finish(), grounding); }

Grounding Grounding::parse(const QString& reply, bool finished) {
  // The whole reply as one piece: the same parser and conversion as a streamed one.
  GroundingStreamer streamer;
  Grounding g;
  streamer.feed(reply.toUtf8(), &g);
  if (finished) streamer.finish(&g);
  return g;
}

QString Grounding::labelOf(const GroundedBox& box) const {
  if (!box.labelled || box.ref < 0 || box.ref >= refs.size()) return {};
  return refs[box.ref].phrase.trimmed();
}

}  // namespace qwenvl::app
