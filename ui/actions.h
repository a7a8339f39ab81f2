// Every command of the main window as a QAction, created once with its shortcut, icon and
// accessible text, shared by the menus and the tool buttons; retranslate() renames them all
// when the interface language changes.
#pragma once

#include <QAction>
#include <QActionGroup>
#include <QObject>

namespace qwenvl::ui {

class Actions : public QObject {
  Q_OBJECT
 public:
  explicit Actions(QObject* parent);
  void retranslate();

  // File
  QAction* newConversation;
  QAction* openConversation;
  QAction* saveConversation;
  QAction* saveConversationAs;
  QAction* exportMarkdown;
  QAction* addPictures;
  QAction* takeScreenshot;  // a part of the screen as a picture
  QAction* saveAnnotated;
  QAction* quit;
  // Edit
  QAction* pastePicture;
  QAction* copyReply;
  QAction* settings;
  // Chat
  QAction* send;
  QAction* stop;
  QAction* regenerate;
  QAction* focusInput;
  QAction* askRegion;        // draw a region on the picture (checkable tool)
  QAction* askRegionByKeys;  // the same with numbers, for keyboard users
  // View
  QAction* zoomIn;
  QAction* zoomOut;
  QAction* zoomFit;
  QAction* zoomActual;
  QAction* showBoxes;
  QAction* previousPicture;
  QAction* nextPicture;
  QAction* focusPicture;
  QAction* showLibrary;  // the conversations sidebar
  // Model
  QAction* openModel;
  QAction* cancelLoad;
  QAction* useCpu;
  QAction* useCuda;
  QActionGroup* backendGroup;
  // Language
  QAction* english;
  QAction* chinese;
  QActionGroup* languageGroup;
  // Help
  QAction* getModel;
  QAction* shortcuts;
  QAction* about;

 private:
  QAction* make(const char* iconName, QKeySequence shortcut = {});
};

}  // namespace qwenvl::ui
