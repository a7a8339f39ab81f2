// The question box; see prompt_edit.h.
#include "ui/prompt_edit.h"

#include <QKeyEvent>

#include "ui/mime_pictures.h"

namespace qwenvl::ui {

PromptEdit::PromptEdit(QWidget* parent) : QPlainTextEdit(parent) {
  setTabChangesFocus(true);  // Tab moves on to the Send button, as keyboard users expect
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

QSize PromptEdit::sizeHint() const {
  const int lines = 3;
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
