// The kiosk's visit, idle clock and privacy wipe; see kiosk_controller.h.
#include "app/kiosk/kiosk_controller.h"

#include <QClipboard>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImageReader>

#include "app/camera_source.h"
#include "app/chat_controller.h"
#include "app/conversation.h"
#include "app/language_manager.h"
#include "app/studio_app.h"

namespace qwenvl::app {

KioskController::KioskController(StudioApp* app, KioskConfig config, QObject* parent)
    : QObject(parent), m_app(app), m_config(std::move(config)) {
  auto elapsed = std::make_shared<QElapsedTimer>();
  elapsed->start();
  m_clock = [elapsed] { return elapsed->elapsed(); };
  m_lastActivity = m_clock();
  m_timer.setInterval(250);
  connect(&m_timer, &QTimer::timeout, this, &KioskController::checkIdle);
  m_timer.start();
  // Reading the answer counts as being there: the idle time starts again when it ends.
  connect(m_app->controller(), &ChatController::replyFinished, this, [this] { m_lastActivity = m_clock(); });
}

KioskController::~KioskController() = default;

QString KioskController::language() const {
  return m_app->language() ? m_app->language()->language() : m_config.languages.value(0);
}

void KioskController::setClock(Clock clock) {
  m_clock = std::move(clock);
  m_lastActivity = m_clock();
}

void KioskController::setIdleTimerEnabled(bool enabled) {
  if (enabled)
    m_timer.start();
  else
    m_timer.stop();
}

void KioskController::noteActivity() {
  m_lastActivity = m_clock();
  if (m_warning) {
    m_warning = false;
    emit warningCancelled();
  }
}

void KioskController::checkIdle() {
  if (m_phase != Phase::Visit) return;
  const qint64 idleMs = m_clock() - m_lastActivity;
  const qint64 timeoutMs = qint64(m_config.idleSeconds) * 1000;
  if (idleMs < timeoutMs) return;
  const qint64 leftMs = timeoutMs + qint64(m_config.warningSeconds) * 1000 - idleMs;
  if (leftMs <= 0) {
    resetVisit();
    return;
  }
  const int seconds = int((leftMs + 999) / 1000);
  if (!m_warning) {
    m_warning = true;
    m_secondsLeft = seconds;
    emit warningStarted(seconds);
  } else if (seconds != m_secondsLeft) {
    m_secondsLeft = seconds;
    emit countdownChanged(seconds);
  }
}

void KioskController::setPhase(Phase phase) {
  if (phase == m_phase) return;
  m_phase = phase;
  emit phaseChanged(phase);
}

void KioskController::startVisit() {
  noteActivity();
  setPhase(Phase::Visit);
}

void KioskController::clearVisit() {
  // Cancels a reply still streaming (the worker stops within one token), then a new, empty
  // conversation: the worker's session is cleared with it (history, pictures, KV cache).
  m_app->controller()->stop();
  m_app->newConversation();
  m_app->conversation()->setDraft({});
  m_cameraPictures = 0;
}

void KioskController::resetVisit() {
  clearVisit();
  if (auto* gui = qobject_cast<QGuiApplication*>(QCoreApplication::instance())) {
    QClipboard* clipboard = gui->clipboard();
    clipboard->clear(QClipboard::Clipboard);
    if (clipboard->supportsSelection()) clipboard->clear(QClipboard::Selection);
  }
  if (m_config.languages.value(0) != language()) setLanguage(m_config.languages.value(0));
  const bool wasWarning = m_warning;
  m_warning = false;
  m_secondsLeft = 0;
  if (wasWarning) emit warningCancelled();
  setPhase(Phase::Attract);
  m_lastActivity = m_clock();
  emit visitReset();
}

bool KioskController::setLanguage(const QString& code) {
  if (!m_config.languages.contains(code)) return false;
  return m_app->setLanguage(code);
}

QStringList KioskController::folderPictures() const {
  if (m_config.pictureFolder.isEmpty()) return {};
  QStringList filters;
  for (const QByteArray& f : QImageReader::supportedImageFormats())
    filters << QStringLiteral("*.") + QString::fromLatin1(f);
  QStringList out;
  const QDir dir(m_config.pictureFolder);
  for (const QFileInfo& info : dir.entryInfoList(filters, QDir::Files | QDir::Readable, QDir::Name))
    out << info.absoluteFilePath();
  return out;
}

bool KioskController::choosePicture(const QString& path) {
  // Only the configured folder: the visitor never reaches another file.
  if (!folderPictures().contains(QFileInfo(path).absoluteFilePath())) return false;
  noteActivity();
  setPhase(Phase::Visit);
  if (!m_app->conversation()->isEmpty()) clearVisit();
  m_app->addPictureFiles({QFileInfo(path).absoluteFilePath()});
  return true;
}

void KioskController::useCameraFrame(const QImage& frame) {
  if (frame.isNull()) return;
  noteActivity();
  setPhase(Phase::Visit);
  if (!m_app->conversation()->isEmpty()) clearVisit();
  m_app->controller()->importPictures({cameraPicture(frame, ++m_cameraPictures)});
}

QStringList KioskController::presetQuestions() const {
  QStringList out;
  const QString lang = language();
  for (const KioskText& q : m_config.questions)
    if (q.has(lang)) out << q.in(lang);
  return out;
}

QString KioskController::ask(const QString& text) {
  noteActivity();
  return m_app->controller()->send(text);
}

}  // namespace qwenvl::app
