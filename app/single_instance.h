// One running qwenvl-studio per user. The first launch holds a lock file and listens on a local
// socket, both in the user's runtime folder; a later launch finds the socket, hands over its file
// arguments (absolute paths), waits for the receipt and exits, and the running window opens
// them. The lock settles the race of two launches at once; a lock left by a crashed instance is
// stale (its process is gone) and taken over.
#pragma once

#include <QCoreApplication>
#include <QLocalServer>
#include <QLockFile>
#include <QObject>
#include <QStringList>

namespace qwenvl::app {

class SingleInstance : public QObject {
  Q_OBJECT
 public:
  // `base` is the path of the socket, and with ".lock" appended, of the lock file.
  explicit SingleInstance(const QString& base, QObject* parent = nullptr);
  ~SingleInstance() override;
  // <runtime folder>/qwenvl-studio (the runtime folder is per user, e.g. /run/user/UID).
  static QString defaultBase();

  enum class Role { Primary, Secondary, Failed };
  // Becomes the running instance, or hands `files` to it. Failed: neither worked (`error`
  // says why); the caller may then run on alone.
  Role start(const QStringList& files, QString* error = nullptr);

 signals:
  // A later launch handed these over (possibly none: it asks the window to come forward).
  void filesReceived(const QStringList& paths);

 private:
  bool handOver(const QStringList& files);
  void onConnection();

  QString m_base;
  QLockFile m_lock;
  QLocalServer m_server;
};

}  // namespace qwenvl::app
