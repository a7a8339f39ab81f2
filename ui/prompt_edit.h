// The question box: Enter sends, Shift+Enter starts a new line (an input method composing
// Chinese keeps its own Enter); pictures pasted or dropped here join the conversation instead
// of turning into text.
#pragma once

#include <QPlainTextEdit>

#include "app/picture_importer.h"

namespace qwenvl::ui {

class PromptEdit : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit PromptEdit(QWidget* parent = nullptr);
  QSize sizeHint() const override;

 signals:
  void submitted();
  void picturesPasted(const QList<qwenvl::app::PictureSource>& sources);

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  bool canInsertFromMimeData(const QMimeData* source) const override;
  void insertFromMimeData(const QMimeData* source) override;
};

}  // namespace qwenvl::ui
