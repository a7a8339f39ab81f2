// Plays a demo script in the real window for the documentation screenshots: loads the scripted
// "model", adds the pictures, asks the question, lets the scripted reply stream with its boxes,
// then (with --screenshot) saves the window as PNG and quits.
#pragma once

#include <QObject>
#include <QString>

class QWidget;
#include <memory>

#include "app/demo_script.h"

namespace qwenvl::ui {

class MainWindow;

class DemoRunner : public QObject {
  Q_OBJECT
 public:
  DemoRunner(MainWindow* window, app::DemoScript script, QString screenshotPath, QObject* parent = nullptr);
  void start();
  // Saves `widget` as PNG (atomically); returns an error message or an empty string.
  static QString saveScreenshot(QWidget* widget, const QString& path);

 signals:
  void finished(int exitCode);

 private:
  void onModelState();
  void onPicturesAdded();
  void onReplyFinished();
  void fail(const QString& message);

  MainWindow* m_window;
  app::DemoScript m_script;
  QString m_screenshot;
  int m_expectedPictures = 0;
  bool m_asked = false;
};

}  // namespace qwenvl::ui
