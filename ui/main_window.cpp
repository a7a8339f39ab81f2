// The main window's construction, menus, language, model status, drops and closing; the
// commands themselves are in main_window_commands.cpp.
#include "ui/main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMimeData>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "app/chat_controller.h"
#include "app/language_manager.h"
#include "app/studio_app.h"
#include "ui/actions.h"
#include "ui/appearance.h"
#include "ui/chat_pane.h"
#include "ui/chat_view.h"
#include "ui/image_canvas.h"
#include "ui/library_sidebar.h"
#include "ui/message_bar.h"
#include "ui/mime_pictures.h"
#include "ui/model_panel.h"
#include "ui/picture_pane.h"
#include "ui/prompt_edit.h"
#include "ui/region_tool.h"
#include "ui/thumbnail_strip.h"

namespace qwenvl::ui {

MainWindow::MainWindow(app::StudioApp* studio, QWidget* parent)
    : QMainWindow(parent), m_app(studio), m_settings(studio->settings()), m_controller(studio->controller()) {
  setObjectName(QStringLiteral("mainWindow"));
  setAcceptDrops(true);
  applyAppearance(m_settings->theme(), m_settings->fontPoints());
  m_actions = new Actions(this);
  addActions(m_actions->findChildren<QAction*>());  // shortcuts work wherever the focus is

  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(6, 6, 6, 0);
  m_messageBar = new MessageBar(central);
  m_splitter = new QSplitter(Qt::Horizontal, central);
  m_splitter->setChildrenCollapsible(false);
  m_library = new LibrarySidebar(m_app, m_actions, m_splitter);
  m_picturePane = new PicturePane(m_actions, m_splitter);
  m_chatPane = new ChatPane(m_actions, m_splitter);
  m_splitter->addWidget(m_library);
  m_splitter->addWidget(m_picturePane);
  m_splitter->addWidget(m_chatPane);
  m_splitter->setStretchFactor(0, 0);
  m_splitter->setStretchFactor(1, 3);
  m_splitter->setStretchFactor(2, 2);
  layout->addWidget(m_messageBar);
  layout->addWidget(m_splitter, 1);
  setCentralWidget(central);
  // While pictures are dragged over the window, it says where they go.
  m_dropOverlay = new QLabel(central);
  m_dropOverlay->setObjectName(QStringLiteral("dropOverlay"));
  m_dropOverlay->setAlignment(Qt::AlignCenter);
  m_dropOverlay->setWordWrap(true);
  m_dropOverlay->setAttribute(Qt::WA_TransparentForMouseEvents);
  m_dropOverlay->setAutoFillBackground(true);
  {
    QPalette p = m_dropOverlay->palette();
    QColor fill = p.color(QPalette::Highlight);
    fill.setAlpha(60);
    p.setColor(QPalette::Window, fill);
    m_dropOverlay->setPalette(p);
    QFont f = m_dropOverlay->font();
    f.setPointSizeF(f.pointSizeF() * 1.6);
    f.setBold(true);
    m_dropOverlay->setFont(f);
  }
  m_dropOverlay->setFrameStyle(QFrame::Box | QFrame::Plain);
  m_dropOverlay->setLineWidth(3);
  m_dropOverlay->hide();
  m_modelStatus = new QLabel(this);
  statusBar()->addPermanentWidget(m_modelStatus);

  m_picturePane->setConversation(m_controller->conversation());
  m_chatPane->setConversation(m_controller->conversation());
  // Keyboard order through the window: question, Send, Stop, Add, the conversation, the
  // picture's tools, the picture, its strip, then the conversations sidebar.
  QList<QWidget*> order = {m_chatPane->promptEdit(), m_chatPane->sendButton(), m_chatPane->stopButton(),
                           m_chatPane->attachButton(), m_chatPane->chatView()};
  for (QToolButton* b :
       m_picturePane->findChild<QToolBar*>(QStringLiteral("pictureTools"))->findChildren<QToolButton*>()) {
    if (b->focusPolicy() & Qt::TabFocus) order << b;
  }
  order << m_picturePane->canvas() << m_picturePane->strip() << m_library->searchField() << m_library->newButton()
        << m_library->list();
  for (int i = 0; i + 1 < order.size(); ++i) setTabOrder(order[i], order[i + 1]);

  buildMenus();
  connectActions();
  connectController();

  m_actions->showBoxes->setChecked(m_settings->showBoxes());
  updateBackendChecks();
  updateLanguageChecks();
  if (!m_settings->windowGeometry().isEmpty())
    restoreGeometry(m_settings->windowGeometry());
  else
    resize(1280, 800);
  if (!m_settings->splitterState().isEmpty())
    m_splitter->restoreState(m_settings->splitterState());
  else
    m_splitter->setSizes({220, (width() - 220) * 11 / 20, (width() - 220) * 9 / 20});  // the picture a little wider
  // Without the CUDA backend in this build there is nothing to choose; with it but no GPU, the
  // choice stays open so the engine can say what is missing.
  m_actions->useCuda->setEnabled(m_app->cuda().compiled);

  retranslateUi();
  updateModelUi();
  updateBusyUi();
  m_chatPane->promptEdit()->setFocus();
}

MainWindow::~MainWindow() = default;

void MainWindow::updateBackendChecks() {
  m_actions->useCpu->setChecked(m_app->effectiveBackend() == BackendKind::Cpu);
  m_actions->useCuda->setChecked(m_app->effectiveBackend() == BackendKind::Cuda);
}

void MainWindow::updateLanguageChecks() {
  if (const app::LanguageManager* language = m_app->language()) {
    (language->language() == QLatin1String("zh_CN") ? m_actions->chinese : m_actions->english)->setChecked(true);
  }
}

void MainWindow::buildMenus() {
  Actions* a = m_actions;
  m_fileMenu = menuBar()->addMenu(QString());
  m_fileMenu->addActions({a->newConversation, a->openConversation, a->saveConversation, a->saveConversationAs});
  m_fileMenu->addSeparator();
  m_fileMenu->addActions({a->addPictures, a->takeScreenshot, a->saveAnnotated, a->exportMarkdown});
  m_fileMenu->addSeparator();
  m_fileMenu->addAction(a->quit);
  m_editMenu = menuBar()->addMenu(QString());
  m_editMenu->addActions({a->pastePicture, a->copyReply});
  m_editMenu->addSeparator();
  m_editMenu->addAction(a->settings);
  m_viewMenu = menuBar()->addMenu(QString());
  m_viewMenu->addActions({a->zoomIn, a->zoomOut, a->zoomFit, a->zoomActual});
  m_viewMenu->addSeparator();
  m_viewMenu->addActions({a->showBoxes, a->previousPicture, a->nextPicture, a->focusPicture});
  m_viewMenu->addSeparator();
  m_viewMenu->addAction(a->showLibrary);
  m_viewMenu->addSeparator();
  m_languageMenu = m_viewMenu->addMenu(QString());
  m_languageMenu->addActions({a->english, a->chinese});
  m_chatMenu = menuBar()->addMenu(QString());
  m_chatMenu->addActions({a->send, a->stop, a->regenerate});
  m_chatMenu->addSeparator();
  m_chatMenu->addActions({a->askRegion, a->askRegionByKeys, a->focusInput});
  m_modelMenu = menuBar()->addMenu(QString());
  m_modelMenu->addActions({a->openModel, a->cancelLoad});
  m_modelMenu->addSeparator();
  m_modelMenu->addActions({a->useCuda, a->useCpu});
  m_helpMenu = menuBar()->addMenu(QString());
  m_helpMenu->addActions({a->getModel, a->shortcuts, a->about});
}

void MainWindow::retranslateUi() {
  m_fileMenu->setTitle(tr("&File"));
  m_editMenu->setTitle(tr("&Edit"));
  m_viewMenu->setTitle(tr("&View"));
  m_languageMenu->setTitle(tr("&Language"));
  m_chatMenu->setTitle(tr("&Chat"));
  m_modelMenu->setTitle(tr("&Model"));
  m_helpMenu->setTitle(tr("&Help"));
  m_splitter->setAccessibleName(tr("Picture and chat"));
  m_picturePane->setAccessibleName(tr("Picture"));
  m_chatPane->setAccessibleName(tr("Chat"));
  m_modelStatus->setAccessibleName(tr("Model status"));
  m_dropOverlay->setText(tr("Drop the pictures to add them to the conversation"));
  const QString path = m_app->conversationPath();
  const QString name = path.isEmpty() ? tr("New conversation") : QFileInfo(path).fileName();
  // [*]: the "modified" mark of a conversation saved under a name (QWidget::setWindowModified).
  setWindowTitle(tr("%1[*] — QwenVL Studio").arg(name));
  updateModelUi();
}

void MainWindow::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) {
    m_actions->retranslate();
    retranslateUi();
  }
  QMainWindow::changeEvent(event);
}

void MainWindow::setLanguage(const QString& code) { m_app->setLanguage(code); }

void MainWindow::updateModelUi() {
  using app::ModelState;
  ModelPanel::State s;
  s.model = m_controller->modelState();
  s.modelDir = m_controller->modelDir().isEmpty() ? m_settings->modelDir() : m_controller->modelDir();
  s.error = m_controller->modelError();
  s.fraction = m_controller->loadFraction();
  s.cuda = m_app->cuda();
  s.usingCpu = m_app->effectiveBackend() == BackendKind::Cpu;
  m_chatPane->modelPanel()->setState(s);
  switch (s.model) {
    case ModelState::None:
      m_modelStatus->setText(tr("No model"));
      break;
    case ModelState::Loading:
      m_modelStatus->setText(tr("Loading the model… %1%").arg(qRound(s.fraction * 100)));
      break;
    case ModelState::Ready:
      m_modelStatus->setText(tr("Model ready: %1").arg(m_controller->device()));
      break;
    case ModelState::Failed:
      m_modelStatus->setText(tr("Model not loaded"));
      break;
  }
  m_actions->cancelLoad->setEnabled(s.model == ModelState::Loading);
  updateBusyUi();
}

void MainWindow::updateBusyUi() {
  const bool busy = m_controller->isBusy();
  const bool ready = m_controller->modelState() == app::ModelState::Ready;
  m_chatPane->setBusy(busy);
  m_actions->send->setEnabled(!busy);
  m_actions->stop->setEnabled(busy);
  m_actions->regenerate->setEnabled(!busy && ready && m_controller->conversation()->lastAssistantMessageId() >= 0);
  m_chatPane->chatView()->setCanRegenerate(!busy && ready);
}

void MainWindow::updateLibraryVisibility() {
  // A narrow window gives its width to the picture and the chat; the sidebar comes back when
  // there is room again (or Ctrl+Shift+L asks for it).
  constexpr int kNarrow = 900;
  m_library->setVisible(m_actions->showLibrary->isChecked() && width() >= kNarrow);
}

void MainWindow::resizeEvent(QResizeEvent* event) {
  QMainWindow::resizeEvent(event);
  updateLibraryVisibility();
}

bool MainWindow::isDropHighlighted() const { return m_dropOverlay->isVisible(); }

void MainWindow::setDropHighlight(bool on) {
  if (on) {
    m_dropOverlay->setGeometry(centralWidget()->rect());
    m_dropOverlay->raise();
  }
  m_dropOverlay->setVisible(on);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (mimeHasPictures(event->mimeData())) {
    event->acceptProposedAction();
    setDropHighlight(true);
  }
}

void MainWindow::dragLeaveEvent(QDragLeaveEvent* event) {
  setDropHighlight(false);
  QMainWindow::dragLeaveEvent(event);
}

void MainWindow::dragMoveEvent(QDragMoveEvent* event) {
  if (mimeHasPictures(event->mimeData())) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  setDropHighlight(false);
  const QList<app::PictureSource> sources = picturesFromMime(event->mimeData());
  if (sources.isEmpty()) return;
  event->acceptProposedAction();
  m_controller->importPictures(sources);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  m_settings->setWindowGeometry(saveGeometry());
  m_settings->setSplitterState(m_splitter->saveState());
  m_settings->setShowBoxes(m_actions->showBoxes->isChecked());
  m_settings->sync();
  m_app->shutdown();
  event->accept();
}

}  // namespace qwenvl::ui
