// The systemd watchdog; see watchdog.h.
#include "app/kiosk/watchdog.h"

#if QWENVL_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#include <unistd.h>
#endif

namespace qwenvl::app {

SystemdWatchdog::SystemdWatchdog(QObject* parent) : QObject(parent) {
#if QWENVL_HAVE_SYSTEMD
  connect(&m_timer, &QTimer::timeout, this, [] { sd_notify(0, "WATCHDOG=1"); });
#endif
}

bool SystemdWatchdog::isCompiledIn() { return QWENVL_HAVE_SYSTEMD != 0; }

QString SystemdWatchdog::start() {
#if QWENVL_HAVE_SYSTEMD
  sd_notify(0, "READY=1");
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
    // Under cage the service's main process is cage, our parent: systemd set WATCHDOG_PID to
    // it, so sd_watchdog_enabled() says no here. The unit's NotifyAccess=all lets us feed it.
    bool ok = false;
    const qint64 pid = qEnvironmentVariable("WATCHDOG_PID").toLongLong(&ok);
    const qulonglong fromEnv = qEnvironmentVariable("WATCHDOG_USEC").toULongLong();
    if (!ok || pid != qint64(getppid()) || fromEnv == 0) return QStringLiteral("systemd watchdog: not requested");
    usec = fromEnv;
  }
  const qint64 ms = qMax<qint64>(1, qint64(usec / 2000));
  m_timer.start(int(qMin<qint64>(ms, 1 << 30)));
  sd_notify(0, "WATCHDOG=1");
  return QStringLiteral("systemd watchdog: fed every %1 ms").arg(ms);
#else
  return QStringLiteral("systemd watchdog: not compiled in (libsystemd was not found)");
#endif
}

}  // namespace qwenvl::app
