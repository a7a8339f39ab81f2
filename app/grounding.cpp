// Grounding markup to QString ranges and coloured boxes; the parsing itself is the engine's.
#include "app/grounding.h"

#include <array>

#include "app/engine_bridge.h"

namespace qwenvl::app {

QColor tableauColor(int index) {
  static const std::array<QRgb, kTableauColors> kPalette = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                                            0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
  const int i = ((index % kTableauColors) + kTableauColors) % kTableauColors;
  return QColor::fromRgb(kPalette[static_cast<size_t>(i)]);
}

namespace {

Grounding fromParse(const GroundingParse& parsed) {
  Grounding g;
  g.displayText = QString::fromStdString(parsed.display_text);
  // Ref ranges are byte offsets at tag boundaries, so decoding the prefix gives the QString index.
  auto utf16_at = [&parsed](size_t byte) {
    byte = std::min(byte, parsed.display_text.size());
    return static_cast<int>(QString::fromUtf8(parsed.display_text.data(), static_cast<qsizetype>(byte)).size());
  };
  for (const GroundingRef& r : parsed.refs) {
    RefSpan span;
    span.phrase = QString::fromStdString(r.phrase);
    span.begin = utf16_at(r.display_begin);
    span.end = utf16_at(r.display_end);
    g.refs.push_back(span);
  }
  // A box without a ref keeps the colour in use, as the official drawer does.
  int current = 0;
  for (const GroundingBox& b : parsed.boxes) {
    GroundedBox box;
    for (const GroundingPoint& p : b.points) box.points.push_back(QPoint(p.x, p.y));
    box.quad = b.quad;
    box.ref = (b.ref >= 0 && b.ref < static_cast<int>(g.refs.size())) ? b.ref : -1;
    box.labelled = box.ref >= 0 && b.first_of_ref;
    if (box.ref >= 0) current = Grounding::colorIndexOfRef(box.ref);
    box.colorIndex = current;
    g.boxes.push_back(box);
  }
  return g;
}

}  // namespace

Grounding Grounding::parse(const QString& reply, bool finished) {
  return fromParse(parseGroundingMarkup(reply.toStdString(), finished));
}

struct GroundingStreamer::State {
  std::string reply;  // UTF-8 as streamed
};

GroundingStreamer::GroundingStreamer() : m_state(std::make_unique<State>()) {}
GroundingStreamer::~GroundingStreamer() = default;
GroundingStreamer::GroundingStreamer(GroundingStreamer&&) noexcept = default;
GroundingStreamer& GroundingStreamer::operator=(GroundingStreamer&&) noexcept = default;

bool GroundingStreamer::feed(const QByteArray& utf8, Grounding* grounding) {
  m_state->reply.append(utf8.constData(), static_cast<size_t>(utf8.size()));
  const qsizetype before = grounding->boxes.size();
  *grounding = fromParse(parseGroundingMarkup(m_state->reply, false));
  return grounding->boxes.size() != before;
}

QString Grounding::labelOf(const GroundedBox& box) const {
  if (!box.labelled || box.ref < 0 || box.ref >= refs.size()) return {};
  return refs[box.ref].phrase.trimmed();
}

}  // namespace qwenvl::app
