// Region chips above the question box; see region_chips.h.
#include "ui/region_chips.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QToolButton>

#include "app/chat_query.h"

namespace qwenvl::ui {

namespace {
constexpr int kThumb = 40;
}

RegionChips::RegionChips(QWidget* parent) : QWidget(parent) {
  m_layout = new QHBoxLayout(this);
  m_layout->setContentsMargins(0, 0, 0, 0);
  m_layout->addStretch(1);
  setVisible(false);
}

void RegionChips::addRegion(const QuestionRegion& region, const QImage& picture) {
  Chip chip;
  chip.region = region;
  auto* frame = new QFrame(this);
  frame->setObjectName(QStringLiteral("regionChip"));
  frame->setFrameShape(QFrame::StyledPanel);
  frame->setAutoFillBackground(true);
  frame->setBackgroundRole(QPalette::AlternateBase);
  auto* row = new QHBoxLayout(frame);
  row->setContentsMargins(4, 2, 2, 2);
  row->setSpacing(4);
  auto* thumb = new QLabel(frame);
  const qreal dpr = devicePixelRatioF();
  QImage crop = picture.copy(region.pixels.intersected(picture.rect()));
  if (!crop.isNull()) {
    crop = crop.scaled(QSize(kThumb, kThumb) * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    crop.setDevicePixelRatio(dpr);
    thumb->setPixmap(QPixmap::fromImage(crop));
  }
  thumb->setFixedSize(kThumb, kThumb);
  thumb->setAlignment(Qt::AlignCenter);
  chip.phrase = new QLineEdit(region.phrase, frame);
  chip.phrase->setFrame(false);
  chip.phrase->setMinimumWidth(60);
  chip.phrase->setMaximumWidth(180);
  auto* close = new QToolButton(frame);
  close->setAutoRaise(true);
  close->setText(QStringLiteral("×"));
  row->addWidget(thumb);
  row->addWidget(chip.phrase);
  row->addWidget(close);
  chip.widget = frame;
  m_layout->insertWidget(m_layout->count() - 1, frame);
  m_chips.push_back(chip);
  connect(close, &QToolButton::clicked, this, [this, frame] { remove(frame); });
  connect(chip.phrase, &QLineEdit::textChanged, this, &RegionChips::changed);
  setVisible(true);
  retranslateUi();
  emit changed();
}

QVector<QuestionRegion> RegionChips::regions() const {
  QVector<QuestionRegion> out;
  for (const Chip& c : m_chips) {
    QuestionRegion r = c.region;
    r.phrase = c.phrase->text().trimmed();
    if (r.phrase.isEmpty()) r.phrase = tr("this region");
    out.push_back(r);
  }
  return out;
}

void RegionChips::clear() {
  if (m_chips.isEmpty()) return;
  for (const Chip& c : m_chips) c.widget->deleteLater();
  m_chips.clear();
  setVisible(false);
  emit changed();
}

QString RegionChips::markup() const {
  QString out;
  for (const QuestionRegion& r : regions()) out += app::regionMarkup(r.phrase, r.box).text() + QLatin1Char(' ');
  return out;
}

QLineEdit* RegionChips::phraseEdit(int index) const {
  return index >= 0 && index < m_chips.size() ? m_chips[index].phrase : nullptr;
}

void RegionChips::remove(QWidget* chip) {
  for (int i = 0; i < m_chips.size(); ++i) {
    if (m_chips[i].widget != chip) continue;
    chip->deleteLater();
    m_chips.removeAt(i);
    break;
  }
  setVisible(!m_chips.isEmpty());
  emit changed();
}

void RegionChips::retranslateUi() {
  for (int i = 0; i < m_chips.size(); ++i) {
    const Chip& c = m_chips[i];
    const std::array<int, 4>& b = c.region.box;
    const QRect& p = c.region.pixels;
    c.widget->setToolTip(tr("Region %1: pixels (%2, %3)–(%4, %5) of the picture; the model reads (%6, %7), (%8, %9)")
                             .arg(i + 1)
                             .arg(p.left())
                             .arg(p.top())
                             .arg(p.left() + p.width())
                             .arg(p.top() + p.height())
                             .arg(b[0])
                             .arg(b[1])
                             .arg(b[2])
                             .arg(b[3]));
    c.phrase->setAccessibleName(tr("Name of region %1").arg(i + 1));
    c.phrase->setPlaceholderText(tr("this region"));
    if (auto* close = c.widget->findChild<QToolButton*>()) {
      close->setToolTip(tr("Remove this region from the question"));
      close->setAccessibleName(tr("Remove region %1").arg(i + 1));
    }
  }
  setAccessibleName(tr("Regions to ask about"));
}

void RegionChips::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

}  // namespace qwenvl::ui
