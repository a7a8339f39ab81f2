// The window's message strip; see message_bar.h.
#include "ui/message_bar.h"

#include <QAccessible>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QStyle>
#include <QToolButton>

namespace qwenvl::ui {

MessageBar::MessageBar(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 6, 6, 6);
  m_icon = new QLabel(this);
  m_text = new QLabel(this);
  m_text->setWordWrap(true);
  m_text->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  m_text->setTextFormat(Qt::PlainText);
  m_close = new QToolButton(this);
  m_close->setAutoRaise(true);
  m_close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
  connect(m_close, &QToolButton::clicked, this, &MessageBar::dismiss);
  layout->addWidget(m_icon, 0, Qt::AlignTop);
  layout->addWidget(m_text, 1);
  layout->addWidget(m_close, 0, Qt::AlignTop);
  retranslateUi();
  hide();
}

void MessageBar::showMessage(Kind kind, const QString& text) {
  m_kind = kind;
  const int size = style()->pixelMetric(QStyle::PM_SmallIconSize);
  m_icon->setPixmap(
      style()
          ->standardIcon(kind == Kind::Error ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxInformation)
          .pixmap(size, size));
  m_text->setText(text);
  retranslateUi();
  show();
  update();
  QAccessibleEvent event(this, QAccessible::Alert);
  QAccessible::updateAccessibility(&event);
}

void MessageBar::dismiss() {
  hide();
  m_text->clear();
}

QString MessageBar::text() const { return isVisible() || !m_text->text().isEmpty() ? m_text->text() : QString(); }

void MessageBar::paintEvent(QPaintEvent* event) {
  // Tinted from the current palette at paint time, so the strip follows light and dark themes.
  const QColor base = palette().color(QPalette::Window);
  const QColor tint = m_kind == Kind::Error ? QColor(0xd6, 0x27, 0x28) : QColor(0x1f, 0x77, 0xb4);
  const double a = base.lightness() > 128 ? 0.15 : 0.35;
  const QColor mixed = QColor::fromRgbF(static_cast<float>(base.redF() * (1 - a) + tint.redF() * a),
                                        static_cast<float>(base.greenF() * (1 - a) + tint.greenF() * a),
                                        static_cast<float>(base.blueF() * (1 - a) + tint.blueF() * a));
  QPainter painter(this);
  painter.fillRect(rect(), mixed);
  painter.setPen(tint);
  painter.drawRect(rect().adjusted(0, 0, -1, -1));
  QWidget::paintEvent(event);
}

void MessageBar::retranslateUi() {
  m_close->setToolTip(tr("Close this message"));
  m_close->setAccessibleName(tr("Close message"));
  setAccessibleName(m_kind == Kind::Error ? tr("Error") : tr("Notice"));
  m_text->setAccessibleName(m_kind == Kind::Error ? tr("Error message") : tr("Notice"));
}

void MessageBar::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

}  // namespace qwenvl::ui
