// A reply's Markdown with each grounding ref phrase kept through the Markdown conversion: the
// phrases are wrapped in private-use markers, the document is built, then each phrase gets its
// format (and the ref as a property) and the markers go. Shared by the chat's message view and
// the kiosk's answer view, with the hit test that maps a point back to its ref.
#pragma once

#include <QPoint>
#include <QString>
#include <QTextCharFormat>
#include <functional>

#include "app/grounding.h"

class QTextDocument;
class QTextEdit;

namespace qwenvl::ui::ref_markdown {

// The char-format property holding a phrase's ref index.
inline constexpr int kRefProperty = QTextFormat::UserProperty + 1;

// `g.displayText` with the markers around each ref phrase (model text never holds them: any there
// are removed first, and then no phrase is marked).
QString markedText(const app::Grounding& g);
// After `doc->setMarkdown(markedText(...))`: merges `format(ref)` plus kRefProperty over each
// marked phrase, then removes the markers.
void applyRefFormats(QTextDocument* doc, const std::function<QTextCharFormat(int ref)>& format);
// The ref of the phrase at a point of `view`'s viewport, -1 for none.
int refAt(const QTextEdit* view, const QPoint& viewportPos);

}  // namespace qwenvl::ui::ref_markdown
