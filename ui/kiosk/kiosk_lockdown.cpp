// The kiosk's event filter; see kiosk_lockdown.h.
#include "ui/kiosk/kiosk_lockdown.h"

#include <QElapsedTimer>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QTouchEvent>
#include <QWidget>
#include <memory>

#include "ui/image_canvas.h"

namespace qwenvl::ui {

KioskLockdown::KioskLockdown(QWidget* window, QObject* parent) : QObject(parent), m_window(window) {
  auto elapsed = std::make_shared<QElapsedTimer>();
  elapsed->start();
  m_clock = [elapsed] { return elapsed->elapsed(); };
}

bool KioskLockdown::isBlockedKey(const QKeyEvent* event) {
  const int key = event->key();
  const Qt::KeyboardModifiers mods = event->modifiers() & ~Qt::KeypadModifier;
  // Function keys (F11 full screen, Alt+F4 close, ...), the system's own keys, and every
  // Ctrl/Alt/Meta combination (quit, close, new, open, settings, copy out of the kiosk) except
  // the plain editing keys of a text field.
  if (key >= Qt::Key_F1 && key <= Qt::Key_F35) return true;
  if (key == Qt::Key_Escape || key == Qt::Key_Menu || key == Qt::Key_Super_L || key == Qt::Key_Super_R ||
      key == Qt::Key_Meta || key == Qt::Key_Close || key == Qt::Key_Exit || key == Qt::Key_Print)
    return true;
  if (mods & (Qt::AltModifier | Qt::MetaModifier)) return true;
  if (mods & Qt::ControlModifier) {
    switch (key) {
      case Qt::Key_A:  // select all, within the question field
      case Qt::Key_Z:
      case Qt::Key_Y:
      case Qt::Key_Backspace:
      case Qt::Key_Delete:
      case Qt::Key_Left:
      case Qt::Key_Right:
      case Qt::Key_Control:
        return false;
      default:
        return true;
    }
  }
  return false;
}

bool KioskLockdown::eventFilter(QObject* watched, QEvent* event) {
  switch (event->type()) {
    case QEvent::ShortcutOverride:
    case QEvent::KeyPress:
    case QEvent::KeyRelease: {
      auto* key = static_cast<QKeyEvent*>(event);
      if (event->type() == QEvent::KeyPress) emit activity();
      if (isBlockedKey(key)) {
        event->accept();  // a ShortcutOverride accepted and then eaten reaches no QShortcut
        return true;
      }
      break;
    }
    case QEvent::Shortcut:
    case QEvent::ContextMenu:
    case QEvent::DragEnter:
    case QEvent::DragMove:
    case QEvent::Drop:
    case QEvent::WhatsThis:
    case QEvent::QueryWhatsThis:
    case QEvent::ToolTip:
      return true;
    case QEvent::Wheel:
      emit activity();
      // The pictures stay fitted (no zooming); lists still scroll.
      if (qobject_cast<ImageCanvas*>(watched)) return true;
      break;
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonDblClick: {
      emit activity();
      auto* mouse = static_cast<QMouseEvent*>(event);
      if (mouse->button() != Qt::LeftButton) return true;  // right button: nothing
      // A touch arrives as a synthesised mouse press too; count it once.
      if (watched->isWidgetType() && mouse->source() == Qt::MouseEventNotSynthesized)
        tapAt(mouse->globalPosition().toPoint(), mouse->timestamp());
      break;
    }
    case QEvent::TouchBegin: {
      emit activity();
      auto* touch = static_cast<QTouchEvent*>(event);
      if (watched->isWidgetType() && !touch->points().isEmpty())
        tapAt(touch->points().first().globalPosition().toPoint(), touch->timestamp());
      break;
    }
    default:
      break;
  }
  return QObject::eventFilter(watched, event);
}

void KioskLockdown::tapAt(const QPoint& globalPos, quint64 eventTime) {
  if (!m_window) return;
  // The same press passes here once for each widget it is offered to (a child, then its
  // parents); it counts once.
  if (m_lastTapEvent && *m_lastTapEvent == eventTime) return;
  m_lastTapEvent = eventTime;
  const QPoint local = m_window->mapFromGlobal(globalPos);
  if (!QRect(0, 0, kCornerPx, kCornerPx).contains(local)) {
    m_taps.clear();
    return;
  }
  const qint64 now = m_clock();
  m_taps << now;
  while (!m_taps.isEmpty() && now - m_taps.front() > kAdminWindowMs) m_taps.removeFirst();
  if (m_taps.size() >= kAdminTaps) {
    m_taps.clear();
    emit adminGesture();
  }
}

}  // namespace qwenvl::ui
