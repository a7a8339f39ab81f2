// The kiosk's lock: an application-wide event filter that swallows the shortcuts that would
// leave or change the window (Alt+F4, Ctrl+Q, Ctrl+W, F11, ...), context menus and drops,
// tells the kiosk controller about every touch and key (the idle clock), and watches for the
// hidden admin gesture: five taps in the top-left corner within three seconds. Wheel zooming of
// the pictures is swallowed too; lists still scroll.
#pragma once

#include <QObject>
#include <QPointer>
#include <QRect>
#include <QVector>
#include <functional>
#include <optional>

class QKeyEvent;
class QWidget;

namespace qwenvl::ui {

class KioskLockdown : public QObject {
  Q_OBJECT
 public:
  static constexpr int kAdminTaps = 5;
  static constexpr int kAdminWindowMs = 3000;
  static constexpr int kCornerPx = 96;

  explicit KioskLockdown(QWidget* window, QObject* parent = nullptr);
  // Milliseconds, monotonic; tests replace it.
  void setClock(std::function<qint64()> clock) { m_clock = std::move(clock); }
  static bool isBlockedKey(const QKeyEvent* event);

 signals:
  void activity();
  void adminGesture();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void tapAt(const QPoint& globalPos, quint64 eventTime);

  QPointer<QWidget> m_window;
  std::function<qint64()> m_clock;
  QVector<qint64> m_taps;
  std::optional<quint64> m_lastTapEvent;
};

}  // namespace qwenvl::ui
