// One running instance per user; see single_instance.h.
#include "app/single_instance.h"

#include <QDataStream>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QLocalSocket>
#include <QStandardPaths>
#include <QThread>

namespace qwenvl::app {

namespace {
// A launch waits this long for the running instance to take its files: long enough for a busy
// GUI thread (a picture being decoded), short enough that a hung one does not hold the desktop.
constexpr int kHandOverMs = 5000;
// How long a launch keeps trying in all: the one holding the lock may be starting (not listening
// yet) or busy.
constexpr int kStartingMs = 10000;
const QByteArray kReceipt = QByteArrayLiteral("ok");
}  // namespace

SingleInstance::SingleInstance(const QString& base, QObject* parent)
    : QObject(parent), m_base(base), m_lock(base + QStringLiteral(".lock")), m_server(this) {
  // m_server is a child so that moveToThread() takes it along: its connections are served
  // by the thread that owns this object.
  // Held for the whole run: age must not make it stale, only a holder that is gone.
  m_lock.setStaleLockTime(0);
  // The socket is only for this user (the folder is too, but not every system has one).
  m_server.setSocketOptions(QLocalServer::UserAccessOption);
  connect(&m_server, &QLocalServer::newConnection, this, &SingleInstance::onConnection);
}

SingleInstance::~SingleInstance() { m_server.close(); }

QString SingleInstance::defaultBase() {
  QString dir = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
  if (dir.isEmpty()) dir = QDir::tempPath();
  return QDir(dir).filePath(QStringLiteral("qwenvl-studio"));
}

SingleInstance::Role SingleInstance::start(const QStringList& files, QString* error) {
  QDir().mkpath(QFileInfo(m_base).absolutePath());
  // One deadline for everything: a running instance that hangs must not hold this launch forever.
  const QDeadlineTimer deadline(kStartingMs);
  while (!deadline.hasExpired()) {
    if (handOver(files)) return Role::Secondary;
    if (m_lock.tryLock(0)) {
      // Ours now; a socket file left by a crashed instance would make listen() fail.
      QLocalServer::removeServer(m_base);
      if (m_server.listen(m_base)) return Role::Primary;
      if (error)
        *error = tr("Cannot listen on “%1”: %2. Files opened later start another window.")
                     .arg(QDir::toNativeSeparators(m_base), m_server.errorString());
      return Role::Failed;
    }
    if (m_lock.error() == QLockFile::PermissionError || m_lock.error() == QLockFile::UnknownError) {
      if (error)
        *error = tr("Cannot create the lock file “%1.lock”; check that its folder is writable.")
                     .arg(QDir::toNativeSeparators(m_base));
      return Role::Failed;
    }
    // Another launch holds the lock and is about to listen.
    QThread::msleep(50);
  }
  if (error)
    *error = tr("Another QwenVL Studio holds “%1.lock” but does not answer.").arg(QDir::toNativeSeparators(m_base));
  return Role::Failed;
}

bool SingleInstance::handOver(const QStringList& files) {
  QLocalSocket socket;
  socket.connectToServer(m_base);
  if (!socket.waitForConnected(kHandOverMs)) return false;
  QByteArray message;
  QDataStream out(&message, QIODevice::WriteOnly);
  out << files;
  socket.write(message);
  if (!socket.waitForBytesWritten(kHandOverMs)) return false;
  // Only the receipt says the files arrived; without it they would be lost silently.
  QByteArray reply;
  while (reply.size() < kReceipt.size() && socket.waitForReadyRead(kHandOverMs)) reply += socket.readAll();
  return reply.startsWith(kReceipt);
}

void SingleInstance::onConnection() {
  while (QLocalSocket* socket = m_server.nextPendingConnection()) {
    connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
    auto* stream = new QDataStream(socket);
    connect(socket, &QObject::destroyed, this, [stream] { delete stream; });
    connect(socket, &QLocalSocket::readyRead, this, [this, socket, stream] {
      // The list may come in several pieces: read it whole or wait for more.
      stream->startTransaction();
      QStringList files;
      *stream >> files;
      if (!stream->commitTransaction()) return;
      emit filesReceived(files);
      // The receipt goes once the files have been taken, so a launch that got it may exit.
      socket->write(kReceipt);
      socket->flush();
    });
  }
}

}  // namespace qwenvl::app
