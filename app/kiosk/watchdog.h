// systemd's service watchdog, fed from the GUI event loop: when the unit sets WatchdogSec=, a
// timer on this thread sends WATCHDOG=1 at half the interval, so a hung event loop stops
// feeding it and systemd restarts the kiosk. Also tells systemd READY=1 once the window is up.
// Does nothing outside systemd or in a build without libsystemd (QWENVL_HAVE_SYSTEMD).
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

namespace qwenvl::app {

class SystemdWatchdog : public QObject {
  Q_OBJECT
 public:
  explicit SystemdWatchdog(QObject* parent = nullptr);
  // Sends READY=1 and starts feeding the watchdog if systemd asked for one. Returns a line for
  // the log saying what it does.
  QString start();
  bool isFeeding() const { return m_timer.isActive(); }
  static bool isCompiledIn();

 private:
  QTimer m_timer;
};

}  // namespace qwenvl::app
