// UI test set-up; see ui_test_support.h.
#include "ui_test_support.h"

#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QStandardPaths>
#include <QTest>
#include <QUrl>

#include "app/chat_controller.h"
#include "support/test_env.h"
#include "ui/chat_pane.h"
#include "ui/prompt_edit.h"

namespace qwenvl::test {

void initUiTestApplication() {
  QStandardPaths::setTestModeEnabled(true);
  QCoreApplication::setOrganizationName(QStringLiteral("QwenVL Studio Tests"));
  QCoreApplication::setApplicationName(QStringLiteral("qwenvl-studio-tests"));
}

ScriptedWindow::ScriptedWindow(bool loadModel, bool autosave, app::BackendFactory factory) {
  settings = std::make_unique<app::AppSettings>(dir.filePath(QStringLiteral("settings.ini")));
  settings->setLanguage(QStringLiteral("en"));
  settings->setBackend(app::BackendChoice::Cpu);
  language = std::make_unique<app::LanguageManager>();
  language->setLanguage(QStringLiteral("en"));
  app::StudioAppOptions options;
  options.settings = settings.get();
  options.language = language.get();
  auto s = script;
  options.backendFactory = factory ? factory : [s] { return std::make_unique<app::ScriptedChatBackend>(s); };
  if (autosave) options.libraryDir = dir.filePath(QStringLiteral("conversations"));
  app = std::make_unique<app::StudioApp>(options);
  window = std::make_unique<ui::MainWindow>(app.get());
  window->resize(1200, 800);
  window->show();
  if (!QTest::qWaitForWindowExposed(window.get())) qWarning("the test window was not exposed");
  if (loadModel) {
    window->loadModel(dir.path());
    waitForModel();
  }
}

ScriptedWindow::~ScriptedWindow() {
  if (window) window->close();
  window.reset();
  app.reset();
}

bool ScriptedWindow::waitForModel(int timeoutMs) {
  return QTest::qWaitFor([this] { return window->controller()->modelState() == app::ModelState::Ready; }, timeoutMs);
}

void dropFiles(QWidget* target, const QStringList& paths) {
  auto* mime = new QMimeData;
  QList<QUrl> urls;
  for (const QString& p : paths) urls << QUrl::fromLocalFile(p);
  mime->setUrls(urls);
  const QPointF pos(target->width() / 2.0, target->height() / 2.0);
  QDragEnterEvent enter(pos.toPoint(), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &enter);
  QDropEvent drop(pos, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &drop);
  delete mime;
}

bool waitForPictures(ui::MainWindow* window, int count, int timeoutMs) {
  return QTest::qWaitFor([&] { return window->controller()->conversation()->pictures().size() == count; }, timeoutMs);
}

void ask(ui::MainWindow* window, const QString& text) {
  ui::PromptEdit* prompt = window->chatPane()->promptEdit();
  prompt->setFocus();
  prompt->setPlainText(text);
  QTest::keyClick(prompt, Qt::Key_Return);
}

bool waitForReply(ui::MainWindow* window, int timeoutMs) {
  return QTest::qWaitFor([&] { return !window->controller()->isBusy(); }, timeoutMs);
}

void pushReply(ScriptedWindow& w, const char* text) {
  app::ScriptedReply r;
  r.text = text;
  r.token_delay_ms = 0;
  w.script->push(r);
}

}  // namespace qwenvl::test
