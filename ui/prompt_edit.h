// The question box, growing with its text: Enter sends, Shift+Enter starts a new line (an input method composing
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
  QSize sizeHint() const override;  // as tall as its text: 3 to 10 lines
  QSize minimumSizeHint() const override;
  int visibleLines() const;
  static constexpr int kMinLines = 3;
  static constexpr int kMaxLines = 10;

 signals:
  void submitted();
  void picturesPasted(const QList<qwenvl::app::PictureSource>& sources);
  void escapePressed();

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  bool canInsertFromMimeData(const QMimeData* source) const override;
  void insertFromMimeData(const QMimeData* source) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  int m_lines = kMinLines;
};

}  // namespace qwenvl::ui
