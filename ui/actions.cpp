// The main window's commands; see actions.h.
#include "ui/actions.h"

#include <QFile>
#include <QIcon>

#include "app/language_manager.h"

namespace qwenvl::ui {

QAction* Actions::make(const char* iconName, QKeySequence shortcut) {
  auto* a = new QAction(this);
  if (iconName) {
    // One icon set: our own SVGs (drawn to read on light and dark colours alike) wherever we
    // ship one, the desktop's theme only for the rest, so a dark theme never mixes two sets.
    const QString name = QString::fromLatin1(iconName);
    const QString bundled = QStringLiteral(":/icons/%1.svg").arg(name);
    a->setIcon(QFile::exists(bundled) ? QIcon(bundled) : QIcon::fromTheme(name));
  }
  if (!shortcut.isEmpty()) a->setShortcut(shortcut);
  return a;
}

Actions::Actions(QObject* parent) : QObject(parent) {
  newConversation = make("document-new", QKeySequence::New);
  openConversation = make("document-open", QKeySequence::Open);
  saveConversation = make("document-save", QKeySequence::Save);
  saveConversationAs = make("document-save-as", QKeySequence(QStringLiteral("Ctrl+Shift+S")));
  exportMarkdown = make("document-export", QKeySequence(QStringLiteral("Ctrl+E")));
  addPictures = make("insert-image", QKeySequence(QStringLiteral("Ctrl+I")));
  takeScreenshot = make(nullptr, QKeySequence(QStringLiteral("Ctrl+Shift+I")));
  saveAnnotated = make("document-save", QKeySequence(QStringLiteral("Ctrl+Shift+E")));
  quit = make("application-exit", QKeySequence::Quit);
  quit->setMenuRole(QAction::QuitRole);

  pastePicture = make("edit-paste", QKeySequence::Paste);
  copyReply = make("edit-copy", QKeySequence(QStringLiteral("Ctrl+Shift+C")));
  settings = make("configure", QKeySequence(QStringLiteral("Ctrl+,")));
  settings->setMenuRole(QAction::PreferencesRole);

  send = make("mail-send");  // Enter in the question box; the button and menu offer it too
  stop = make("process-stop", QKeySequence(QStringLiteral("Esc")));
  regenerate = make("view-refresh", QKeySequence(QStringLiteral("Ctrl+R")));
  focusInput = make(nullptr, QKeySequence(QStringLiteral("Ctrl+L")));
  askRegion = make("select-rectangular", QKeySequence(QStringLiteral("Ctrl+Shift+R")));
  askRegion->setCheckable(true);
  askRegionByKeys = make(nullptr, QKeySequence(QStringLiteral("Ctrl+Alt+R")));

  zoomIn = make("zoom-in", QKeySequence::ZoomIn);
  // Ctrl++ first: the menu shows the first one (Ctrl+= is for keyboards without a + key).
  zoomIn->setShortcuts({QKeySequence(QStringLiteral("Ctrl++")), QKeySequence(QStringLiteral("Ctrl+="))});
  zoomOut = make("zoom-out", QKeySequence::ZoomOut);
  zoomFit = make("zoom-fit-best", QKeySequence(QStringLiteral("Ctrl+0")));
  zoomActual = make("zoom-original", QKeySequence(QStringLiteral("Ctrl+1")));
  showBoxes = make("draw-rectangle", QKeySequence(QStringLiteral("Ctrl+B")));
  showBoxes->setCheckable(true);
  showBoxes->setChecked(true);
  previousPicture = make("go-previous", QKeySequence(QStringLiteral("Alt+Left")));
  nextPicture = make("go-next", QKeySequence(QStringLiteral("Alt+Right")));
  focusPicture = make(nullptr, QKeySequence(QStringLiteral("Ctrl+P")));
  showLibrary = make(nullptr, QKeySequence(QStringLiteral("Ctrl+Shift+L")));
  showLibrary->setCheckable(true);
  showLibrary->setChecked(true);

  openModel = make("folder-open", QKeySequence(QStringLiteral("Ctrl+M")));
  cancelLoad = make("process-stop");
  useCuda = make(nullptr);
  useCuda->setCheckable(true);
  useCpu = make(nullptr);
  useCpu->setCheckable(true);
  backendGroup = new QActionGroup(this);
  backendGroup->addAction(useCuda);
  backendGroup->addAction(useCpu);

  english = make(nullptr);
  english->setCheckable(true);
  english->setData(QStringLiteral("en"));
  chinese = make(nullptr);
  chinese->setCheckable(true);
  chinese->setData(QStringLiteral("zh_CN"));
  languageGroup = new QActionGroup(this);
  languageGroup->addAction(english);
  languageGroup->addAction(chinese);

  getModel = make("help-contents");
  shortcuts = make("help-keybord-shortcuts", QKeySequence(QStringLiteral("F1")));
  about = make("help-about");
  about->setMenuRole(QAction::AboutRole);
  retranslate();
}

void Actions::retranslate() {
  newConversation->setText(tr("&New Conversation"));
  openConversation->setText(tr("&Open Conversation…"));
  saveConversation->setText(tr("&Save Conversation"));
  saveConversationAs->setText(tr("Save Conversation &As…"));
  exportMarkdown->setText(tr("&Export to Markdown…"));
  addPictures->setText(tr("Add &Pictures…"));
  takeScreenshot->setText(tr("Take a Screens&hot…"));
  takeScreenshot->setToolTip(tr("Add a part of the screen as a picture (Ctrl+Shift+I)"));
  saveAnnotated->setText(tr("Save Picture with &Boxes…"));
  quit->setText(tr("&Quit"));

  pastePicture->setText(tr("&Paste Picture"));
  copyReply->setText(tr("&Copy Last Reply"));
  settings->setText(tr("&Settings…"));

  send->setText(tr("&Send"));
  send->setToolTip(tr("Send the question (Enter; Shift+Enter starts a new line)"));
  stop->setText(tr("S&top"));
  stop->setToolTip(tr("Stop the reply (Esc)"));
  regenerate->setText(tr("&Regenerate Last Reply"));
  focusInput->setText(tr("Go to the &Question Box"));
  askRegion->setText(tr("Ask About a Re&gion"));
  askRegion->setToolTip(tr("Drag a rectangle on the picture to ask about that region (or Shift+drag at any time)"));
  askRegionByKeys->setText(tr("Ask About a Region by &Coordinates…"));

  zoomIn->setText(tr("Zoom &In"));
  zoomOut->setText(tr("Zoom &Out"));
  zoomFit->setText(tr("&Fit to Window"));
  zoomActual->setText(tr("&Actual Size"));
  showBoxes->setText(tr("Show &Boxes"));
  showBoxes->setToolTip(tr("Show or hide the boxes the model drew (Ctrl+B)"));
  previousPicture->setText(tr("&Previous Picture"));
  nextPicture->setText(tr("&Next Picture"));
  focusPicture->setText(tr("Go to the Pic&ture"));
  showLibrary->setText(tr("&Conversations Sidebar"));
  showLibrary->setToolTip(tr("Show or hide the list of conversations (Ctrl+Shift+L)"));

  openModel->setText(tr("&Open Model Folder…"));
  cancelLoad->setText(tr("Cancel &Loading"));
  useCuda->setText(tr("Run on the &GPU (CUDA)"));
  useCpu->setText(tr("Run on the &CPU"));

  english->setText(app::LanguageManager::nativeName(QStringLiteral("en")));
  chinese->setText(app::LanguageManager::nativeName(QStringLiteral("zh_CN")));

  getModel->setText(tr("How to &Get the Model"));
  shortcuts->setText(tr("&Keyboard Shortcuts"));
  about->setText(tr("&About QwenVL Studio"));
}

}  // namespace qwenvl::ui
