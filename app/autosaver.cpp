// Background autosave; see autosaver.h.
#include "app/autosaver.h"

#include <QDir>
#include <QFileInfo>
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
  m_draftTimer.setSingleShot(true);
  m_draftTimer.setInterval(1000);
  connect(&m_draftTimer, &QTimer::timeout, this, &Autosaver::saveNow);
  connect(conversation, &Conversation::draftChanged, this, [this] {
    if (m_enabled && m_conversation) m_draftTimer.start();
  });
}

// The jobs capture `this` only to report failure; waiting here keeps it alive until they end.
Autosaver::~Autosaver() { close(); }

QString Autosaver::defaultPath() {
  return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
      .filePath(QStringLiteral("autosave/conversation.json"));
}

void Autosaver::setPath(const QString& path) {
  flush();
  m_path = path;
}

void Autosaver::setEnabled(bool enabled) { m_enabled = enabled; }

void Autosaver::schedule() {
  if (m_enabled && m_conversation) m_timer.start();
}

void Autosaver::saveNow() {
  m_draftTimer.stop();  // this save has the draft too
  if (!m_enabled || !m_conversation) return;
  const ConversationData data = m_conversation->data();
  const QString path = m_path;
  // A conversation that never held anything gets no file (and its library folder stays empty).
  if (data.pictures.isEmpty() && data.messages.isEmpty() && data.draft.isEmpty() && !QFileInfo::exists(path)) return;
  m_pool.start([this, data, path] {
    QDir().mkpath(QFileInfo(path).absolutePath());
    const QString error = ConversationStore::save(data, path);
    if (!error.isEmpty())
      QMetaObject::invokeMethod(
          this, [this, error] { emit failed(error); }, Qt::QueuedConnection);
  });
}

void Autosaver::flush() {
  if (m_timer.isActive() || m_draftTimer.isActive()) {
    m_timer.stop();
    saveNow();
  }
  m_pool.waitForDone();
}

void Autosaver::close() {
  flush();
  if (m_conversation) disconnect(m_conversation, nullptr, this, nullptr);
  m_conversation = nullptr;
  m_enabled = false;
}

}  // namespace qwenvl::app
