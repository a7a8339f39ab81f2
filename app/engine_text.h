// The engine's words in the user's language: an error's code and arguments (qwenvl::ErrorCode)
// become a translated sentence, and the device description ("CPU, 2 threads") a translated one.
// What the engine has no code for keeps its English detail inside a translated frame; the CLI
// prints the engine's English directly.
#pragma once

#include <QCoreApplication>
#include <QString>

#include "qwenvl/status.h"

namespace qwenvl::app {

class EngineText {
  Q_DECLARE_TR_FUNCTIONS(EngineText)

 public:
  static QString describe(const Status& status);
  static QString device(const QString& engineDescription);
};

}  // namespace qwenvl::app
