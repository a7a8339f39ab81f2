// The conversations library; see conversation_library.h.
#include "app/conversation_library.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace qwenvl::app {

namespace {
const QString kFileName = QStringLiteral("conversation.json");
}

ConversationLibrary::ConversationLibrary(QString root) : m_root(QDir::cleanPath(std::move(root))) {}

QString ConversationLibrary::defaultRoot() {
  return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
      .filePath(QStringLiteral("conversations"));
}

QString ConversationLibrary::createEntry() const {
  QDir root(m_root);
  root.mkpath(QStringLiteral("."));
  const QString stem = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
  for (int n = 0;; ++n) {
    const QString name = n == 0 ? stem : QStringLiteral("%1-%2").arg(stem).arg(n);
    // mkdir fails when the folder exists: that is what makes the name ours alone.
    if (root.mkdir(name)) return QDir(root.filePath(name)).filePath(kFileName);
    if (!root.exists()) return QDir(root.filePath(name)).filePath(kFileName);  // unwritable: the save says why
  }
}

bool ConversationLibrary::contains(const QString& path) const {
  const QFileInfo info(path);
  if (info.fileName() != kFileName) return false;
  const QString folderParent = QFileInfo(info.absolutePath()).absolutePath();
  return QDir::cleanPath(folderParent) == QDir::cleanPath(QFileInfo(m_root).absoluteFilePath());
}

QStringList ConversationLibrary::entries() const {
  QStringList out;
  const QDir root(m_root);
  // Folder names are the creation time, so a reverse sort by name is newest first.
  for (const QString& name : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name | QDir::Reversed)) {
    const QString file = QDir(root.filePath(name)).filePath(kFileName);
    if (QFileInfo(file).isFile()) out << file;
  }
  return out;
}

QString ConversationLibrary::adopt(const QString& folder) const {
  if (!QFileInfo(QDir(folder).filePath(kFileName)).isFile()) return {};
  const QString entry = createEntry();
  const QString entryFolder = QFileInfo(entry).absolutePath();
  // createEntry made the folder empty; a rename onto it replaces it on the same file system.
  QDir().rmdir(entryFolder);
  if (!QDir().rename(folder, entryFolder)) {
    QDir().mkpath(entryFolder);
    return {};
  }
  return entry;
}

}  // namespace qwenvl::app
