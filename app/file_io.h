// The app's one way to write a file and its one way to read a file it did not write: atomic
// saves (QSaveFile, then an fsync of the folder so the rename itself survives a power cut) and
// bounded reads of regular files only (never a FIFO, a device or /dev/zero). Safe on any thread.
#pragma once

#include <QByteArray>
#include <QCoreApplication>
#include <QString>
#include <functional>

class QIODevice;

namespace qwenvl::app {

struct ReadResult {
  QByteArray bytes;  // valid when error is empty
  // Why not, as a clause for "“NAME” cannot be read: …" ("it is a pipe or a device, …").
  QString error;
};

class FileIo {
  Q_DECLARE_TR_FUNCTIONS(FileIo)

 public:
  // Writes `bytes` to `path` atomically. Returns an error message (without the path, for the
  // caller's sentence), or an empty string.
  static QString saveAtomically(const QString& path, const QByteArray& bytes);
  // The same for writers that stream into the file (QImageWriter): `write` fills the device and
  // returns an error message or an empty string; nothing replaces `path` unless it succeeds.
  static QString saveAtomically(const QString& path, const std::function<QString(QIODevice*)>& write);

  // Reads a regular file of at most `maxBytes`. It is opened without blocking (a FIFO cannot
  // stall it) and read no further than maxBytes + 1, so a file that reports a size of 0 but
  // never ends (/proc, a file still growing) costs no more memory than the cap.
  static ReadResult readRegularFile(const QString& path, qint64 maxBytes);

  // Makes the entries of `folder` (a rename into it) durable. Returns an error or "".
  static QString syncFolder(const QString& folder);
};

}  // namespace qwenvl::app
