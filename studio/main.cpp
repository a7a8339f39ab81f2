// qwenvl-studio: the entry point, the one place that knows both the headless application
// (app::StudioApp) and the widgets. Parses the command line, picks the language and the backend
// (the real engine, or the scripted one for --demo-script), composes the StudioApp with the
// main window, starts loading the model when a folder is known and adds command-line pictures
// (in a new conversation), or hands them to the instance already running.
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QIcon>
#include <QTemporaryDir>
#include <QTimer>
#include <cstdio>

#include "app/app_settings.h"
#include "app/autosaver.h"
#include "app/command_line.h"
#include "app/conversation_library.h"
#include "app/demo_script.h"
#include "app/engine_bridge.h"
#include "app/language_manager.h"
#include "app/scripted_chat_backend.h"
#include "app/single_instance.h"
#include "app/studio_app.h"
#include "ui/demo_runner.h"
#include "ui/main_window.h"

using namespace qwenvl;

int main(int argc, char** argv) {
  QApplication::setOrganizationName(QStringLiteral("QwenVL Studio"));
  QApplication::setApplicationName(QStringLiteral("qwenvl-studio"));
  QApplication::setApplicationVersion(QStringLiteral(QWENVL_STUDIO_VERSION));
  // --help, --version and a bad option are answered before the GUI starts: they need no display.
  QStringList arguments;
  for (int i = 0; i < argc; ++i) arguments << QString::fromLocal8Bit(argv[i]);
  const app::CommandLineOptions options = app::CommandLine::parse(arguments);
  if (options.exitNow) {
    std::fprintf(options.exitCode == 0 ? stdout : stderr, "%s\n", qPrintable(options.output));
    return options.exitCode;
  }

  QApplication application(argc, argv);
  QApplication::setApplicationDisplayName(QStringLiteral("QwenVL Studio"));
  QGuiApplication::setDesktopFileName(QStringLiteral("io.github.qwenvl_studio.QwenVLStudio"));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/qwenvl-studio.svg")));

  // One window per user: a later launch hands its pictures to the running one and ends here.
  // Demos and screenshots run on their own, with their own settings.
  std::unique_ptr<app::SingleInstance> instance;
  if (options.demoScript.isEmpty() && options.screenshot.isEmpty()) {
    QStringList files;
    for (const QString& p : options.pictures) files << QFileInfo(p).absoluteFilePath();  // its folder differs
    instance = std::make_unique<app::SingleInstance>(app::SingleInstance::defaultBase());
    QString error;
    const app::SingleInstance::Role role = instance->start(files, &error);
    if (role == app::SingleInstance::Role::Secondary) return 0;
    if (role == app::SingleInstance::Role::Failed) std::fprintf(stderr, "%s\n", qPrintable(error));
  }

  app::DemoScript demo;
  QTemporaryDir demoSettingsDir;  // a demo never touches the user's settings
  std::unique_ptr<app::AppSettings> settings;
  if (!options.demoScript.isEmpty()) {
    demo = app::DemoScriptReader::read(options.demoScript);
    if (!demo.error.isEmpty()) {
      std::fprintf(stderr, "%s\n", qPrintable(demo.error));
      return 2;
    }
    settings = std::make_unique<app::AppSettings>(demoSettingsDir.filePath(QStringLiteral("demo.ini")));
    settings->setBackend(app::BackendChoice::Cpu);
    settings->setTheme(demo.theme == QLatin1String("dark")    ? app::ThemeChoice::Dark
                       : demo.theme == QLatin1String("light") ? app::ThemeChoice::Light
                                                              : app::ThemeChoice::System);
    settings->setFontPoints(demo.fontPoints);
  } else {
    settings = std::make_unique<app::AppSettings>();
  }
  if (options.backend) settings->setBackend(*options.backend);

  app::LanguageManager language;
  QString lang = !options.language.isEmpty() ? options.language : settings->language();
  if (!demo.language.isEmpty()) lang = demo.language;
  language.setLanguage(lang);

  app::StudioAppOptions appOptions;
  appOptions.settings = settings.get();
  appOptions.language = &language;
  appOptions.cuda = app::cudaStatus();
  if (options.demoScript.isEmpty()) {
    appOptions.backendFactory = app::engineBackendFactory();
    appOptions.libraryDir = app::ConversationLibrary::defaultRoot();
    // The single autosave of earlier versions becomes the library's first conversation.
    const app::ConversationLibrary library(appOptions.libraryDir);
    const QString adopted = library.adopt(QFileInfo(app::Autosaver::defaultPath()).absolutePath());
    if (!adopted.isEmpty()) settings->setCurrentConversation(adopted);
    // Pictures named on the command line start a new conversation; the last one stays in the
    // library untouched.
    appOptions.restoreLast = !options.noRestore && options.pictures.isEmpty() && settings->restoreLastConversation();
  } else {
    auto script = std::make_shared<app::ReplyScript>();
    app::ScriptedReply reply;
    reply.text = demo.reply.toStdString();
    reply.token_delay_ms = demo.tokenDelayMs;
    script->push(reply);
    appOptions.backendFactory = [script] { return std::make_unique<app::ScriptedChatBackend>(script); };
    if (!demo.earlierQuestions.isEmpty()) {
      appOptions.libraryDir = demoSettingsDir.filePath(QStringLiteral("library"));
      if (const QString error = app::DemoScriptReader::seedLibrary(demo, appOptions.libraryDir); !error.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 2;
      }
    }
  }
  app::StudioApp studio(appOptions);
  ui::MainWindow window(&studio);
  if (demo.windowSize.isValid()) window.resize(demo.windowSize);
  window.show();

  std::unique_ptr<ui::DemoRunner> runner;
  if (!options.demoScript.isEmpty()) {
    runner = std::make_unique<ui::DemoRunner>(&window, demo, options.screenshot);
    QObject::connect(runner.get(), &ui::DemoRunner::finished, &application, [&window](int code) {
      window.close();
      QCoreApplication::exit(code);
    });
    runner->start();
  } else {
    const QString dir = !options.modelDir.isEmpty() ? options.modelDir : settings->modelDir();
    if (!dir.isEmpty()) studio.loadModel(QDir(dir).absolutePath());
    studio.openPictures(options.pictures);
    if (instance)
      QObject::connect(instance.get(), &app::SingleInstance::filesReceived, &window,
                       [&window, &studio](const QStringList& files) {
                         studio.openPictures(files);
                         // The user launched the app again: show the window that is already there.
                         window.setWindowState((window.windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
                         window.show();
                         window.raise();
                         window.activateWindow();
                       });
    if (!options.screenshot.isEmpty()) {
      // Shoot once loading and decoding have settled (at least a second after start).
      auto* poll = new QTimer(&window);
      auto* clock = new QElapsedTimer;
      clock->start();
      QObject::connect(poll, &QTimer::timeout, &window, [&window, &studio, poll, clock, path = options.screenshot] {
        if (clock->elapsed() < 1000 || !studio.isSettled()) return;
        poll->stop();
        delete clock;
        const QString error = ui::DemoRunner::saveScreenshot(&window, path);
        if (!error.isEmpty()) std::fprintf(stderr, "%s\n", qPrintable(error));
        window.close();
        QCoreApplication::exit(error.isEmpty() ? 0 : 1);
      });
      poll->start(250);
    }
  }
  return QApplication::exec();
}
