// libFuzzer target: the conversation file loader (app/conversation_store, Qt Core/Gui) on a
// bundle written to disk as a conversation: the first file is conv.json, a file named out.NAME
// lands beside it (outside the pictures folder, for "../" paths to find), ln.NAME becomes a
// symbolic link conv.pictures/NAME to the path it holds, and every other file goes into
// conv.pictures/. Checks: a refusal has a message and leaves nothing else; an opened
// conversation is consistent (ids, references, decoded pictures, the totals) and survives
// save + open unchanged.
#include <unistd.h>

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QString>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "app/conversation_store.h"
#include "fuzz_files.h"

namespace {

using qwenvl::app::ConversationData;
using qwenvl::app::ConversationLimits;
using qwenvl::app::ConversationStore;
using qwenvl::app::Message;
using qwenvl::app::OpenedConversation;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_conversation: invariant broken: %s\n", what);
    std::abort();
  }
}

// Small caps so that one input costs milliseconds; the checks are the same code as the defaults.
ConversationLimits fuzzLimits() {
  ConversationLimits l;
  l.maxJsonBytes = 1 << 20;
  l.maxPictureBytes = 256 << 10;
  l.maxTotalPictureBytes = 512 << 10;
  l.maxTotalPixels = 1 << 20;
  return l;
}

// Moves the bundle's files where the loader looks: see the comment at the top.
void arrange(const QString& root) {
  const QString pictures = root + QStringLiteral("/conv.pictures");
  check(QDir().mkpath(pictures), "the pictures folder can be made");
  for (const QString& name : QDir(root).entryList(QDir::Files | QDir::Hidden)) {
    if (name == QLatin1String("conv.json") || name.startsWith(QLatin1String("out."))) continue;
    const QString from = root + QLatin1Char('/') + name;
    if (name.startsWith(QLatin1String("ln.")) && name.size() > 3) {
      QFile f(from);
      QByteArray target;
      if (f.open(QIODevice::ReadOnly)) target = f.read(256);
      f.close();
      QFile::remove(from);
      // Link targets are bytes of the input; an empty or NUL-holding one is just not made.
      if (!target.isEmpty() && !target.contains('\0'))
        (void)::symlink(target.constData(), QFile::encodeName(pictures + QLatin1Char('/') + name.mid(3)).constData());
      continue;
    }
    check(QFile::rename(from, pictures + QLatin1Char('/') + name), "a picture can be moved into its folder");
  }
}

bool sameMessage(const Message& a, const Message& b) {
  if (a.id != b.id || a.role != b.role || a.text != b.text || a.query != b.query || a.pictureIds != b.pictureIds ||
      a.error != b.error || a.versionIndex != b.versionIndex || a.otherVersions.size() != b.otherVersions.size() ||
      a.time.toString(Qt::ISODateWithMs) != b.time.toString(Qt::ISODateWithMs) || a.stats.valid != b.stats.valid)
    return false;
  if (a.role == qwenvl::app::Role::Assistant && (a.targetPictureId != b.targetPictureId || a.state != b.state))
    return false;
  for (qsizetype i = 0; i < a.otherVersions.size(); ++i) {
    const auto &va = a.otherVersions[i], &vb = b.otherVersions[i];
    if (va.text != vb.text || va.state != vb.state || va.error != vb.error || va.stats.valid != vb.stats.valid ||
        va.time.toString(Qt::ISODateWithMs) != vb.time.toString(Qt::ISODateWithMs))
      return false;
  }
  return true;
}

void checkOpened(const OpenedConversation& c, const ConversationLimits& limits) {
  const ConversationData& d = c.data;
  check(c.pictures.size() == d.pictures.size(), "one decoded picture per listed picture");
  QSet<int> ids;
  qint64 bytes = 0, pixels = 0;
  for (qsizetype i = 0; i < d.pictures.size(); ++i) {
    const auto& p = c.pictures[i];
    check(p.id > 0 && !ids.contains(p.id), "picture ids are positive and unique");
    check(p.id == d.pictures[i].id && p.bytes == d.pictures[i].bytes, "the decoded picture is the listed one");
    ids.insert(p.id);
    check(p.picture && p.picture->width > 0 && p.picture->height > 0, "a picture is decoded");
    check(p.picture->rgb.size() == size_t(p.picture->width) * size_t(p.picture->height) * 3, "W x H x 3 bytes");
    check(!p.bytes.isEmpty() && p.bytes.size() <= limits.maxPictureBytes, "a picture file within its cap");
    bytes += p.bytes.size();
    pixels += qint64(p.picture->width) * p.picture->height;
  }
  check(bytes <= limits.maxTotalPictureBytes && pixels <= limits.maxTotalPixels, "the totals hold");
  QSet<int> messageIds;
  for (const Message& m : d.messages) {
    check(m.id > 0 && !ids.contains(m.id) && !messageIds.contains(m.id), "message ids are unique");
    messageIds.insert(m.id);
    for (int id : m.pictureIds) check(ids.contains(id), "a question's pictures are listed");
    if (m.role == qwenvl::app::Role::Assistant) {
      check(m.targetPictureId == -1 || ids.contains(m.targetPictureId), "a reply's picture is listed");
      check(m.versionIndex >= 0 && m.versionIndex <= m.otherVersions.size(), "the version shown exists");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  qwenvl::fuzz::write_bundle(bytes, "conv.json");
  const QString root = QString::fromStdString(qwenvl::fuzz::scratch_dir());
  arrange(root);
  const ConversationLimits limits = fuzzLimits();
  const OpenedConversation opened = ConversationStore::open(root + QStringLiteral("/conv.json"), limits);
  if (!opened.error.isEmpty()) {
    check(opened.pictures.isEmpty() && opened.data.pictures.isEmpty() && opened.data.messages.isEmpty() &&
              opened.data.systemPrompt.isEmpty() && opened.data.draft.isEmpty(),
          "a refusal leaves nothing else");
    return 0;
  }
  checkOpened(opened, limits);

  // What was opened saves and opens again unchanged (in a folder of its own).
  const QString again = root + QStringLiteral("/rt/conv.json");
  check(QDir().mkpath(root + QStringLiteral("/rt")), "the round-trip folder can be made");
  const QString saveError = ConversationStore::save(opened.data, again);
  check(saveError.isEmpty(), "an opened conversation saves");
  const OpenedConversation reopened = ConversationStore::open(again, limits);
  check(reopened.error.isEmpty(), "a saved conversation opens");
  const ConversationData &a = opened.data, &b = reopened.data;
  check(a.systemPrompt == b.systemPrompt && a.draft == b.draft, "the prompt and the draft survive");
  check(a.pictures.size() == b.pictures.size() && a.messages.size() == b.messages.size(), "the counts survive");
  for (qsizetype i = 0; i < a.pictures.size(); ++i) {
    const auto &pa = a.pictures[i], &pb = b.pictures[i];
    check(pa.id == pb.id && pa.name == pb.name && pa.label == pb.label && pa.sent == pb.sent &&
              pa.sourcePath == pb.sourcePath && pa.bytes == pb.bytes,
          "every picture survives");
  }
  for (qsizetype i = 0; i < a.messages.size(); ++i)
    check(sameMessage(a.messages[i], b.messages[i]), "every message survives");
  return 0;
}
