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
};

class ConversationStore {
  Q_DECLARE_TR_FUNCTIONS(ConversationStore)

 public:
  static constexpr int kVersion = 1;
  // Returns an error message, or an empty string on success.
  static QString save(const ConversationData& data, const QString& path);
  // Reads and checks the JSON and the picture files, and decodes the pictures. A picture's
  // "file" must name a file directly in picturesFolder(path) (no absolute path, no "..", no link
  // leading out of it); each file is named by one picture only, so memory follows the files.
  static OpenedConversation open(const QString& path, const ConversationLimits& limits = {});
  static QString picturesFolder(const QString& path);  // "NAME.pictures" beside NAME.json
};

}  // namespace qwenvl::app
