// "Ask about a region" without a mouse: the region of the picture shown, typed as pixels,
// and the phrase to name it. The result enters the question like a dragged rectangle.
#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QSpinBox;
class QDialogButtonBox;

namespace qwenvl::ui {

class RegionDialog : public QDialog {
  Q_OBJECT
 public:
  RegionDialog(QSize picture, const QRect& initial, QWidget* parent = nullptr);
  QRect region() const;  // picture pixels, right/bottom exclusive
  QString phrase() const;

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void retranslateUi();
  QSize m_picture;
  QLabel* m_intro;
  QLabel* m_labels[5];
  QSpinBox* m_left;
  QSpinBox* m_top;
  QSpinBox* m_width;
  QSpinBox* m_height;
  QLineEdit* m_phrase;
  QDialogButtonBox* m_buttons;
};

}  // namespace qwenvl::ui
