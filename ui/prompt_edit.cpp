// The question box; see prompt_edit.h.
#include "ui/prompt_edit.h"

#include <QAbstractTextDocumentLayout>
#include <QKeyEvent>
#include <algorithm>

#include "ui/mime_pictures.h"

namespace qwenvl::ui {

PromptEdit::PromptEdit(QWidget* parent) : QPlainTextEdit(parent) {
  setTabChangesFocus(true);  // Tab moves on to the Send button, as keyboard users expect
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
  // The box grows with its text (3 to 10 lines), then scrolls.
  connect(document(), &QTextDocument::contentsChanged, this, [this] {
    const int lines = visibleLines();
    if (lines != m_lines) {
      m_lines = lines;
      updateGeometry();
    }
  });
}

int PromptEdit::visibleLines() const {
  // QPlainTextDocumentLayout measures the document in lines, wrapped lines included.
  return std::clamp(static_cast<int>(document()->documentLayout()->documentSize().height()), kMinLines, kMaxLines);
}

void PromptEdit::resizeEvent(QResizeEvent* event) {
  QPlainTextEdit::resizeEvent(event);
  if (visibleLines() != m_lines) {
    m_lines = visibleLines();
    updateGeometry();
  }
}

QSize PromptEdit::minimumSizeHint() const {
  return QSize(QPlainTextEdit::minimumSizeHint().width(),
               fontMetrics().lineSpacing() * 2 + 2 * (frameWidth() + static_cast<int>(document()->documentMargin())));
}

QSize PromptEdit::sizeHint() const {
  const int lines = std::max(m_lines, kMinLines);
  return QSize(
      QPlainTextEdit::sizeHint().width(),
      fontMetrics().lineSpacing() * lines + 2 * (frameWidth() + static_cast<int>(document()->documentMargin())));
}

void PromptEdit::keyPressEvent(QKeyEvent* event) {
  const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
  if (enter && !(event->modifiers() & (Qt::ShiftModifier | Qt::ControlModifier | Qt::AltModifier))) {
    emit submitted();
    event->accept();
    return;
  }
  if (enter && (event->modifiers() & Qt::ShiftModifier)) {
    insertPlainText(QStringLiteral("\n"));
    event->accept();
    return;
  }
  if (event->key() == Qt::Key_Escape && event->modifiers() == Qt::NoModifier) {
    emit escapePressed();
    event->accept();
    return;
  }
  QPlainTextEdit::keyPressEvent(event);
}

bool PromptEdit::canInsertFromMimeData(const QMimeData* source) const {
  return mimeHasPictures(source) || QPlainTextEdit::canInsertFromMimeData(source);
}

void PromptEdit::insertFromMimeData(const QMimeData* source) {
  const QList<app::PictureSource> pictures = picturesFromMime(source);
  if (!pictures.isEmpty()) {
    emit picturesPasted(pictures);
    return;
  }
  QPlainTextEdit::insertFromMimeData(source);
}

}  // namespace qwenvl::ui
