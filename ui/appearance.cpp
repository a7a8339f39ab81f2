// The app's colours and text size; see appearance.h.
#include "ui/appearance.h"

#include <QApplication>
#include <QFont>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace qwenvl::ui {

namespace {
struct Start {
  QString style;
  QPalette palette;
  QFont font;
};
// What the desktop gave the app, so that "System" can go back to it.
const Start& start() {
  static const Start s{QApplication::style()->name(), QApplication::palette(), QApplication::font()};
  return s;
}
}  // namespace

QPalette darkPalette() {
  QPalette p;
  const QColor window(0x2b, 0x2d, 0x31), base(0x1e, 0x1f, 0x22), text(0xe6, 0xe6, 0xe6);
  const QColor disabled(0x80, 0x80, 0x80), highlight(0x3d, 0x7e, 0xd6);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, QColor(0x33, 0x36, 0x3b));
  p.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3d, 0x42));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, Qt::white);
  p.setColor(QPalette::Light, QColor(0x45, 0x48, 0x4e));
  p.setColor(QPalette::Midlight, QColor(0x3a, 0x3d, 0x42));
  p.setColor(QPalette::Mid, QColor(0x50, 0x53, 0x59));
  p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
  p.setColor(QPalette::Shadow, Qt::black);
  p.setColor(QPalette::Highlight, highlight);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, QColor(0x6c, 0xa8, 0xf0));
  p.setColor(QPalette::LinkVisited, QColor(0xa9, 0x8a, 0xe8));
  for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
    p.setColor(QPalette::Disabled, role, disabled);
  }
  return p;
}

QPalette lightPalette() {
  // Fusion's own light palette: the same on every desktop.
  QStyle* fusion = QStyleFactory::create(QStringLiteral("Fusion"));
  const QPalette p = fusion ? fusion->standardPalette() : QPalette();
  delete fusion;
  return p;
}

void applyAppearance(app::ThemeChoice theme, int fontPoints) {
  const Start& s = start();
  if (theme == app::ThemeChoice::System) {
    if (QApplication::style()->name() != s.style) QApplication::setStyle(s.style);
    QApplication::setPalette(s.palette);
  } else {
    if (QApplication::style()->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) != 0)
      QApplication::setStyle(QStringLiteral("Fusion"));
    QApplication::setPalette(theme == app::ThemeChoice::Dark ? darkPalette() : lightPalette());
  }
  QFont font = s.font;
  if (fontPoints > 0) font.setPointSize(fontPoints);
  QApplication::setFont(font);
}

}  // namespace qwenvl::ui
