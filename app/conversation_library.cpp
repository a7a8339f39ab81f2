// The conversations library; see conversation_library.h.
#include "app/conversation_library.h"

#include <algorithm>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

#include "app/file_io.h"
#include "app/grounding.h"

namespace qwenvl::app {

namespace {
const QString kFileName = QStringLiteral("conversation.json");
const QString kTitleFile = QStringLiteral("title.txt");  // beside it, only once the user named it
constexpr qint64 kMaxFileBytes = 64 << 20;               // a conversation file, pictures apart
}  // namespace

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

QString ConversationLibrary::titleFromQuestion(const QString& question) {
  QString t = Grounding::parse(question, true).displayText.simplified();
  if (t.size() > 60) t = t.left(59).trimmed() + QChar(0x2026);
  return t;
}

LibraryEntry ConversationLibrary::entry(const QString& path) const {
  LibraryEntry e;
  e.path = path;
  const QFileInfo info(path);
  e.modified = info.lastModified();
  QFile title(QDir(info.absolutePath()).filePath(kTitleFile));
  if (title.open(QIODevice::ReadOnly)) {
    e.title = QString::fromUtf8(title.read(4096)).simplified();
    e.named = !e.title.isEmpty();
  }
  QFile file(path);
  if (info.size() > kMaxFileBytes || !file.open(QIODevice::ReadOnly)) return e;
  const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
  QStringList texts;
  QString firstQuestion;
  for (const QJsonValue& v : root.value(QStringLiteral("messages")).toArray()) {
    const QJsonObject m = v.toObject();
    const QString text = Grounding::parse(m.value(QStringLiteral("text")).toString(), true).displayText;
    if (firstQuestion.isEmpty() && m.value(QStringLiteral("role")).toString() == QLatin1String("user"))
      firstQuestion = text;
    texts << text;
  }
  e.text = texts.join(QLatin1Char('\n'));
  if (!e.named) e.title = titleFromQuestion(firstQuestion);
  return e;
}

QVector<LibraryEntry> ConversationLibrary::list() const {
  QVector<LibraryEntry> out;
  for (const QString& path : entries()) out.push_back(entry(path));
  std::stable_sort(out.begin(), out.end(),
                   [](const LibraryEntry& a, const LibraryEntry& b) { return a.modified > b.modified; });
  return out;
}

bool ConversationLibrary::matches(const LibraryEntry& entry, const QString& query) {
  for (const QString& word : query.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
    if (!entry.title.contains(word, Qt::CaseInsensitive) && !entry.text.contains(word, Qt::CaseInsensitive))
      return false;
  }
  return true;
}

QString ConversationLibrary::rename(const QString& path, const QString& title) const {
  if (!contains(path)) return tr("“%1” is not in the conversations library.").arg(path);
  const QString file = QDir(QFileInfo(path).absolutePath()).filePath(kTitleFile);
  const QString t = title.simplified();
  if (t.isEmpty()) {
    QFile::remove(file);
    return {};
  }
  return FileIo::saveAtomically(file, t.toUtf8());
}

QString ConversationLibrary::remove(const QString& path) const {
  if (!contains(path)) return tr("“%1” is not in the conversations library.").arg(path);
  QDir folder(QFileInfo(path).absolutePath());
  if (!folder.removeRecursively()) return tr("“%1” could not be deleted.").arg(folder.path());
  return {};
}

}  // namespace qwenvl::app
