// The conversations library: every conversation the app has held keeps its own folder under
// <app data>/conversations/ (NAME/conversation.json with NAME/conversation.pictures/ beside
// it), so starting a new one, opening pictures from the file manager or a second launch never
// writes over another conversation's file or pictures. The autosave is the current one's file.
#pragma once

#include <QString>
#include <QStringList>

namespace qwenvl::app {

class ConversationLibrary {
 public:
  explicit ConversationLibrary(QString root);
  static QString defaultRoot();  // <app data>/conversations

  QString root() const { return m_root; }
  // The file of a new conversation, in a folder of its own not used by any other (named after
  // the time, with a counter if two start in the same millisecond). Its folder is made now so
  // that the name stays taken; the file appears with the first save.
  QString createEntry() const;
  // Whether `path` is a conversation file of this library (NAME/conversation.json).
  bool contains(const QString& path) const;
  // The conversation files that exist, newest first.
  QStringList entries() const;
  // Moves `folder` (a conversation.json with its conversation.pictures/, as the single autosave
  // of earlier versions kept it) into the library; returns its new file, or empty if none.
  QString adopt(const QString& folder) const;

 private:
  QString m_root;
};

}  // namespace qwenvl::app
