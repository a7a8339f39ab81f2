// Command-line parsing; see command_line.h.
#include "app/command_line.h"

#include <QCommandLineParser>
#include <QFileInfo>

namespace qwenvl::app {

CommandLineOptions CommandLine::parse(const QStringList& arguments) {
  CommandLineOptions o;
  QCommandLineParser parser;
  parser.setApplicationDescription(
      tr("QwenVL Studio: chat with Qwen-VL-Chat-Int4 about your pictures, on your own computer."));
  const QCommandLineOption help = parser.addHelpOption();
  const QCommandLineOption version = parser.addVersionOption();
  const QCommandLineOption model(QStringList{QStringLiteral("m"), QStringLiteral("model")},
                                 tr("Load the Qwen-VL-Chat-Int4 model from <folder>."), tr("folder"));
  const QCommandLineOption backend(QStringLiteral("backend"), tr("Run the model on <backend>: cuda or cpu."),
                                   tr("backend"));
  const QCommandLineOption lang(QStringLiteral("lang"), tr("Interface language: en or zh_CN."), tr("language"));
  const QCommandLineOption noRestore(QStringLiteral("no-restore"),
                                     tr("Start with an empty conversation instead of the last one."));
  const QCommandLineOption demo(QStringLiteral("demo-script"),
                                tr("Replay the scripted conversation in <file> instead of running a model."),
                                tr("file"));
  const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                      tr("Save the window to <png> and quit: with --demo-script when the reply is "
                                         "done, else once the window has settled."),
                                      tr("png"));
  parser.addOptions({model, backend, lang, noRestore, demo, screenshot});
  // Kiosk mode (docs/kiosk.md).
  const QCommandLineOption kiosk(
      QStringLiteral("kiosk"), tr("Run as an unattended demo kiosk: full screen, locked down, every visit forgotten."));
  const QCommandLineOption kioskConfig(QStringLiteral("kiosk-config"),
                                       tr("Read the kiosk configuration from <file> (default: %1).")
                                           .arg(QStringLiteral("/etc/qwenvl-studio/kiosk.json")),
                                       tr("file"));
  const QCommandLineOption hashPin(QStringLiteral("kiosk-hash-pin"),
                                   tr("Read an admin PIN (4 to 12 digits) from standard input and print its hash for "
                                      "the kiosk configuration."));
  parser.addOptions({kiosk, kioskConfig, hashPin});
  parser.addPositionalArgument(tr("pictures"), tr("Pictures to add to the conversation."), tr("[pictures…]"));

  auto failWith = [&o](const QString& message) {
    o.exitNow = true;
    o.exitCode = 2;
    o.output = message;
    return o;
  };
  if (!parser.parse(arguments)) return failWith(parser.errorText());
  if (parser.isSet(help)) {
    o.exitNow = true;
    o.output = parser.helpText();
    return o;
  }
  if (parser.isSet(version)) {
    o.exitNow = true;
    o.output = QCoreApplication::applicationName() + QLatin1Char(' ') + QCoreApplication::applicationVersion();
    return o;
  }
  o.modelDir = parser.value(model);
  if (parser.isSet(backend)) {
    const QString b = parser.value(backend).toLower();
    if (b == QLatin1String("cpu"))
      o.backend = BackendChoice::Cpu;
    else if (b == QLatin1String("cuda"))
      o.backend = BackendChoice::Cuda;
    else
      return failWith(tr("Unknown backend “%1”: use cuda or cpu.").arg(parser.value(backend)));
  }
  if (parser.isSet(lang)) {
    o.language = parser.value(lang);
    if (!AppSettings::languages().contains(o.language)) {
      return failWith(
          tr("Unknown language “%1”: use %2.").arg(o.language, AppSettings::languages().join(QStringLiteral(", "))));
    }
  }
  o.noRestore = parser.isSet(noRestore);
  o.demoScript = parser.value(demo);
  o.screenshot = parser.value(screenshot);
  if (!o.screenshot.isEmpty() && !o.screenshot.endsWith(QLatin1String(".png"), Qt::CaseInsensitive)) {
    return failWith(tr("--screenshot needs a file name ending in .png."));
  }
  o.kiosk = parser.isSet(kiosk);
  o.kioskConfig = parser.value(kioskConfig);
  o.kioskHashPin = parser.isSet(hashPin);
  if (!o.kioskConfig.isEmpty() && !o.kiosk) return failWith(tr("--kiosk-config needs --kiosk."));
  if (o.kiosk && !parser.positionalArguments().isEmpty())
    return failWith(tr("--kiosk takes no pictures: they come from the configured folder or the camera."));
  for (const QString& p : parser.positionalArguments()) o.pictures << QFileInfo(p).absoluteFilePath();
  return o;
}

}  // namespace qwenvl::app
