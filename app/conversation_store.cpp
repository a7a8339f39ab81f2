// Conversation files; see conversation_store.h. The format is versioned and checked field by
// field on the way in, so a damaged file gives a message and changes nothing.
#include "app/conversation_store.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <algorithm>
#include <functional>

#include "app/file_io.h"
#include "app/picture_formats.h"
#include "app/picture_importer.h"

namespace qwenvl::app {

namespace {

const char* kFormat = "qwenvl-studio-conversation";
constexpr int kMaxBranchDepth = 64;  // edits of edits; far more than anyone makes by hand

QString stateName(ReplyState s) {
  switch (s) {
    case ReplyState::Streaming:
      return QStringLiteral("streaming");
    case ReplyState::Done:
      return QStringLiteral("done");
    case ReplyState::Stopped:
      return QStringLiteral("stopped");
    case ReplyState::Failed:
      return QStringLiteral("failed");
  }
  return QStringLiteral("done");
}

bool stateFromName(const QString& name, ReplyState* s) {
  for (ReplyState v : {ReplyState::Streaming, ReplyState::Done, ReplyState::Stopped, ReplyState::Failed}) {
    if (stateName(v) == name) {
      *s = v;
      return true;
    }
  }
  return false;
}

QString extensionFor(const PictureData& p) {
  if (const QString ext = PictureFormats::extensionFor(p.bytes); !ext.isEmpty()) return ext;
  const QString suffix = QFileInfo(p.name).suffix().toLower();
  return suffix.isEmpty() ? QStringLiteral("bin") : suffix;
}

QString pictureFileName(const PictureData& p) {
  QString stem = QFileInfo(p.name).completeBaseName();
  stem.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")), QStringLiteral("_"));
  if (stem.isEmpty()) stem = QStringLiteral("picture");
  return QStringLiteral("%1-%2.%3").arg(p.id).arg(stem.left(60), extensionFor(p));
}

QJsonObject statsToJson(const ReplyStats& s) {
  QJsonObject o;
  o[QStringLiteral("prompt_tokens")] = s.promptTokens;
  o[QStringLiteral("prompt_seconds")] = s.promptSeconds;
  o[QStringLiteral("images_encoded")] = s.imagesEncoded;
  o[QStringLiteral("generated_tokens")] = s.generatedTokens;
  o[QStringLiteral("generation_seconds")] = s.generationSeconds;
  o[QStringLiteral("tokens_per_second")] = s.tokensPerSecond;
  o[QStringLiteral("max_tokens")] = s.hitMaxTokens;
  o[QStringLiteral("context_full")] = s.contextFull;
  return o;
}

ReplyStats statsFromJson(const QJsonObject& o) {
  ReplyStats s;
  s.valid = !o.isEmpty();
  s.promptTokens = o.value(QStringLiteral("prompt_tokens")).toInt();
  s.promptSeconds = o.value(QStringLiteral("prompt_seconds")).toDouble();
  s.imagesEncoded = o.value(QStringLiteral("images_encoded")).toInt();
  s.generatedTokens = o.value(QStringLiteral("generated_tokens")).toInt();
  s.generationSeconds = o.value(QStringLiteral("generation_seconds")).toDouble();
  s.tokensPerSecond = o.value(QStringLiteral("tokens_per_second")).toDouble();
  s.hitMaxTokens = o.value(QStringLiteral("max_tokens")).toBool();
  s.contextFull = o.value(QStringLiteral("context_full")).toBool();
  return s;
}

// Where a picture entry's "file" may lead: a file directly inside the conversation's own
// pictures folder, that folder not itself a link elsewhere, the file no link out of it. Anything
// else (an absolute path, "..", a link) could make opening read, and saving copy, any picture
// on the disk. Returns the file's canonical path, or sets *why.
QString confinedPicture(const QString& jsonPath, const QString& rel, QString* why) {
  const QString folder = ConversationStore::picturesFolder(jsonPath);
  const QString folderName = QFileInfo(folder).fileName();
  auto outside = [&] {
    *why = ConversationStore::tr(
               "the picture file “%1” is not in the conversation’s own folder “%2”; pictures are "
               "read only from there.")
               .arg(rel, folderName);
    return QString();
  };
  if (QDir::isAbsolutePath(rel) || rel.startsWith(QLatin1Char('/'))) return outside();
  const QStringList parts = rel.split(QLatin1Char('/'));
  if (parts.size() != 2 || parts[0] != folderName) return outside();
  const QString name = parts[1];
  if (name.isEmpty() || name == QLatin1String(".") || name == QLatin1String("..") || name.contains(QLatin1Char('\\')))
    return outside();
  const QString file = QDir(folder).filePath(name);
  if (!QFileInfo::exists(file)) {
    *why = ConversationStore::tr("the picture file “%1” does not exist.").arg(rel);
    return {};
  }
  // Compare canonical paths: the folder must be where it appears to be, and the file in it.
  const QString realBase = QFileInfo(jsonPath).absoluteDir().canonicalPath();
  const QString realFolder = QFileInfo(folder).canonicalFilePath();
  const QString realFile = QFileInfo(file).canonicalFilePath();
  if (realBase.isEmpty() || realFolder != QDir(realBase).filePath(folderName) ||
      QFileInfo(realFile).absolutePath() != realFolder) {
    *why = ConversationStore::tr(
               "the picture file “%1” is a link that leads out of the folder “%2”; such links "
               "are not followed.")
               .arg(rel, folderName);
    return {};
  }
  return realFile;
}

QString tooMuchTogether(const ConversationLimits& limits) {
  return ConversationStore::tr(
             "its pictures together are larger than QwenVL Studio opens in one conversation (%1 of "
             "files or %2 pixels); open fewer or smaller pictures.")
      .arg(QLocale().formattedDataSize(limits.maxTotalPictureBytes), QLocale().toString(limits.maxTotalPixels));
}

}  // namespace

QString ConversationStore::picturesFolder(const QString& path) {
  const QFileInfo info(path);
  return info.absoluteDir().filePath(info.completeBaseName() + QStringLiteral(".pictures"));
}

QString ConversationStore::save(const ConversationData& data, const QString& path) {
  const QFileInfo info(path);
  const QString folder = picturesFolder(path);
  if (!data.pictures.isEmpty() && !QDir().mkpath(folder)) {
    return tr("Cannot create the folder “%1” for the conversation’s pictures.").arg(folder);
  }
  QJsonArray pictures;
  QSet<QString> written;
  for (const PictureData& p : data.pictures) {
    const QString name = pictureFileName(p);
    const QString file = QDir(folder).filePath(name);
    // A picture never changes once added, so an autosave rewrites only the JSON; anything but
    // our own regular file by that name (a link, a FIFO) is replaced.
    const QFileInfo existing(file);
    if (!existing.isFile() || existing.isSymLink() || existing.size() != p.bytes.size()) {
      if (const QString err = FileIo::saveAtomically(file, p.bytes); !err.isEmpty()) {
        return tr("Cannot save the picture “%1”: %2").arg(file, err);
      }
    }
    written.insert(name);
    QJsonObject o;
    o[QStringLiteral("id")] = p.id;
    o[QStringLiteral("name")] = p.name;
    o[QStringLiteral("file")] = QFileInfo(folder).fileName() + QLatin1Char('/') + name;
    o[QStringLiteral("label")] = p.label;
    o[QStringLiteral("sent")] = p.sent;
    o[QStringLiteral("source")] = p.sourcePath;
    pictures.append(o);
  }
  // Recursive: a question edited and sent again keeps the branch it replaced (and that branch
  // its own), as lists of messages from that question on.
  std::function<QJsonArray(const QVector<Message>&)> writeMessages = [&](const QVector<Message>& list) {
    QJsonArray out;
    for (const Message& m : list) {
      QJsonObject o;
      o[QStringLiteral("id")] = m.id;
      o[QStringLiteral("role")] = m.role == Role::User ? QStringLiteral("user") : QStringLiteral("assistant");
      o[QStringLiteral("text")] = m.text;
      o[QStringLiteral("time")] = m.time.toString(Qt::ISODateWithMs);
      if (m.role == Role::User) {
        o[QStringLiteral("query")] = m.query;
        QJsonArray ids;
        for (int id : m.pictureIds) ids.append(id);
        o[QStringLiteral("pictures")] = ids;
        if (!m.otherBranches.isEmpty()) {
          QJsonArray branches;
          for (const QVector<Message>& branch : m.otherBranches) branches.append(writeMessages(branch));
          o[QStringLiteral("other_branches")] = branches;
          o[QStringLiteral("branch_index")] = m.branchIndex;
        }
      } else {
        o[QStringLiteral("picture")] = m.targetPictureId;
        o[QStringLiteral("state")] = stateName(m.state);
        if (!m.error.isEmpty()) o[QStringLiteral("error")] = m.error;
        if (m.stats.valid) o[QStringLiteral("stats")] = statsToJson(m.stats);
        if (!m.otherVersions.isEmpty()) {
          // The other answers Regenerate kept; "version" is where the shown one stands.
          QJsonArray versions;
          for (const ReplyVersion& v : m.otherVersions) {
            QJsonObject vo;
            vo[QStringLiteral("text")] = v.text;
            vo[QStringLiteral("state")] = stateName(v.state);
            vo[QStringLiteral("time")] = v.time.toString(Qt::ISODateWithMs);
            if (!v.error.isEmpty()) vo[QStringLiteral("error")] = v.error;
            if (v.stats.valid) vo[QStringLiteral("stats")] = statsToJson(v.stats);
            versions.append(vo);
          }
          o[QStringLiteral("other_versions")] = versions;
          o[QStringLiteral("version_index")] = m.versionIndex;
        }
      }
      out.append(o);
    }
    return out;
  };
  const QJsonArray messages = writeMessages(data.messages);
  QJsonObject root;
  root[QStringLiteral("format")] = QString::fromLatin1(kFormat);
  root[QStringLiteral("version")] = kVersion;
  root[QStringLiteral("system_prompt")] = data.systemPrompt;
  root[QStringLiteral("pictures")] = pictures;
  root[QStringLiteral("messages")] = messages;
  if (!data.draft.isEmpty()) root[QStringLiteral("draft")] = data.draft;
  if (const QString err = FileIo::saveAtomically(path, QJsonDocument(root).toJson(QJsonDocument::Indented));
      !err.isEmpty()) {
    return tr("Cannot save the conversation to “%1”: %2").arg(info.absoluteFilePath(), err);
  }
  // Pictures removed from the conversation leave the folder once the JSON no longer names them.
  const QRegularExpression ours(QStringLiteral("^\\d+-.+\\.[A-Za-z0-9]+$"));
  for (const QString& name : QDir(folder).entryList(QDir::Files)) {
    if (ours.match(name).hasMatch() && !written.contains(name)) QFile::remove(QDir(folder).filePath(name));
  }
  return {};
}

OpenedConversation ConversationStore::open(const QString& path, const ConversationLimits& limits) {
  OpenedConversation out;
  const QString shown = QFileInfo(path).fileName();
  auto fail = [&](const QString& why) {
    out = OpenedConversation();
    out.error = tr("“%1” cannot be opened: %2").arg(shown, why);
    return out;
  };
  ReadResult json = FileIo::readRegularFile(path, limits.maxJsonBytes);
  if (!json.error.isEmpty()) return fail(json.error);
  QJsonParseError parseError;
  const QJsonDocument doc = QJsonDocument::fromJson(json.bytes, &parseError);
  json.bytes.clear();
  if (doc.isNull()) {
    return fail(tr("it is not valid JSON (%1 at byte %2).").arg(parseError.errorString()).arg(parseError.offset));
  }
  const QJsonObject root = doc.object();
  if (root.value(QStringLiteral("format")).toString() != QLatin1String(kFormat)) {
    return fail(tr("it is not a QwenVL Studio conversation."));
  }
  const int version = root.value(QStringLiteral("version")).toInt(-1);
  if (version < 1 || version > kVersion) {
    return fail(
        tr("it has format version %1; this version of QwenVL Studio reads version %2.").arg(version).arg(kVersion));
  }
  out.data.systemPrompt = root.value(QStringLiteral("system_prompt")).toString();
  out.data.draft = root.value(QStringLiteral("draft")).toString();

  QSet<int> ids;
  QSet<QString> files;  // canonical paths already read
  qint64 totalBytes = 0, totalPixels = 0;
  const QJsonArray pictures = root.value(QStringLiteral("pictures")).toArray();
  for (const QJsonValue& v : pictures) {
    const QJsonObject o = v.toObject();
    PictureData p;
    p.id = o.value(QStringLiteral("id")).toInt(0);
    p.name = o.value(QStringLiteral("name")).toString();
    p.label = o.value(QStringLiteral("label")).toString();
    p.sent = o.value(QStringLiteral("sent")).toBool();
    p.sourcePath = o.value(QStringLiteral("source")).toString();
    const QString rel = o.value(QStringLiteral("file")).toString();
    if (p.id <= 0 || ids.contains(p.id) || rel.isEmpty()) return fail(tr("a picture entry is incomplete."));
    ids.insert(p.id);
    QString why;
    const QString file = confinedPicture(path, rel, &why);
    if (file.isEmpty()) return fail(why);
    // The saver gives every picture its own file; two entries naming one file would let a small
    // folder cost memory without bound.
    if (files.contains(file)) return fail(tr("two pictures name the same file “%1”.").arg(rel));
    files.insert(file);
    // The total is checked before reading: a file that would pass it is not read at all, and the
    // read itself is capped at what is left (a file growing meanwhile is cut off there).
    const qint64 bytesLeft = limits.maxTotalPictureBytes - totalBytes;
    // (A file over its own cap is left to the read below, which says so.)
    const qint64 size = QFileInfo(file).size();
    if (size <= limits.maxPictureBytes && size > bytesLeft) return fail(tooMuchTogether(limits));
    const qint64 cap =
        size > limits.maxPictureBytes ? limits.maxPictureBytes : std::min(limits.maxPictureBytes, bytesLeft);
    const ReadResult read = FileIo::readRegularFile(file, cap);
    if (!read.error.isEmpty()) return fail(tr("the picture file “%1” cannot be read: %2").arg(rel, read.error));
    totalBytes += read.bytes.size();
    PictureSource source;
    source.bytes = read.bytes;
    source.name = p.name.isEmpty() ? QFileInfo(file).fileName() : p.name;
    // No single picture may hold more pixels than all of them together may.
    DecodeLimits decodeLimits;
    decodeLimits.max_pixels = std::min<uint64_t>(decodeLimits.max_pixels, static_cast<uint64_t>(limits.maxTotalPixels));
    decodeLimits.max_file_bytes = static_cast<uint64_t>(std::max<qint64>(read.bytes.size(), 0));
    ImportResult decoded = PictureImporter::importOne(source, decodeLimits);
    if (!decoded.error.isEmpty()) return fail(decoded.error);
    // Pixels are known only once decoded; the picture that crosses the line is dropped at once.
    totalPixels += qint64(decoded.item.picture->width) * decoded.item.picture->height;
    if (totalPixels > limits.maxTotalPixels) return fail(tooMuchTogether(limits));
    PictureItem item = decoded.item;
    static_cast<PictureData&>(item) = PictureData{p.id, p.name, p.sourcePath, decoded.item.bytes, p.label, p.sent};
    out.data.pictures.push_back(item);
    out.pictures.push_back(item);
  }
  QSet<int> messageIds;
  // Recursive as the saver: each edited question holds the branches it replaced.
  std::function<QString(const QJsonArray&, QVector<Message>*, int)> readMessages =
      [&](const QJsonArray& array, QVector<Message>* list, int depth) -> QString {
    for (const QJsonValue& v : array) {
      const QJsonObject o = v.toObject();
      Message m;
      m.id = o.value(QStringLiteral("id")).toInt(0);
      const QString role = o.value(QStringLiteral("role")).toString();
      if (m.id <= 0 || ids.contains(m.id) || messageIds.contains(m.id)) return tr("a message has no valid id.");
      messageIds.insert(m.id);
      m.text = o.value(QStringLiteral("text")).toString();
      m.time = QDateTime::fromString(o.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
      if (role == QLatin1String("user")) {
        m.role = Role::User;
        m.query = o.value(QStringLiteral("query")).toString();
        for (const QJsonValue& id : o.value(QStringLiteral("pictures")).toArray()) {
          if (!ids.contains(id.toInt())) return tr("a message refers to a picture that is not listed.");
          m.pictureIds.push_back(id.toInt());
        }
        const QJsonArray branches = o.value(QStringLiteral("other_branches")).toArray();
        if (!branches.isEmpty() && depth >= kMaxBranchDepth) return tr("its branches are nested too deeply.");
        for (const QJsonValue& b : branches) {
          QVector<Message> branch;
          if (const QString why = readMessages(b.toArray(), &branch, depth + 1); !why.isEmpty()) return why;
          if (branch.isEmpty() || branch.front().role != Role::User)
            return tr("a branch does not start with a question.");
          m.otherBranches.push_back(branch);
        }
        m.branchIndex = o.value(QStringLiteral("branch_index")).toInt(int(m.otherBranches.size()));
        if (m.branchIndex < 0 || m.branchIndex > m.otherBranches.size())
          return tr("a question names a branch it does not have.");
      } else if (role == QLatin1String("assistant")) {
        m.role = Role::Assistant;
        m.targetPictureId = o.value(QStringLiteral("picture")).toInt(-1);
        if (m.targetPictureId != -1 && !ids.contains(m.targetPictureId)) {
          return tr("a reply refers to a picture that is not listed.");
        }
        if (!stateFromName(o.value(QStringLiteral("state")).toString(QStringLiteral("done")), &m.state)) {
          return tr("a reply has an unknown state.");
        }
        m.error = o.value(QStringLiteral("error")).toString();
        m.stats = statsFromJson(o.value(QStringLiteral("stats")).toObject());
        for (const QJsonValue& vv : o.value(QStringLiteral("other_versions")).toArray()) {
          const QJsonObject vo = vv.toObject();
          ReplyVersion rv;
          rv.text = vo.value(QStringLiteral("text")).toString();
          if (!stateFromName(vo.value(QStringLiteral("state")).toString(QStringLiteral("done")), &rv.state) ||
              rv.state == ReplyState::Streaming) {
            return tr("an earlier version of a reply has an unknown state.");
          }
          rv.time = QDateTime::fromString(vo.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
          rv.error = vo.value(QStringLiteral("error")).toString();
          rv.stats = statsFromJson(vo.value(QStringLiteral("stats")).toObject());
          m.otherVersions.push_back(rv);
        }
        m.versionIndex = o.value(QStringLiteral("version_index")).toInt(int(m.otherVersions.size()));
        if (m.versionIndex < 0 || m.versionIndex > m.otherVersions.size()) {
          return tr("a reply names a version it does not have.");
        }
      } else {
        return tr("a message has the unknown role “%1”.").arg(role);
      }
      list->push_back(m);
    }
    return {};
  };
  if (const QString why = readMessages(root.value(QStringLiteral("messages")).toArray(), &out.data.messages, 0);
      !why.isEmpty()) {
    return fail(why);
  }
  return out;
}

}  // namespace qwenvl::app
