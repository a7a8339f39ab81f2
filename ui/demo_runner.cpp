// The demo player; see demo_runner.h.
#include "ui/demo_runner.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QImageWriter>
#include <QTimer>
#include <QToolButton>
#include <cstdio>

#include "app/chat_controller.h"
#include "app/file_io.h"
#include "ui/chat_pane.h"
#include "ui/main_window.h"
#include "ui/message_bar.h"
#include "ui/prompt_edit.h"

namespace qwenvl::ui {

DemoRunner::DemoRunner(MainWindow* window, app::DemoScript script, QString screenshotPath, QObject* parent)
    : QObject(parent), m_window(window), m_script(std::move(script)), m_screenshot(std::move(screenshotPath)) {}

void DemoRunner::start() {
  app::ChatController* c = m_window->controller();
  connect(c, &app::ChatController::modelStateChanged, this, &DemoRunner::onModelState);
  connect(c, &app::ChatController::picturesAdded, this, &DemoRunner::onPicturesAdded);
  connect(c, &app::ChatController::replyFinished, this, &DemoRunner::onReplyFinished);
  connect(c, &app::ChatController::errorOccurred, this, &DemoRunner::fail);
  // The scripted backend needs no files; any existing folder stands for the model folder.
  m_window->loadModel(QCoreApplication::applicationDirPath());
}

void DemoRunner::onModelState() {
  app::ChatController* c = m_window->controller();
  if (c->modelState() == app::ModelState::Failed) fail(c->modelError());
  if (c->modelState() != app::ModelState::Ready || m_expectedPictures > 0) return;
  m_expectedPictures = m_script.pictures.size();
  if (m_expectedPictures == 0)
    onPicturesAdded();
  else
    m_window->addPictureFiles(m_script.pictures);
}

void DemoRunner::onPicturesAdded() {
  if (m_asked || m_window->controller()->conversation()->pictures().size() < m_expectedPictures) return;
  m_asked = true;
  m_window->chatPane()->promptEdit()->setPlainText(m_script.question);
  m_window->chatPane()->sendButton()->click();
}

void DemoRunner::onReplyFinished() {
  if (m_screenshot.isEmpty()) return;
  // Once more now that the window is laid out: a size below the minimum ends at the minimum.
  if (m_script.windowSize.isValid()) m_window->resize(m_script.windowSize);
  // Let the last layout and the smooth picture scaling settle before the shot.
  QTimer::singleShot(600, this, [this] {
    const QString error = saveScreenshot(m_window, m_screenshot);
    if (!error.isEmpty()) {
      fail(error);
      return;
    }
    emit finished(0);
  });
}

QString DemoRunner::saveScreenshot(QWidget* widget, const QString& path) {
  const QImage shot = widget->grab().toImage();
  const QString error = app::FileIo::saveAtomically(path, [&shot](QIODevice* device) {
    QImageWriter writer(device, "png");
    return writer.write(shot) ? QString() : writer.errorString();
  });
  if (!error.isEmpty()) return tr("Cannot write the screenshot “%1”: %2").arg(path, error);
  std::fprintf(
      stderr, "%s\n",
      qPrintable(
          tr("Saved %1 (%2 × %3)").arg(QFileInfo(path).absoluteFilePath()).arg(shot.width()).arg(shot.height())));
  return {};
}

void DemoRunner::fail(const QString& message) {
  std::fprintf(stderr, "demo: %s\n", qPrintable(message));
  if (!m_screenshot.isEmpty()) emit finished(1);
}

}  // namespace qwenvl::ui
