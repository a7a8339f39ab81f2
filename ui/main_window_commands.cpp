// The main window's commands: questions, pictures, regions, hover between text and boxes,
// files, model choice and the small dialogs. See main_window.h.
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDialog>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScreen>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>

#include "app/annotation_painter.h"
#include "app/camera_source.h"
#include "app/chat_controller.h"
#include "app/picture_formats.h"
#include "app/studio_app.h"
#include "ui/actions.h"
#include "ui/appearance.h"
#include "ui/camera_dialog.h"
#include "ui/chat_pane.h"
#include "ui/chat_view.h"
#include "ui/help_dialogs.h"
#include "ui/image_canvas.h"
#include "ui/library_sidebar.h"
#include "ui/main_window.h"
#include "ui/message_bar.h"
#include "ui/message_view.h"
#include "ui/mime_pictures.h"
#include "ui/model_panel.h"
#include "ui/picture_pane.h"
#include "ui/prompt_edit.h"
#include "ui/region_chips.h"
#include "ui/region_dialog.h"
#include "ui/region_tool.h"
#include "ui/screen_grab.h"
#include "ui/settings_dialog.h"
#include "ui/thumbnail_strip.h"

namespace qwenvl::ui {

void MainWindow::connectActions() {
  Actions* a = m_actions;
  connect(a->newConversation, &QAction::triggered, this, &MainWindow::startNewConversation);
  connect(a->openConversation, &QAction::triggered, this, [this] {
    chooseFile(false, tr("Open Conversation"), tr("QwenVL Studio conversations (*.json)"), {},
               [this](const QString& path) { openConversationFile(path); });
  });
  connect(a->saveConversation, &QAction::triggered, this, [this] {
    if (m_app->conversationPath().isEmpty())
      m_actions->saveConversationAs->trigger();
    else
      saveConversationTo(m_app->conversationPath());
  });
  connect(a->saveConversationAs, &QAction::triggered, this, [this] {
    chooseFile(true, tr("Save Conversation"), tr("QwenVL Studio conversations (*.json)"), QStringLiteral("json"),
               [this](const QString& path) { saveConversationTo(path); });
  });
  connect(a->exportMarkdown, &QAction::triggered, this, [this] {
    chooseFile(true, tr("Export to Markdown"), tr("Markdown (*.md)"), QStringLiteral("md"),
               [this](const QString& path) { exportMarkdownTo(path); });
  });
  connect(a->addPictures, &QAction::triggered, this, [this] {
    // The Pictures folder the first time, then wherever pictures last came from.
    const QString folder = m_settings->lastFolder().isEmpty()
                               ? QStandardPaths::writableLocation(QStandardPaths::PicturesLocation)
                               : m_settings->lastFolder();
    auto* dialog = new QFileDialog(this, tr("Add Pictures"), folder, app::PictureFormats::fileDialogFilter());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFiles);
    connect(dialog, &QFileDialog::filesSelected, this, [this](const QStringList& files) {
      if (!files.isEmpty()) m_settings->setLastFolder(QFileInfo(files.first()).absolutePath());
      addPictureFiles(files);
    });
    dialog->open();
  });
  connect(a->takePicture, &QAction::triggered, this, [this] {
    auto* dialog = new CameraDialog(app::systemCamera(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
      const int number = int(m_app->conversation()->pictures().size()) + 1;
      m_app->controller()->importPictures({app::cameraPicture(dialog->frame(), number)});
    });
    dialog->open();
  });
  connect(a->saveAnnotated, &QAction::triggered, this, [this] {
    if (m_picturePane->currentPictureId() < 0) {
      m_messageBar->showInformation(tr("There is no picture to save yet."));
      return;
    }
    const app::PictureItem* p = m_controller->conversation()->picture(m_picturePane->currentPictureId());
    chooseFile(
        true, tr("Save Picture with Boxes"), tr("PNG picture (*.png);;JPEG picture (*.jpg *.jpeg)"),
        QStringLiteral("png"), [this](const QString& path) { saveAnnotatedTo(path); },
        app::StudioApp::annotatedFileStem(p ? p->name : QString()));
  });
  connect(a->quit, &QAction::triggered, this, &QWidget::close);
  connect(a->takeScreenshot, &QAction::triggered, this, &MainWindow::takeScreenshot);
  connect(a->pastePicture, &QAction::triggered, this, &MainWindow::pastePicture);
  connect(a->copyReply, &QAction::triggered, this, [this] {
    const int id = m_controller->conversation()->lastAssistantMessageId();
    if (MessageView* v = m_chatPane->chatView()->viewFor(id))
      QGuiApplication::clipboard()->setMimeData(v->copyMimeData());
  });
  connect(a->settings, &QAction::triggered, this, [this] {
    auto* dialog = new SettingsDialog(m_settings, m_app->cuda(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::applied, this, [this, before = m_app->modelChoice()] {
      if (m_app->modelChoice() != before) m_messageBar->dismiss();  // a new load starts
      applyAppearance(m_settings->theme(), m_settings->fontPoints());
      m_app->applySettings(before);
    });
    dialog->open();
  });

  connect(a->send, &QAction::triggered, this, &MainWindow::sendQuestion);
  connect(m_chatPane->promptEdit(), &PromptEdit::submitted, this, &MainWindow::sendQuestion);
  connect(m_chatPane->promptEdit(), &PromptEdit::picturesPasted, m_controller, &app::ChatController::importPictures);
  connect(a->stop, &QAction::triggered, m_controller, &app::ChatController::stop);
  connect(a->regenerate, &QAction::triggered, this, [this] {
    if (const QString why = m_controller->regenerate(); !why.isEmpty()) m_messageBar->showInformation(why);
  });
  connect(a->showLibrary, &QAction::toggled, this, [this](bool on) {
    m_library->setVisible(on);  // asked for explicitly: shown even in a narrow window
  });
  connect(m_library, &LibrarySidebar::openRequested, this, &MainWindow::openConversationFile);
  connect(m_library, &LibrarySidebar::newRequested, this, [this] { m_app->newConversation(); });
  connect(a->focusInput, &QAction::triggered, m_chatPane->promptEdit(), qOverload<>(&QWidget::setFocus));
  connect(a->focusPicture, &QAction::triggered, m_picturePane->canvas(), qOverload<>(&QWidget::setFocus));
  connect(a->askRegionByKeys, &QAction::triggered, this, &MainWindow::askAboutRegionByKeys);
  connect(a->previousPicture, &QAction::triggered, this, [this] {
    ThumbnailStrip* s = m_picturePane->strip();
    if (s->currentRow() > 0) s->setCurrentRow(s->currentRow() - 1);
  });
  connect(a->nextPicture, &QAction::triggered, this, [this] {
    ThumbnailStrip* s = m_picturePane->strip();
    if (s->currentRow() + 1 < s->count()) s->setCurrentRow(s->currentRow() + 1);
  });
  connect(a->openModel, &QAction::triggered, this, &MainWindow::chooseModelFolder);
  connect(a->cancelLoad, &QAction::triggered, m_controller, &app::ChatController::cancelLoad);
  connect(a->useCpu, &QAction::triggered, this, [this] { m_app->setBackendChoice(app::BackendChoice::Cpu); });
  connect(a->useCuda, &QAction::triggered, this, [this] { m_app->setBackendChoice(app::BackendChoice::Cuda); });
  connect(a->english, &QAction::triggered, this, [this] { setLanguage(QStringLiteral("en")); });
  connect(a->chinese, &QAction::triggered, this, [this] { setLanguage(QStringLiteral("zh_CN")); });
  connect(a->getModel, &QAction::triggered, this, &MainWindow::showHowToGetModel);
  connect(a->shortcuts, &QAction::triggered, this, &MainWindow::showShortcuts);
  connect(a->about, &QAction::triggered, this, &MainWindow::showAbout);

  ModelPanel* panel = m_chatPane->modelPanel();
  connect(panel, &ModelPanel::openModelRequested, this, &MainWindow::chooseModelFolder);
  connect(panel, &ModelPanel::cancelRequested, m_controller, &app::ChatController::cancelLoad);
  connect(panel, &ModelPanel::retryRequested, this, [this] { loadModel(m_settings->modelDir()); });
  connect(panel, &ModelPanel::useCpuRequested, this, [this] { m_app->setBackendChoice(app::BackendChoice::Cpu); });

  ChatView* chat = m_chatPane->chatView();
  connect(chat, &ChatView::refHovered, this, &MainWindow::onChatRefHovered);
  connect(chat, &ChatView::copyRequested, this, [this](int id) {
    if (MessageView* v = m_chatPane->chatView()->viewFor(id))
      QGuiApplication::clipboard()->setMimeData(v->copyMimeData());
    statusBar()->showMessage(tr("Copied."), 3000);
  });
  connect(chat, &ChatView::regenerateRequested, a->regenerate, &QAction::trigger);
  connect(chat, &ChatView::versionRequested, this, [this](int id, int index) {
    const app::Message* m = m_controller->conversation()->message(id);
    if (!m) return;
    const QString why =
        m->role == app::Role::User ? m_controller->showBranch(id, index) : m_controller->showReplyVersion(id, index);
    if (!why.isEmpty()) m_messageBar->showInformation(why);
  });
  connect(chat, &ChatView::editRequested, this, &MainWindow::editQuestion);
  connect(chat, &ChatView::pictureClicked, m_picturePane, &PicturePane::showPicture);
  connect(m_chatPane, &ChatPane::sendRequested, this, &MainWindow::sendQuestion);
  connect(m_chatPane, &ChatPane::editCancelled, this, &MainWindow::cancelEdit);
  connect(chat, &ChatView::activated, this, [this](int id) {
    const app::Message* m = m_controller->conversation()->message(id);
    if (!m || m->role != app::Role::Assistant || m->targetPictureId < 0 || m->grounding.boxes.isEmpty()) return;
    m_controller->conversation()->chooseReply(id);
    m_picturePane->showPicture(m->targetPictureId);
  });
  connect(m_picturePane, &PicturePane::refHovered, this,
          [this](int replyId, int ref) { m_chatPane->chatView()->setHighlight(replyId, ref); });
  connect(m_picturePane, &PicturePane::regionSelected, this,
          [this](int pictureId, const QRect& pixels) { askAboutRegion(pictureId, pixels); });
  connect(m_picturePane->strip(), &ThumbnailStrip::removeRequested, this, [this](int id) {
    if (!m_controller->removePicture(id)) {
      m_messageBar->showInformation(
          tr("Pictures already sent stay in the conversation, so it stays as the model saw it."));
    }
  });
}

void MainWindow::connectController() {
  connect(m_controller, &app::ChatController::modelStateChanged, this, &MainWindow::updateModelUi);
  connect(m_controller, &app::ChatController::loadProgress, this, &MainWindow::updateModelUi);
  connect(m_app, &app::StudioApp::cpuSpeedChanged, this, &MainWindow::updateModelUi);
  connect(m_controller, &app::ChatController::busyChanged, this, &MainWindow::updateBusyUi);
  connect(m_controller, &app::ChatController::replyFinished, this, &MainWindow::updateBusyUi);
  connect(m_controller, &app::ChatController::errorOccurred, m_messageBar, &MessageBar::showError);
  connect(m_controller, &app::ChatController::information, m_messageBar, &MessageBar::showInformation);
  connect(m_controller, &app::ChatController::draftReturned, this, [this](const QString& text) {
    if (m_chatPane->promptEdit()->toPlainText().trimmed().isEmpty()) m_chatPane->promptEdit()->setPlainText(text);
  });
  connect(m_app, &app::StudioApp::fileJobFinished, this, &MainWindow::onFileJobFinished);
  connect(m_app, &app::StudioApp::errorOccurred, m_messageBar, &MessageBar::showError);
  connect(m_app, &app::StudioApp::conversationPathChanged, this, &MainWindow::retranslateUi);
  connect(m_app, &app::StudioApp::modifiedChanged, this, &QWidget::setWindowModified);
  // The unsent question belongs to the conversation: saved with it, back with it.
  PromptEdit* prompt = m_chatPane->promptEdit();
  connect(prompt, &QPlainTextEdit::textChanged, this,
          [this, prompt] { m_controller->conversation()->setDraft(prompt->toPlainText()); });
  connect(m_controller->conversation(), &app::Conversation::messageRemoved, this, [this](int id) {
    if (id == m_editingMessageId) cancelEdit();
  });
  connect(m_controller->conversation(), &app::Conversation::reset, this, [this, prompt] {
    m_editingMessageId = -1;
    m_chatPane->setEditing(false);
    m_chatPane->regionChips()->clear();
    const QString draft = m_controller->conversation()->draft();
    if (prompt->toPlainText() != draft) prompt->setPlainText(draft);
  });
  connect(m_app, &app::StudioApp::backendChoiceChanged, this, [this] {
    updateBackendChecks();
    updateModelUi();
  });
  connect(m_app, &app::StudioApp::languageChanged, this, &MainWindow::updateLanguageChecks);
}

void MainWindow::loadModel(const QString& dir) {
  m_messageBar->dismiss();
  m_app->loadModel(dir);
}

void MainWindow::chooseModelFolder() {
  auto* dialog = new QFileDialog(this, tr("Choose the Qwen-VL-Chat-Int4 Folder"), m_settings->modelDir());
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setFileMode(QFileDialog::Directory);
  dialog->setOption(QFileDialog::ShowDirsOnly);
  connect(dialog, &QFileDialog::fileSelected, this, &MainWindow::loadModel);
  dialog->open();
}

void MainWindow::addPictureFiles(const QStringList& paths) { m_app->addPictureFiles(paths); }

void MainWindow::takeScreenshot() {
  // Out of the way first, so that the shot shows what the user wants, not this window.
  const bool wasVisible = isVisible();
  hide();
  QTimer::singleShot(wasVisible ? 350 : 0, this, [this, wasVisible] {
    const QImage screen = grabScreen(QGuiApplication::primaryScreen());
    if (wasVisible) show();
    chooseScreenPart(screen);
  });
}

void MainWindow::chooseScreenPart(const QImage& screen) {
  if (screen.isNull()) {
    m_messageBar->showInformation(
        tr("This desktop does not let apps take screenshots. Take one with the desktop's own tool and paste it "
           "(Ctrl+V)."));
    return;
  }
  auto* picker = new ScreenRegionPicker(screen, this);
  picker->setAttribute(Qt::WA_DeleteOnClose);
  connect(picker, &QDialog::accepted, this, [this, picker] {
    app::PictureSource source;
    source.image = picker->result();
    source.name =
        tr("screenshot %1.png").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH.mm.ss")));
    m_controller->importPictures({source});
  });
  picker->open();
}

void MainWindow::sendQuestion() {
  PromptEdit* prompt = m_chatPane->promptEdit();
  RegionChips* regions = m_chatPane->regionChips();
  const QString text = regions->markup() + prompt->toPlainText();
  const QString why =
      m_editingMessageId >= 0 ? m_controller->editQuestion(m_editingMessageId, text) : m_controller->send(text);
  if (!why.isEmpty()) {
    m_messageBar->showInformation(why);
    return;
  }
  m_messageBar->dismiss();
  m_editingMessageId = -1;
  m_chatPane->setEditing(false);
  prompt->clear();
  regions->clear();
  m_picturePane->regionTool()->clearRegion();
  m_picturePane->canvas()->update();
}

void MainWindow::pastePicture() {
  const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
  const QList<app::PictureSource> sources = picturesFromMime(mime);
  if (sources.isEmpty()) {
    m_messageBar->showInformation(tr("The clipboard holds no picture. Copy a picture or a picture file first."));
    return;
  }
  m_controller->importPictures(sources);
}

void MainWindow::askAboutRegion(int pictureId, const QRect& pixels, const QString& phrase) {
  const app::PictureItem* p = m_controller->conversation()->picture(pictureId);
  if (!p) return;
  const std::array<int, 4> box = app::pixelRectToModel(pixels, p->image.size());
  // The question shows the region as a chip; the markup is written only when it is sent.
  QuestionRegion region;
  region.pictureId = pictureId;
  region.pixels = pixels.normalized();
  region.box = box;
  region.phrase = phrase.isEmpty() ? tr("this region") : phrase;
  m_chatPane->regionChips()->addRegion(region, p->image);
  m_chatPane->promptEdit()->setFocus();
  m_picturePane->regionTool()->setRegion(pixels);
  m_picturePane->canvas()->update();
  if (pictureId != m_controller->conversation()->latestSentPictureId() &&
      !m_controller->conversation()->pendingPictureIds().contains(pictureId)) {
    m_messageBar->showInformation(
        tr("The model reads boxes against the latest picture of the conversation, which is "
           "not the one shown."));
  }
}

void MainWindow::editQuestion(int messageId) {
  const app::Conversation* c = m_controller->conversation();
  const app::Message* m = c->message(messageId);
  if (!m || m->role != app::Role::User) return;
  // The question comes back into the box as the user wrote it: its regions as chips, the rest
  // as text.
  PromptEdit* prompt = m_chatPane->promptEdit();
  RegionChips* chips = m_chatPane->regionChips();
  chips->clear();
  const app::Grounding g = app::Grounding::parse(m->text, true);
  int pictureId = -1;
  for (const app::Message& earlier : c->messages()) {
    if (earlier.role == app::Role::User && !earlier.pictureIds.isEmpty()) pictureId = earlier.pictureIds.back();
    if (earlier.id == messageId) break;
  }
  const app::PictureItem* picture = c->picture(pictureId);
  QString text;
  int at = 0;
  for (int k = 0; k < g.refs.size(); ++k) {
    const app::RefSpan& r = g.refs[k];
    const app::GroundedBox* box = nullptr;
    for (const app::GroundedBox& b : g.boxes) {
      if (b.ref == k && !b.quad && b.points.size() == 2) box = &b;
    }
    if (!box || !picture || r.begin < at) continue;
    text += g.displayText.mid(at, r.begin - at);
    at = r.end;
    QuestionRegion region;
    region.pictureId = picture->id;
    region.phrase = r.phrase.trimmed();
    region.box = {box->points[0].x(), box->points[0].y(), box->points[1].x(), box->points[1].y()};
    const QSize size = picture->image.size();
    region.pixels =
        QRect(QPoint(app::modelToPixel(region.box[0], size.width()), app::modelToPixel(region.box[1], size.height())),
              QPoint(app::modelToPixel(region.box[2], size.width()) - 1,
                     app::modelToPixel(region.box[3], size.height()) - 1));
    chips->addRegion(region, picture->image);
  }
  text += g.displayText.mid(at);
  // Without regions the question is kept exactly, markup the user typed included.
  prompt->setPlainText(chips->isEmpty() ? m->text : text.trimmed());
  m_editingMessageId = messageId;
  m_chatPane->setEditing(true);
  prompt->setFocus();
  prompt->moveCursor(QTextCursor::End);
}

void MainWindow::cancelEdit() {
  if (m_editingMessageId < 0) return;
  m_editingMessageId = -1;
  m_chatPane->setEditing(false);
  m_chatPane->promptEdit()->clear();
  m_chatPane->regionChips()->clear();
}

void MainWindow::askAboutRegionByKeys() {
  const int id = m_picturePane->currentPictureId();
  const app::PictureItem* p = m_controller->conversation()->picture(id);
  if (!p) {
    m_messageBar->showInformation(tr("There is no picture to ask about yet."));
    return;
  }
  auto* dialog = new RegionDialog(p->image.size(), m_picturePane->regionTool()->region(), this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &QDialog::accepted, this,
          [this, dialog, id] { askAboutRegion(id, dialog->region(), dialog->phrase()); });
  dialog->open();
}

void MainWindow::onChatRefHovered(int messageId, int ref) {
  app::Conversation* c = m_controller->conversation();
  const app::Message* m = c->message(messageId);
  if (!m) return;
  // A phrase of another reply about the picture shown brings that reply's boxes up.
  if (ref >= 0 && messageId != m_picturePane->shownReplyId() &&
      m->targetPictureId == m_picturePane->currentPictureId()) {
    c->chooseReply(messageId);
  }
  m_chatPane->chatView()->setHighlight(messageId, ref);
  m_picturePane->setHighlightedRef(messageId == m_picturePane->shownReplyId() ? ref : -1);
}

QString MainWindow::suggestedName(const QString& suffix, const QString& fileStem) const {
  const QString folder = m_settings->lastFolder().isEmpty()
                             ? QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)
                             : m_settings->lastFolder();
  const QString path = m_app->conversationPath();
  const QString stem = !fileStem.isEmpty() ? fileStem
                       : path.isEmpty()    ? tr("conversation")
                                           : QFileInfo(path).completeBaseName();
  return QDir(folder).filePath(stem + QLatin1Char('.') + suffix);
}

void MainWindow::chooseFile(bool save, const QString& title, const QString& filter, const QString& suffix,
                            std::function<void(const QString&)> then, const QString& stem) {
  auto* dialog = new QFileDialog(this, title, save ? suggestedName(suffix, stem) : m_settings->lastFolder(), filter);
  dialog->setObjectName(QStringLiteral("fileDialog"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setAcceptMode(save ? QFileDialog::AcceptSave : QFileDialog::AcceptOpen);
  dialog->setFileMode(save ? QFileDialog::AnyFile : QFileDialog::ExistingFile);
  if (!suffix.isEmpty()) dialog->setDefaultSuffix(suffix);
  connect(dialog, &QFileDialog::fileSelected, this, [this, then](const QString& path) {
    m_settings->setLastFolder(QFileInfo(path).absolutePath());
    then(path);
  });
  dialog->open();
}

void MainWindow::openConversationFile(const QString& path) { m_app->openConversation(path); }

void MainWindow::saveConversationTo(const QString& path) { m_app->saveConversation(path); }

void MainWindow::startNewConversation() {
  const QString named = m_app->conversationPath();
  if (named.isEmpty() || !m_app->isModified()) {
    newConversationNow();
    return;
  }
  // Changes to a conversation saved under a name: its file would not have them, so ask (the
  // library keeps them whatever the answer).
  auto* box = new QMessageBox(
      QMessageBox::Question, tr("New Conversation"),
      tr("Save the changes to “%1” before starting a new conversation?").arg(QFileInfo(named).fileName()),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
  box->setObjectName(QStringLiteral("askToSave"));
  box->setInformativeText(tr("Either way, they stay in the conversations library."));
  box->setAttribute(Qt::WA_DeleteOnClose);
  connect(box, &QMessageBox::finished, this, [this, box, named] {
    const QMessageBox::StandardButton answer = box->standardButton(box->clickedButton());
    if (answer != QMessageBox::Save && answer != QMessageBox::Discard) return;
    if (answer == QMessageBox::Save) m_app->saveConversation(named);  // a copy: the switch may follow
    newConversationNow();
  });
  box->open();
}

void MainWindow::newConversationNow() {
  // Nothing is discarded: the conversation shown until now keeps its file in the library.
  const QString kept = m_app->newConversation();
  if (kept.isEmpty()) return;
  m_messageBar->showInformation(
      tr("The previous conversation is kept in “%1”; File › Open Conversation… opens it again.")
          .arg(QDir::toNativeSeparators(kept)));
}

void MainWindow::exportMarkdownTo(const QString& path) { m_app->exportMarkdown(path); }

void MainWindow::saveAnnotatedTo(const QString& path) {
  if (const QString why = m_app->saveAnnotated(m_picturePane->currentPictureId(), path); !why.isEmpty()) {
    m_messageBar->showInformation(why);
  }
}

void MainWindow::onFileJobFinished(app::FileJobs::Kind kind, const QString& path, const QString& error) {
  using Kind = app::FileJobs::Kind;
  if (!error.isEmpty()) {
    m_messageBar->showError(error);
    return;
  }
  const QString shown = QDir::toNativeSeparators(path);
  switch (kind) {
    case Kind::Open:
      statusBar()->showMessage(tr("Opened %1").arg(shown), 5000);
      break;
    case Kind::Save:
      statusBar()->showMessage(tr("Saved %1").arg(shown), 5000);
      break;
    case Kind::ExportMarkdown:
      statusBar()->showMessage(tr("Exported %1").arg(shown), 5000);
      break;
    case Kind::SaveAnnotated:
      statusBar()->showMessage(tr("Saved %1").arg(shown), 5000);
      break;
  }
}

void MainWindow::showShortcuts() { HelpDialogs::showShortcuts(this, m_actions->findChildren<QAction*>()); }

void MainWindow::showHowToGetModel() { HelpDialogs::showHowToGetModel(this); }

void MainWindow::showAbout() { HelpDialogs::showAbout(this); }

}  // namespace qwenvl::ui
