// A scripted conversation for demonstrations and the documentation screenshots: pictures to
// add, a question and the reply the scripted backend streams back, markup and boxes included.
//   {"language": "en", "pictures": ["images/astronaut.png"], "question": "…", "reply": "…",
//    "token_delay_ms": 10, "window_size": [1280, 800], "theme": "dark", "font_points": 11,
//    "earlier_questions": ["…", "…"]}
// Earlier questions become conversations of a demo library, so the sidebar has something to show.
// Relative picture paths are taken from the script's folder.
#pragma once

#include <QCoreApplication>
#include <QSize>
#include <QString>
#include <QStringList>

namespace qwenvl::app {

struct DemoScript {
  QString language;
  QStringList pictures;
  QString question;
  QString reply;
  int tokenDelayMs = 10;
  QSize windowSize;
  QString theme;  // "light", "dark" or empty (the desktop's)
  int fontPoints = 0;
  QStringList earlierQuestions;

  QString error;  // non-empty when the file could not be used
};

class DemoScriptReader {
  Q_DECLARE_TR_FUNCTIONS(DemoScriptReader)

 public:
  static DemoScript read(const QString& path);
  // Writes one small conversation per earlier question into the library at `libraryDir`.
  // Returns an error message, or an empty string.
  static QString seedLibrary(const DemoScript& script, const QString& libraryDir);
};

}  // namespace qwenvl::app
