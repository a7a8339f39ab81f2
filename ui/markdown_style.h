// Markdown as a reader expects it, on a document QTextDocument::setMarkdown filled: tables with
// lines and a bold header row; code blocks on a tinted background, never wrapped (the view
// scrolls sideways), each with a "Copy code" link (href kCopyCodeScheme:N).
#pragma once

#include <QCoreApplication>
#include <QStringList>

class QPalette;
class QTextDocument;

namespace qwenvl::ui {

class MarkdownStyle {
  Q_DECLARE_TR_FUNCTIONS(MarkdownStyle)

 public:
  static constexpr char kCopyCodeScheme[] = "qwenvl-copy-code";
  // Styles `doc` in place; returns the text of each code block, in order, for the links.
  static QStringList apply(QTextDocument* doc, const QPalette& palette);
  static QString copyCodeText();
};

}  // namespace qwenvl::ui
