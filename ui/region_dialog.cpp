// The keyboard way to ask about a region; see region_dialog.h.
#include "ui/region_dialog.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace qwenvl::ui {

RegionDialog::RegionDialog(QSize picture, const QRect& initial, QWidget* parent) : QDialog(parent), m_picture(picture) {
  auto* layout = new QVBoxLayout(this);
  m_intro = new QLabel(this);
  m_intro->setWordWrap(true);
  layout->addWidget(m_intro);
  auto* form = new QFormLayout;
  auto spin = [this](int max) {
    auto* s = new QSpinBox(this);
    s->setRange(0, max);
    return s;
  };
  m_left = spin(picture.width() - 1);
  m_top = spin(picture.height() - 1);
  m_width = spin(picture.width());
  m_height = spin(picture.height());
  m_width->setMinimum(1);
  m_height->setMinimum(1);
  m_phrase = new QLineEdit(this);
  QWidget* fields[5] = {m_left, m_top, m_width, m_height, m_phrase};
  for (int i = 0; i < 5; ++i) {
    m_labels[i] = new QLabel(this);
    m_labels[i]->setBuddy(fields[i]);
    form->addRow(m_labels[i], fields[i]);
  }
  form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
  layout->addLayout(form);
  // Wide enough for the explanation to read as a paragraph, not a column of words.
  setMinimumWidth(fontMetrics().averageCharWidth() * 56);
  m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  layout->addWidget(m_buttons);
  connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  const QRect r = initial.isValid() ? initial : QRect(QPoint(picture.width() / 4, picture.height() / 4), picture / 2);
  m_left->setValue(r.left());
  m_top->setValue(r.top());
  m_width->setValue(r.width());
  m_height->setValue(r.height());
  retranslateUi();
}

QRect RegionDialog::region() const {
  const int x = m_left->value();
  const int y = m_top->value();
  return QRect(x, y, std::min(m_width->value(), m_picture.width() - x),
               std::min(m_height->value(), m_picture.height() - y));
}

QString RegionDialog::phrase() const { return m_phrase->text().trimmed(); }

void RegionDialog::retranslateUi() {
  setWindowTitle(tr("Ask About a Region"));
  m_intro->setText(tr("The region of the picture shown, in pixels (the picture is %1 × %2). It enters your "
                      "question as a box the model understands.")
                       .arg(m_picture.width())
                       .arg(m_picture.height()));
  const QString names[5] = {tr("&Left:"), tr("&Top:"), tr("&Width:"), tr("&Height:"), tr("&Name it:")};
  for (int i = 0; i < 5; ++i) m_labels[i]->setText(names[i]);
  m_left->setAccessibleName(tr("Left edge in pixels"));
  m_top->setAccessibleName(tr("Top edge in pixels"));
  m_width->setAccessibleName(tr("Width in pixels"));
  m_height->setAccessibleName(tr("Height in pixels"));
  m_phrase->setAccessibleName(tr("Name of the region"));
  m_phrase->setPlaceholderText(tr("this region"));
  m_buttons->button(QDialogButtonBox::Ok)->setText(tr("OK"));
  m_buttons->button(QDialogButtonBox::Cancel)->setText(tr("Cancel"));
}

void RegionDialog::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QDialog::changeEvent(event);
}

}  // namespace qwenvl::ui
