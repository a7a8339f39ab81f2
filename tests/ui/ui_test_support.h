// Shared set-up for the UI tests: a main window on the scripted backend with settings in a
// temporary INI file, the fixture pictures, synthesised drops and small waiting helpers.
#pragma once

#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <memory>

#include "app/app_settings.h"
#include "app/language_manager.h"
#include "app/scripted_chat_backend.h"
#include "app/studio_app.h"
#include "fixture_picture.h"
#include "ui/main_window.h"

namespace qwenvl::test {

// Application names and QStandardPaths test mode; call from initTestCase().
void initUiTestApplication();

struct ScriptedWindow {
  QTemporaryDir dir;
  std::unique_ptr<app::AppSettings> settings;
  std::unique_ptr<app::LanguageManager> language;
  std::shared_ptr<app::ReplyScript> script = std::make_shared<app::ReplyScript>();
  std::unique_ptr<app::StudioApp> app;  // the headless application the window shows
  std::unique_ptr<ui::MainWindow> window;

  // Opens the window; with `loadModel` it also "loads" the scripted model and waits for it.
  // `factory` replaces the scripted backend (the end-to-end test passes the engine's).
  explicit ScriptedWindow(bool loadModel = true, bool autosave = false, app::BackendFactory factory = {});
  ~ScriptedWindow();
  bool waitForModel(int timeoutMs = 5000);
};

// Queues one scripted reply that streams with no delay between tokens.
void pushReply(ScriptedWindow& w, const char* text);

// Sends a drag-enter and a drop of `paths` (as file URLs) to `target`, at its centre.
void dropFiles(QWidget* target, const QStringList& paths);

// Waits for the picture count of the conversation to reach `count`.
bool waitForPictures(ui::MainWindow* window, int count, int timeoutMs = 10000);

// Types `text` into the question box and presses Enter.
void ask(ui::MainWindow* window, const QString& text);
// Waits until no reply is streaming.
bool waitForReply(ui::MainWindow* window, int timeoutMs = 10000);

}  // namespace qwenvl::test
