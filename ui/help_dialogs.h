// The Help menu's dialogs; see help_dialogs.cpp.
#pragma once

#include <QCoreApplication>
#include <QList>

class QAction;
class QWidget;

namespace qwenvl::ui {

class HelpDialogs {
  Q_DECLARE_TR_FUNCTIONS(HelpDialogs)

 public:
  static void showShortcuts(QWidget* parent, const QList<QAction*>& actions);
  static void showHowToGetModel(QWidget* parent);
  static void showAbout(QWidget* parent);
};

}  // namespace qwenvl::ui
