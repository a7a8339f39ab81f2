// Saving and opening conversations: a JSON file plus the pictures, byte for byte as they were
// read, in a folder beside it ("NAME.pictures/"). Every file is written with QSaveFile, the
// pictures first, so the JSON never names a picture that is not on disk. Safe on any thread.
#pragma once

#include <QCoreApplication>
#include <QString>
#include <QVector>

#include "app/conversation.h"

namespace qwenvl::app {

struct OpenedConversation {
  ConversationData data;
  QVector<PictureItem> pictures;  // decoded, in the order of data.pictures
  QString error;                  // non-empty: nothing else is valid
};

class ConversationStore {
  Q_DECLARE_TR_FUNCTIONS(ConversationStore)

 public:
  static constexpr int kVersion = 1;
  // Returns an error message, or an empty string on success.
  static QString save(const ConversationData& data, const QString& path);
  // Reads and checks the JSON and the picture files, and decodes the pictures.
  static OpenedConversation open(const QString& path);
  static QString picturesFolder(const QString& path);  // "NAME.pictures" beside NAME.json
};

}  // namespace qwenvl::app
