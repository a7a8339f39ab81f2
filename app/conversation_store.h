// Saving and opening conversations: a JSON file plus the pictures, byte for byte as they were
// read, in a folder beside it ("NAME.pictures/"). Every file is written atomically (FileIo), the
// pictures first, so the JSON never names a picture that is not on disk. Opening reads pictures
// only from that folder, regular files only, each size-capped. Safe on any thread.
#pragma once

#include <QCoreApplication>
#include <QString>
#include <QVector>

#include "app/conversation.h"
#include "qwenvl/picture.h"

namespace qwenvl::app {

struct OpenedConversation {
  ConversationData data;
  QVector<PictureItem> pictures;  // decoded, in the order of data.pictures
  QString error;                  // non-empty: nothing else is valid
};

// Bounds on what opening a conversation may read; the defaults suit every real conversation,
// tests lower them.
struct ConversationLimits {
  // The JSON holds text only (pictures are files beside it). A turn at the model's full 8192-token
  // context is under 100 KB, so 32 MB is hundreds of such turns and thousands of ordinary ones;
  // parsing takes several times the file's size in memory, so the cap also bounds that.
  qint64 maxJsonBytes = qint64(32) << 20;
  // The engine refuses larger picture files anyway (DecodeLimits::max_file_bytes); reading more
  // would only spend memory.
  qint64 maxPictureBytes = static_cast<qint64>(DecodeLimits{}.max_file_bytes);
  // All the pictures together, in file bytes and in decoded pixels (3 bytes each, held while the
  // conversation is open). Context for scale: the model's 8192-token context holds at most 32
  // pictures (256 tokens each); 32 photographs of 12 megapixels are 384 megapixels and about
  // 160 MB of JPEG. So 1 GiB of files and 2^29 (537 million) pixels, 1.5 GiB decoded, keep
  // every real conversation and bound what a hostile folder of many large pictures can cost:
  // at most these totals plus one picture past them (the one that crosses the line).
  qint64 maxTotalPictureBytes = qint64(1) << 30;
  qint64 maxTotalPixels = qint64(1) << 29;
};

class ConversationStore {
  Q_DECLARE_TR_FUNCTIONS(ConversationStore)

 public:
  static constexpr int kVersion = 1;
  // Returns an error message, or an empty string on success.
  static QString save(const ConversationData& data, const QString& path);
  // Reads and checks the JSON and the picture files, and decodes the pictures. A picture's
  // "file" must name a file directly in picturesFolder(path) (no absolute path, no "..", no link
  // leading out of it); each file is named by one picture only, so memory follows the files;
  // the pictures together stay under the limits' totals.
  static OpenedConversation open(const QString& path, const ConversationLimits& limits = {});
  static QString picturesFolder(const QString& path);  // "NAME.pictures" beside NAME.json
};

}  // namespace qwenvl::app
