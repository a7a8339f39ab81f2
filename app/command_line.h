// The command line of qwenvl-studio: --model DIR, --backend cpu|cuda, --lang en|zh_CN,
// pictures to open, and --demo-script/--screenshot for the documentation screenshots.
// Parsing never exits the process, so tests can drive it.
#pragma once

#include <QCoreApplication>
#include <QString>
#include <QStringList>
#include <optional>

#include "app/app_settings.h"

namespace qwenvl::app {

struct CommandLineOptions {
  QString modelDir;
  std::optional<BackendChoice> backend;
  QString language;
  QString demoScript;
  QString screenshot;
  bool noRestore = false;
  QStringList pictures;
  bool kiosk = false;         // --kiosk
  QString kioskConfig;        // --kiosk-config FILE; empty: the system-wide default
  bool kioskHashPin = false;  // --kiosk-hash-pin

  bool exitNow = false;  // --help, --version or an error: print `output` and exit with `exitCode`
  int exitCode = 0;
  QString output;
};

class CommandLine {
  Q_DECLARE_TR_FUNCTIONS(CommandLine)

 public:
  // `arguments` includes the program name first, as QCoreApplication::arguments().
  static CommandLineOptions parse(const QStringList& arguments);
};

}  // namespace qwenvl::app
