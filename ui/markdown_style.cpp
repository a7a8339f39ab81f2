// Markdown styling of a reply; see markdown_style.h.
#include "ui/markdown_style.h"

#include <QFont>
#include <QPalette>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextList>
#include <QTextTable>

namespace qwenvl::ui {

namespace {

bool isCodeBlock(const QTextBlock& b) {
  const QTextBlockFormat f = b.blockFormat();
  if (f.hasProperty(QTextFormat::BlockCodeFence) || f.hasProperty(QTextFormat::BlockCodeLanguage)) return true;
  // An indented code block carries no fence: all its text is in the fixed-pitch font.
  bool any = false;
  for (auto it = b.begin(); !it.atEnd(); ++it) {
    const QTextCharFormat c = it.fragment().charFormat();
    if (!c.fontFixedPitch() && c.fontFamilies().toStringList().value(0) != QLatin1String("monospace")) return false;
    any = true;
  }
  return any && !b.textList();
}

}  // namespace

QStringList MarkdownStyle::apply(QTextDocument* doc, const QPalette& palette) {
  const bool light = palette.color(QPalette::Base).lightness() > 128;
  const QColor codeBackground = palette.color(QPalette::Base).darker(light ? 108 : 70);
  const QColor headerBackground = palette.color(QPalette::Base).darker(light ? 112 : 60);
  for (QTextFrame* frame : doc->rootFrame()->childFrames()) {
    auto* table = qobject_cast<QTextTable*>(frame);
    if (!table) continue;
    QTextTableFormat tf = table->format();
    tf.setBorder(1);
    tf.setBorderStyle(QTextFrameFormat::BorderStyle_Solid);
    tf.setBorderBrush(palette.color(QPalette::Mid));
    tf.setBorderCollapse(true);
    tf.setCellPadding(4);
    tf.setCellSpacing(0);
    tf.setHeaderRowCount(1);
    table->setFormat(tf);
    for (int col = 0; col < table->columns(); ++col) {
      QTextTableCell cell = table->cellAt(0, col);
      QTextCharFormat bold;
      bold.setFontWeight(QFont::Bold);
      QTextCursor c = cell.firstCursorPosition();
      c.setPosition(cell.lastCursorPosition().position(), QTextCursor::KeepAnchor);
      c.mergeCharFormat(bold);
      QTextTableCellFormat cf = cell.format().toTableCellFormat();
      cf.setBackground(headerBackground);
      cell.setFormat(cf);
    }
  }
  // Code blocks: runs of consecutive code lines.
  struct Run {
    int start = 0;
    QString text;
  };
  QVector<Run> runs;
  bool inRun = false;
  for (QTextBlock b = doc->begin(); b.isValid(); b = b.next()) {
    if (!isCodeBlock(b)) {
      inRun = false;
      continue;
    }
    QTextCursor c(b);
    QTextBlockFormat f = b.blockFormat();
    f.setBackground(codeBackground);
    f.setNonBreakableLines(true);
    f.setLeftMargin(4);
    f.setRightMargin(4);
    c.setBlockFormat(f);
    if (!inRun)
      runs.push_back({b.position(), QString()});
    else
      runs.back().text += QLatin1Char('\n');
    runs.back().text += b.text();
    inRun = true;
  }
  QStringList texts;
  for (const Run& r : runs) texts << r.text;
  // The links, last first so that earlier positions stay valid.
  for (int k = int(runs.size()) - 1; k >= 0; --k) {
    QTextCursor c(doc);
    c.setPosition(runs[k].start);
    c.insertBlock(QTextBlockFormat(), QTextCharFormat());
    c.movePosition(QTextCursor::PreviousBlock);
    QTextCharFormat link;
    link.setAnchor(true);
    link.setAnchorHref(QStringLiteral("%1:%2").arg(QLatin1String(kCopyCodeScheme)).arg(k));
    link.setForeground(palette.color(QPalette::Link));
    QFont small;
    small.setPointSizeF(small.pointSizeF() * 0.85);
    link.setFont(small);
    c.insertText(copyCodeText(), link);
  }
  return texts;
}

QString MarkdownStyle::copyCodeText() { return tr("Copy code"); }

}  // namespace qwenvl::ui
