// Kiosk mode's entry; see kiosk_main.h.
#include "studio/kiosk_main.h"

#include <termios.h>
#include <unistd.h>
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QPushButton>
#include <QTimer>
#include <cstdio>
#include <iostream>
#include <string>

#include "app/app_settings.h"
#include "app/camera_source.h"
#include "app/chat_controller.h"
#include "app/demo_script.h"
#include "app/engine_bridge.h"
#include "app/kiosk/kiosk_config.h"
#include "app/kiosk/kiosk_controller.h"
#include "app/kiosk/watchdog.h"
#include "app/language_manager.h"
#include "app/scripted_chat_backend.h"
#include "app/studio_app.h"
#include "ui/demo_runner.h"
#include "ui/kiosk/kiosk_widgets.h"
#include "ui/kiosk/kiosk_window.h"

namespace qwenvl::studio {

namespace {

void log(const QString& line) { std::fprintf(stderr, "kiosk: %s\n", qPrintable(line)); }

// A configuration that cannot be used: shown full screen until the file is fixed, then the
// process ends with 75 (EX_TEMPFAIL) so that systemd starts the kiosk again.
int showConfigError(const QString& error, const QString& path, const app::CommandLineOptions& options) {
  log(error);
  ui::KioskErrorScreen screen(error);
  screen.setWindowFlags(Qt::Window | Qt::FramelessWindowHint);
  if (!options.screenshot.isEmpty()) {
    screen.resize(1280, 800);
    screen.show();
    QTimer::singleShot(500, &screen, [&screen, &options] {
      const QString e = ui::DemoRunner::saveScreenshot(&screen, options.screenshot);
      QCoreApplication::exit(e.isEmpty() ? 2 : 1);
    });
    return QApplication::exec();
  }
  screen.showFullScreen();
  QTimer watch;
  QObject::connect(&watch, &QTimer::timeout, &screen, [path] {
    if (app::KioskConfigReader::read(path).error.isEmpty()) QCoreApplication::exit(75);
  });
  watch.start(5000);
  return QApplication::exec();
}

}  // namespace

int hashKioskPin() {
  const bool tty = isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    std::fprintf(stderr, "Admin PIN (4 to 12 digits): ");
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  const QString pin = QString::fromStdString(line).trimmed();
  if (!app::kiosk_pin::isValidPin(pin)) {
    std::fprintf(stderr, "The PIN must be 4 to 12 digits.\n");
    return 2;
  }
  std::printf("%s\n", qPrintable(app::kiosk_pin::hash(pin)));
  return 0;
}

int runKiosk(const app::CommandLineOptions& options) {
  // Nothing of a visit may reach the disk: settings live in memory, there is no conversation
  // library (so no autosave), and no single-instance lock in the runtime folder.
  std::unique_ptr<app::AppSettings> settings = app::AppSettings::memoryOnly();
  app::LanguageManager language;
  const QString path = options.kioskConfig.isEmpty() ? app::KioskConfigReader::defaultPath() : options.kioskConfig;
  const app::KioskConfigResult read = app::KioskConfigReader::read(path);
  language.setLanguage(!options.language.isEmpty() ? options.language
                       : read.error.isEmpty()      ? read.config.languages.value(0)
                                                   : settings->language());
  if (!read.error.isEmpty()) return showConfigError(read.error, path, options);
  const app::KioskConfig& config = read.config;
  log(QStringLiteral("configuration %1").arg(QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath())));

  if (options.backend)
    settings->setBackend(*options.backend);
  else if (config.backend)
    settings->setBackend(*config.backend);
  // Memory-only settings: the server (if any) lives as long as this process.
  settings->setServer(config.server);
  app::SamplingSettings sampling = settings->sampling();
  sampling.maxNewTokens = config.maxNewTokens;
  settings->setSampling(sampling);

  app::DemoScript demo;
  app::StudioAppOptions appOptions;
  appOptions.settings = settings.get();
  appOptions.language = &language;
  appOptions.cuda = app::cudaStatus();
  if (!options.demoScript.isEmpty()) {
    // The documentation's screenshots: the scripted backend replays the demo's reply.
    demo = app::DemoScriptReader::read(options.demoScript);
    if (!demo.error.isEmpty()) {
      log(demo.error);
      return 2;
    }
    if (!demo.language.isEmpty()) language.setLanguage(demo.language);
    auto script = std::make_shared<app::ReplyScript>();
    app::ScriptedReply reply;
    reply.text = demo.reply.toStdString();
    reply.token_delay_ms = demo.tokenDelayMs;
    script->push(reply);
    appOptions.backendFactory = [script] { return std::make_unique<app::ScriptedChatBackend>(script); };
    settings->setBackend(app::BackendChoice::Cpu);
  } else {
    appOptions.backendFactory = app::engineBackendFactory();
  }
  app::StudioApp studio(appOptions);
  app::KioskController controller(&studio, config);

  std::unique_ptr<app::CameraSource> camera;
  const bool screenshots = !options.screenshot.isEmpty();
  if (config.camera && !screenshots) {
    // Qt Multimedia's FFmpeg backend reads the camera through V4L2 itself; the GStreamer one
    // would write its plugin registry under ~/.cache, and nothing may be written in kiosk mode.
    if (!qEnvironmentVariableIsSet("QT_MEDIA_BACKEND")) qputenv("QT_MEDIA_BACKEND", "ffmpeg");
    camera = app::systemCamera();
    if (camera->isAvailable())
      log(QStringLiteral("camera: %1").arg(camera->description()));
    else
      log(QStringLiteral("the camera option is hidden: %1").arg(camera->description()));
  }
  ui::KioskWindow window(&controller, camera.get());
  QObject::connect(&window, &ui::KioskWindow::exitRequested, &window, [&window] {
    log(QStringLiteral("left through the admin PIN"));
    window.close();
    QCoreApplication::exit(0);
  });
  if (demo.windowSize.isValid() || screenshots) {
    window.resize(demo.windowSize.isValid() ? demo.windowSize : QSize(1280, 800));
    window.show();
  } else {
    window.showFullScreen();
  }
  const QString modelDir = !options.modelDir.isEmpty() ? options.modelDir : config.modelDir;
  studio.loadModel(!options.demoScript.isEmpty() ? QCoreApplication::applicationDirPath()
                   : modelDir.isEmpty()          ? QString()
                                                 : QDir(modelDir).absolutePath());

  app::SystemdWatchdog watchdog;
  log(watchdog.start());

  std::unique_ptr<QTimer> poll;
  if (screenshots) {
    // The attract screen once everything settled, or (with a demo) the answered question about
    // the demo's last picture, which must be in the configured picture folder.
    poll = std::make_unique<QTimer>();
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    auto asked = std::make_shared<bool>(false);
    QObject::connect(poll.get(), &QTimer::timeout, &window, [&, clock, asked] {
      app::ChatController* chat = studio.controller();
      if (clock->elapsed() < 1000 || !studio.isSettled() || chat->isBusy()) return;
      if (!demo.pictures.isEmpty() && !*asked) {
        if (studio.conversation()->pictures().isEmpty()) {
          window.startButton()->click();
          if (!controller.choosePicture(demo.pictures.last())) {
            log(QStringLiteral("the demo's picture is not in the configured picture folder"));
            QCoreApplication::exit(1);
          }
          return;
        }
        *asked = true;
        const QString why = controller.ask(demo.question);
        if (!why.isEmpty()) {
          log(why);
          QCoreApplication::exit(1);
        }
        return;
      }
      if (!demo.pictures.isEmpty() && studio.conversation()->messages().size() < 2) return;
      poll->stop();
      if (!demo.pictures.isEmpty()) {
        // Light up the first phrase and its boxes, as a visitor's tap would.
        window.setHighlightedRef(0);
      }
      const QString error = ui::DemoRunner::saveScreenshot(&window, options.screenshot);
      if (!error.isEmpty()) log(error);
      QCoreApplication::exit(error.isEmpty() ? 0 : 1);
    });
    poll->start(250);
  }
  const int code = QApplication::exec();
  controller.resetVisit();
  studio.shutdown();
  return code;
}

}  // namespace qwenvl::studio
