// The conversations library: every conversation the app has held keeps its own folder under
// <app data>/conversations/ (NAME/conversation.json with NAME/conversation.pictures/ beside
// it), so starting a new one, opening pictures from the file manager or a second launch never
// writes over another conversation's file or pictures. The autosave is the current one's file.
#pragma once

#include <QCoreApplication>
#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVector>

namespace qwenvl::app {

// A conversation as the sidebar lists it.
struct LibraryEntry {
  QString path;        // NAME/conversation.json
  QString title;       // the name given by the user, else made from the first question
  bool named = false;  // the title was given by the user
  QDateTime modified;  // last saved
  QString text;        // every question and reply, readable, for the search
};

class ConversationLibrary {
  Q_DECLARE_TR_FUNCTIONS(ConversationLibrary)

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

  // Every conversation with its title, most recently changed first.
  QVector<LibraryEntry> list() const;
  LibraryEntry entry(const QString& path) const;
  // A title from a first question: readable (region markup becomes its phrase), one line,
  // at most 60 characters.
  static QString titleFromQuestion(const QString& question);
  // Whether every word of `query` is in the entry's title or text (case-insensitive).
  static bool matches(const LibraryEntry& entry, const QString& query);
  // Names a conversation (an empty title goes back to the first question). Returns an error
  // message, or an empty string.
  QString rename(const QString& path, const QString& title) const;
  // Deletes a conversation of this library with its pictures. Returns an error message.
  QString remove(const QString& path) const;

 private:
  QString m_root;
};

}  // namespace qwenvl::app
