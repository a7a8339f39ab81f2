// Keeps a copy of the current conversation on disk so that a crash loses at most the reply in
// progress: every committed change (picture added, question sent, reply finished) is written a
// moment later on a background thread, one save at a time, atomically (QSaveFile).
#pragma once

#include <QObject>
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
  void setEnabled(bool enabled);
  // Writes what is pending now and waits for every save to finish (used on quit and by tests).
  void flush();

 signals:
  void failed(const QString& message);

 private:
  void schedule();
  void saveNow();

  Conversation* m_conversation;
  QString m_path;
  bool m_enabled = true;
  QTimer m_timer;
  QThreadPool m_pool;  // one thread: saves never overlap and land in order
};

}  // namespace qwenvl::app
