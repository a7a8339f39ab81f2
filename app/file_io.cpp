// Atomic saves and bounded reads; see file_io.h. POSIX calls where Qt has no equivalent:
// QSaveFile does not sync the folder after its rename, and QFile cannot open without blocking.
#include "app/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QSaveFile>
#include <cerrno>

namespace qwenvl::app {

namespace {

// Each read asks for at most this much, so that the buffer grows with what the file really
// holds, not with the size it claims.
constexpr qint64 kChunkBytes = qint64(1) << 20;

class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }

 private:
  int m_fd;
};

}  // namespace

QString FileIo::saveAtomically(const QString& path, const QByteArray& bytes) {
  return saveAtomically(path, [&bytes](QIODevice* device) {
    return device->write(bytes) == bytes.size() ? QString() : device->errorString();
  });
}

QString FileIo::saveAtomically(const QString& path, const std::function<QString(QIODevice*)>& write) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return file.errorString();
  if (const QString error = write(&file); !error.isEmpty()) {
    file.cancelWriting();
    return error;
  }
  // commit() syncs the temporary file and renames it over `path`; the folder's entry for the
  // new name is only durable once the folder itself is synced.
  if (!file.commit()) return file.errorString();
  return syncFolder(QFileInfo(path).absolutePath());
}

QString FileIo::syncFolder(const QString& folder) {
  const Fd fd(::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return tr("cannot open the folder “%1” to sync it: %2").arg(folder, qt_error_string(errno));
  if (::fsync(fd.get()) != 0) {
    const int e = errno;
    // Some file systems cannot sync a folder at all; nothing more can be done there.
    if (e == EINVAL || e == EROFS || e == ENOTSUP) return {};
    return tr("the file was written, but the folder “%1” could not be synced to disk: %2")
        .arg(folder, qt_error_string(e));
  }
  return {};
}

ReadResult FileIo::readRegularFile(const QString& path, qint64 maxBytes) {
  ReadResult r;
  const QByteArray native = QFile::encodeName(path);
  auto kind = [](const struct stat& st) -> QString {
    if (S_ISDIR(st.st_mode)) return tr("it is a folder, not a file.");
    if (!S_ISREG(st.st_mode)) return tr("it is a pipe, a device or a socket, not a regular file.");
    return {};
  };
  struct stat st {};
  // Look before opening: opening a device can have effects of its own (a tape rewinds).
  if (::stat(native.constData(), &st) != 0) {
    const int e = errno;
    r.error =
        (e == ENOENT || e == ENOTDIR) ? tr("it does not exist.") : tr("it cannot be read: %1.").arg(qt_error_string(e));
    return r;
  }
  if (r.error = kind(st); !r.error.isEmpty()) return r;
  // O_NONBLOCK: should the file have become a FIFO since the look, opening it still returns.
  const Fd fd(::open(native.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    r.error = tr("it cannot be read: %1.").arg(qt_error_string(errno));
    return r;
  }
  if (::fstat(fd.get(), &st) != 0) {
    r.error = tr("it cannot be read: %1.").arg(qt_error_string(errno));
    return r;
  }
  if (r.error = kind(st); !r.error.isEmpty()) return r;
  const QString tooLarge = tr("it is larger than %1, the limit for this kind of file.")
                               .arg(QLocale().formattedDataSize(maxBytes, 0, QLocale::DataSizeTraditionalFormat));
  if (st.st_size > maxBytes) {
    r.error = tooLarge;
    return r;
  }
  QByteArray data;
  data.reserve(static_cast<qsizetype>(st.st_size) + 1);
  qint64 total = 0;
  for (;;) {
    // One byte past the cap tells a file at the cap from one beyond it.
    const qint64 want = qMin(kChunkBytes, maxBytes + 1 - total);
    data.resize(static_cast<qsizetype>(total + want));
    const ssize_t n = ::read(fd.get(), data.data() + total, static_cast<size_t>(want));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.error = tr("it cannot be read: %1.").arg(qt_error_string(errno));
      return r;
    }
    if (n == 0) break;
    total += n;
    if (total > maxBytes) {
      r.error = tooLarge;
      return r;
    }
  }
  data.resize(static_cast<qsizetype>(total));
  r.bytes = std::move(data);
  return r;
}

}  // namespace qwenvl::app
