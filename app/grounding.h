// A reply's grounding as the app uses it: the display text (markup removed) with the ref
// phrases as QString ranges, and the boxes in model space (0..1000) with their colours.
// Colours are deterministic: the k-th ref of a reply gets Tableau-10 colour k mod 10.
#pragma once

#include <QByteArray>
#include <QColor>
#include <QPoint>
#include <QString>
#include <QVector>
#include <memory>

namespace qwenvl::app {

inline constexpr int kTableauColors = 10;
// matplotlib's TABLEAU_COLORS, the palette of the official drawer, in its own order.
QColor tableauColor(int index);

struct RefSpan {
  QString phrase;
  int begin = 0;  // UTF-16 range of the phrase in Grounding::displayText
  int end = 0;
};

struct GroundedBox {
  QVector<QPoint> points;  // model space, 2 for a box (corners), 4 for a quad
  bool quad = false;
  int ref = -1;           // index into Grounding::refs, -1 when unlabelled
  bool labelled = false;  // the official drawer labels only the box right after its ref
  int colorIndex = 0;     // into the Tableau palette
};

struct Grounding {
  QString displayText;
  QVector<RefSpan> refs;
  QVector<GroundedBox> boxes;

  // `finished`: the reply is complete (not streaming any more).
  static Grounding parse(const QString& reply, bool finished);
  static int colorIndexOfRef(int ref) { return ref < 0 ? 0 : ref % kTableauColors; }
  QString labelOf(const GroundedBox& box) const;
};

// The grounding of a reply while it streams: fed with each UTF-8 batch as it arrives, it appends
// to `grounding` only what is new (display text, refs, boxes), so a batch costs its own length,
// not the reply's. Pieces may split characters; display text waits for whole ones.
class GroundingStreamer {
 public:
  GroundingStreamer();
  ~GroundingStreamer();
  GroundingStreamer(GroundingStreamer&&) noexcept;
  GroundingStreamer& operator=(GroundingStreamer&&) noexcept;

  // Each returns whether boxes were added. `grounding` is the same object every time.
  bool feed(const QByteArray& utf8, Grounding* grounding);
  bool finish(Grounding* grounding);  // the reply is complete: a held-back "<bo" is text

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

}  // namespace qwenvl::app
