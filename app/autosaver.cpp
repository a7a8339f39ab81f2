// Background autosave; see autosaver.h.
#include "app/autosaver.h"

#include <QDir>
#include <QFileInfo>
#include <QPointer>
#include <QStandardPaths>

#include "app/conversation.h"
#include "app/conversation_store.h"

namespace qwenvl::app {

Autosaver::Autosaver(Conversation* conversation, const QString& path, QObject* parent)
    : QObject(parent), m_conversation(conversation), m_path(path) {
  m_pool.setMaxThreadCount(1);
  m_timer.setSingleShot(true);
  // Changes made in one pass of the event loop become one write, started at once: a crash
  // right after a question is sent must not lose it.
  m_timer.setInterval(0);
  connect(&m_timer, &QTimer::timeout, this, &Autosaver::saveNow);
  connect(conversation, &Conversation::committed, this, &Autosaver::schedule);
}

Autosaver::~Autosaver() { flush(); }

QString Autosaver::defaultPath() {
  return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
      .filePath(QStringLiteral("autosave/conversation.json"));
}

void Autosaver::setEnabled(bool enabled) { m_enabled = enabled; }

void Autosaver::schedule() {
  if (m_enabled) m_timer.start();
}

void Autosaver::saveNow() {
  if (!m_enabled) return;
  const ConversationData data = m_conversation->data();
  const QString path = m_path;
  QPointer<Autosaver> self(this);
  m_pool.start([data, path, self] {
    QDir().mkpath(QFileInfo(path).absolutePath());
    const QString error = ConversationStore::save(data, path);
    if (!error.isEmpty() && self) {
      QMetaObject::invokeMethod(
          self,
          [self, error] {
            if (self) emit self->failed(error);
          },
          Qt::QueuedConnection);
    }
  });
}

void Autosaver::flush() {
  if (m_timer.isActive()) {
    m_timer.stop();
    saveNow();
  }
  m_pool.waitForDone();
}

}  // namespace qwenvl::app
