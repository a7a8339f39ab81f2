// The app's colours and text size; see appearance.h.
#include "ui/appearance.h"

#include <QApplication>
#include <QFont>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace qwenvl::ui {

namespace {
// What the desktop gave the app, kept from the moment the app first changes it, so that "As the
// desktop" can go back to it (and changes nothing while nothing was changed).
struct Saved {
  bool themed = false;
  QString style;
  QPalette palette;
  bool sized = false;
  QFont font;
};
Saved& saved() {
  static Saved s;
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
  Saved& s = saved();
  if (theme != app::ThemeChoice::System) {
    if (!s.themed) {
      s.style = QApplication::style()->name();
      s.palette = QApplication::palette();
      s.themed = true;
    }
    if (QApplication::style()->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) != 0)
      QApplication::setStyle(QStringLiteral("Fusion"));
    QApplication::setPalette(theme == app::ThemeChoice::Dark ? darkPalette() : lightPalette());
  } else if (s.themed) {
    if (QApplication::style()->name() != s.style) QApplication::setStyle(s.style);
    QApplication::setPalette(s.palette);
    s.themed = false;
  }
  if (fontPoints > 0) {
    if (!s.sized) {
      s.font = QApplication::font();
      s.sized = true;
    }
    QFont font = s.font;
    font.setPointSize(fontPoints);
    QApplication::setFont(font);
  } else if (s.sized) {
    QApplication::setFont(s.font);
    s.sized = false;
  }
}

}  // namespace qwenvl::ui
