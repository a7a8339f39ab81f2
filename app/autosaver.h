// Keeps a copy of the current conversation on disk so that a crash loses at most the reply in
// progress: every committed change (picture added, question sent, reply finished) is written a
// moment later on a background thread, one save at a time, atomically (QSaveFile).
#pragma once

#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>

namespace qwenvl::app {

class Conversation;

class Autosaver : public QObject {
  Q_OBJECT
 public:
  Autosaver(Conversation* conversation, const QString& path, QObject* parent = nullptr);
  ~Autosaver() override;

  QString path() const { return m_path; }
  static QString defaultPath();  // <app data>/autosave/conversation.json
  // Later saves go to `path`; what is pending is written to the old path first.
  void setPath(const QString& path);
  void setEnabled(bool enabled);
  // Writes what is pending now and waits for every save to finish (used on quit and by tests).
  void flush();
  // The last save: flushes, then stops listening to the conversation for good. Called before
  // the conversation goes away; the autosaver never reads it again.
  void close();

 signals:
  void failed(const QString& message);

 private:
  void schedule();
  void saveNow();

  // Guarded: if the conversation is destroyed first, a pending save is dropped, never read.
  QPointer<Conversation> m_conversation;
  QString m_path;
  bool m_enabled = true;
  QTimer m_timer;
  QTimer m_draftTimer;  // the unsent question: written once typing pauses, not at every key
  QThreadPool m_pool;   // one thread: saves never overlap and land in order
};

}  // namespace qwenvl::app
