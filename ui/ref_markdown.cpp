// Ref phrases through the Markdown conversion; see ref_markdown.h.
#include "ui/ref_markdown.h"

#include <QAbstractTextDocumentLayout>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextEdit>
#include <algorithm>

namespace qwenvl::ui::ref_markdown {

namespace {
// U+E000 + k opens ref k, U+F000 closes it.
constexpr char16_t kOpen = 0xE000;
constexpr char16_t kClose = 0xF000;
constexpr int kMaxMarkedRefs = 0x0FFF;

bool isMarker(char16_t c) { return c >= kOpen && c <= kClose; }
}  // namespace

QString markedText(const app::Grounding& g) {
  QString marked = g.displayText;
  marked.removeIf([](QChar c) { return isMarker(c.unicode()); });
  if (marked.size() != g.displayText.size()) return marked;
  for (int k = std::min<int>(int(g.refs.size()), kMaxMarkedRefs) - 1; k >= 0; --k) {
    const app::RefSpan& r = g.refs[k];
    if (r.begin < 0 || r.end > marked.size() || r.begin > r.end) continue;
    marked.insert(r.end, QChar(kClose));
    marked.insert(r.begin, QChar(static_cast<char16_t>(kOpen + k)));
  }
  return marked;
}

void applyRefFormats(QTextDocument* doc, const std::function<QTextCharFormat(int ref)>& format) {
  int openPos = -1;
  int openRef = -1;
  for (int pos = 0; pos < doc->characterCount(); ++pos) {
    const char16_t c = doc->characterAt(pos).unicode();
    if (c >= kOpen && c < kClose) {
      openPos = pos;
      openRef = c - kOpen;
    } else if (c == kClose && openPos >= 0) {
      QTextCursor span(doc);
      span.setPosition(openPos + 1);
      span.setPosition(pos, QTextCursor::KeepAnchor);
      QTextCharFormat f = format(openRef);
      f.setProperty(kRefProperty, openRef);
      span.mergeCharFormat(f);
      openPos = -1;
    }
  }
  // Drop the markers, last first so earlier positions stay valid.
  QTextCursor cursor(doc);
  for (int pos = doc->characterCount() - 1; pos >= 0; --pos) {
    if (!isMarker(doc->characterAt(pos).unicode())) continue;
    cursor.setPosition(pos);
    cursor.setPosition(pos + 1, QTextCursor::KeepAnchor);
    cursor.removeSelectedText();
  }
}

int refAt(const QTextEdit* view, const QPoint& viewportPos) {
  const QPointF docPos =
      QPointF(viewportPos) + QPointF(view->horizontalScrollBar()->value(), view->verticalScrollBar()->value());
  QTextDocument* doc = view->document();
  const int pos = doc->documentLayout()->hitTest(docPos, Qt::ExactHit);
  if (pos < 0) return -1;
  const QTextBlock block = doc->findBlock(pos);
  for (auto it = block.begin(); !it.atEnd(); ++it) {
    const QTextFragment f = it.fragment();
    if (f.contains(pos)) {
      const QVariant v = f.charFormat().property(kRefProperty);
      return v.isValid() ? v.toInt() : -1;
    }
  }
  return -1;
}

}  // namespace qwenvl::ui::ref_markdown
