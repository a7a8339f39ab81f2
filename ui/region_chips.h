// The regions a question will ask about, shown above the question box as chips: a thumbnail
// of the region, its phrase (editable) and a remove button. The grounding markup the model reads
// (<ref>phrase</ref><box>…</box>) is made only when the question is sent, so the user never
// sees or edits it.
#pragma once

#include <QImage>
#include <QRect>
#include <QVector>
#include <QWidget>
#include <array>

class QHBoxLayout;
class QLineEdit;

namespace qwenvl::ui {

struct QuestionRegion {
  int pictureId = -1;
  QRect pixels;              // in the picture
  std::array<int, 4> box{};  // model space x1, y1, x2, y2
  QString phrase;
};

class RegionChips : public QWidget {
  Q_OBJECT
 public:
  explicit RegionChips(QWidget* parent = nullptr);

  // `picture` is the whole picture; the chip shows the region's crop.
  void addRegion(const QuestionRegion& region, const QImage& picture);
  QVector<QuestionRegion> regions() const;
  bool isEmpty() const { return m_chips.isEmpty(); }
  void clear();
  // The markup of every region, each followed by a space, ready to go before the question.
  QString markup() const;
  QLineEdit* phraseEdit(int index) const;

 signals:
  void changed();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  struct Chip {
    QuestionRegion region;
    QWidget* widget = nullptr;
    QLineEdit* phrase = nullptr;
  };
  void remove(QWidget* chip);
  void retranslateUi();

  QHBoxLayout* m_layout;
  QVector<Chip> m_chips;
};

}  // namespace qwenvl::ui
