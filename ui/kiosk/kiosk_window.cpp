// The kiosk window's flow; see kiosk_window.h. The screens are built in kiosk_pages.cpp.
#include "ui/kiosk/kiosk_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "app/annotation_painter.h"
#include "app/camera_source.h"
#include "app/chat_controller.h"
#include "app/conversation.h"
#include "app/language_manager.h"
#include "app/studio_app.h"
#include "ui/grounding_overlay.h"
#include "ui/image_canvas.h"
#include "ui/kiosk/kiosk_lockdown.h"
#include "ui/kiosk/kiosk_widgets.h"

namespace qwenvl::ui {

KioskWindow::KioskWindow(app::KioskController* controller, app::CameraSource* camera, QWidget* parent)
    : QWidget(parent, Qt::Window | Qt::FramelessWindowHint), m_controller(controller), m_camera(camera) {
  setObjectName(QStringLiteral("kioskWindow"));
  setContextMenuPolicy(Qt::NoContextMenu);
  setAcceptDrops(false);
  applyStyle();
  m_lockdown = new KioskLockdown(this, this);
  qApp->installEventFilter(m_lockdown);
  connect(m_lockdown, &KioskLockdown::activity, m_controller, &app::KioskController::noteActivity);
  connect(m_lockdown, &KioskLockdown::adminGesture, this, &KioskWindow::openAdmin);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(buildTopBar());
  m_stack = new QStackedWidget(this);
  layout->addWidget(m_stack, 1);
  m_pages.insert(Screen::Attract, buildAttract());
  m_pages.insert(Screen::Choose, buildChoose());
  m_pages.insert(Screen::Camera, buildCamera());
  m_pages.insert(Screen::Visit, buildVisit());
  auto* pinPage = new QWidget(this);
  auto* pinLayout = new QVBoxLayout(pinPage);
  m_pinPad = new KioskPinPad(pinPage);
  pinLayout->addWidget(m_pinPad, 0, Qt::AlignCenter);
  connect(m_pinPad, &KioskPinPad::submitted, this, &KioskWindow::onPinSubmitted);
  connect(m_pinPad, &KioskPinPad::cancelled, this, [this] { showScreen(m_beforePin); });
  m_pages.insert(Screen::Pin, pinPage);
  auto* errorPage = new QWidget(this);
  auto* errorLayout = new QVBoxLayout(errorPage);
  m_errorText = new QLabel(errorPage);
  m_errorText->setWordWrap(true);
  m_errorText->setAlignment(Qt::AlignCenter);
  m_errorText->setTextFormat(Qt::PlainText);
  errorLayout->addWidget(m_errorText);
  m_pages.insert(Screen::Error, errorPage);
  for (QWidget* page : {m_pages[Screen::Attract], m_pages[Screen::Choose], m_pages[Screen::Camera],
                        m_pages[Screen::Visit], m_pages[Screen::Pin], m_pages[Screen::Error]})
    m_stack->addWidget(page);

  m_countdown = new KioskCountdown(this);
  m_countdown->hide();
  connect(m_countdown, &KioskCountdown::stayRequested, m_controller, &app::KioskController::noteActivity);
  connect(m_controller, &app::KioskController::warningStarted, this, [this](int seconds) {
    m_countdown->setSecondsLeft(seconds);
    m_countdown->setGeometry(rect());
    m_countdown->show();
    m_countdown->raise();
  });
  connect(m_controller, &app::KioskController::countdownChanged, m_countdown, &KioskCountdown::setSecondsLeft);
  connect(m_controller, &app::KioskController::warningCancelled, m_countdown, &QWidget::hide);
  connect(m_controller, &app::KioskController::visitReset, this, &KioskWindow::onVisitReset);

  app::StudioApp* studio = m_controller->studio();
  app::Conversation* c = studio->conversation();
  for (auto signal :
       {&app::Conversation::messageAdded, &app::Conversation::messageChanged, &app::Conversation::pictureAdded,
        &app::Conversation::pictureRemoved, &app::Conversation::messageRemoved})
    connect(c, signal, this, &KioskWindow::refreshVisit);
  connect(c, &app::Conversation::reset, this, &KioskWindow::refreshVisit);
  // A picture of the visit, however it was chosen, shows the visit.
  connect(c, &app::Conversation::pictureAdded, this, [this] {
    if (m_screen == Screen::Attract || m_screen == Screen::Choose || m_screen == Screen::Camera)
      showScreen(Screen::Visit);
  });
  connect(studio->controller(), &app::ChatController::modelStateChanged, this, &KioskWindow::onModelStateChanged);
  connect(studio->controller(), &app::ChatController::busyChanged, this, &KioskWindow::refreshVisit);
  connect(studio->controller(), &app::ChatController::errorOccurred, this, [this](const QString& message) {
    m_error = message;
    refreshVisit();
  });

  retranslateUi();
  showAttractItem(0);
  showScreen(Screen::Attract);
  onModelStateChanged();
}

KioskWindow::~KioskWindow() { qApp->removeEventFilter(m_lockdown); }

const QImage& KioskWindow::attractImage() const { return m_attractCanvas->image(); }

bool KioskWindow::isCameraOffered() const {
  return m_controller->config().camera && m_camera && m_camera->isAvailable();
}

void KioskWindow::showScreen(Screen screen) {
  if (m_camera && screen != Screen::Camera && m_camera->isActive()) m_camera->stop();
  m_screen = screen;
  m_stack->setCurrentWidget(m_pages.value(screen));
  m_startOver->setVisible(screen == Screen::Choose || screen == Screen::Camera || screen == Screen::Visit);
  if (screen == Screen::Attract && m_attractImages.size() > 1)
    m_attractTimer.start();
  else
    m_attractTimer.stop();
  if (screen == Screen::Camera && m_camera) {
    m_preview->clear();
    m_cameraStatus->clear();
    m_camera->start();
  }
  if (screen == Screen::Visit) refreshVisit();
}

void KioskWindow::showAttractItem(int index) {
  const QVector<app::KioskAttractItem>& items = m_controller->config().attract;
  if (items.isEmpty()) return;
  m_attractIndex = index % int(items.size());
  const app::KioskAttractItem& item = items[m_attractIndex];
  const QImage& image = m_attractImages[m_attractIndex];
  m_attractCanvas->setImage(image);
  const app::Grounding g = app::Grounding::parse(item.reply, true);
  m_attractOverlay->setBoxes(app::annotationBoxes(g, image.size()));
  m_attractCaption->setText(item.caption.in(m_controller->language()));
  m_attractCaption->setVisible(!m_attractCaption->text().isEmpty());
}

void KioskWindow::retranslateUi() {
  const app::KioskConfig& config = m_controller->config();
  const QString lang = m_controller->language();
  const QString title = config.title.in(lang);
  m_title->setText(title.isEmpty() ? tr("Ask the picture") : title);
  m_startOver->setText(tr("Start over"));
  const QStringList& langs = config.languages;
  const QString next = langs.value((int(langs.indexOf(lang)) + 1) % qMax<qsizetype>(1, langs.size()));
  // The other language in its own words, so a visitor who reads only that one finds it.
  m_language->setText(next == QLatin1String("zh_CN") ? QStringLiteral("中文") : QStringLiteral("English"));
  m_start->setText(tr("Touch to start"));
  m_attractHint->setText(tr("Show an object or choose a picture, ask a question, and see the answer drawn on it."));
  showAttractItem(m_attractIndex);
  m_chooseTitle->setText(isCameraOffered() ? tr("Show an object to the camera, or choose a picture")
                                           : tr("Choose a picture"));
  m_cameraTile->setText(tr("Show an object to the camera"));
  m_take->setText(tr("Take the picture"));
  m_cameraBack->setText(tr("Back"));
  m_questionsTitle->setText(tr("Ask about the picture"));
  m_typed->setPlaceholderText(tr("Or type your own question…"));
  m_ask->setText(tr("Ask"));
  m_otherPicture->setText(tr("Another picture"));
  m_pinPad->retranslateUi();
  m_countdown->retranslateUi();
  rebuildQuestions();
  onModelStateChanged();
  refreshVisit();
}

void KioskWindow::rebuildQuestions() {
  for (QPushButton* b : std::as_const(m_questionButtons)) delete b;
  m_questionButtons.clear();
  const QStringList questions = m_controller->presetQuestions();
  for (const QString& q : questions) {
    auto* b = new QPushButton(q, m_pages.value(Screen::Visit));
    b->setMinimumHeight(kKioskTouchPx);
    b->setFocusPolicy(Qt::NoFocus);
    connect(b, &QPushButton::clicked, this, [this, q] { askQuestion(q); });
    // Two columns: the answer keeps most of the height.
    const int i = int(m_questionButtons.size());
    m_questionsLayout->addWidget(b, i / 2, i % 2);
    m_questionButtons << b;
  }
}

void KioskWindow::askQuestion(const QString& text) {
  m_error = m_controller->ask(text);
  if (m_error.isEmpty()) m_typed->clear();
  m_highlight = -1;
  refreshVisit();
}

void KioskWindow::setHighlightedRef(int ref) {
  m_highlight = ref;
  refreshVisit();
}

void KioskWindow::refreshVisit() {
  const app::Conversation* c = m_controller->studio()->conversation();
  const app::ChatController* chat = m_controller->studio()->controller();
  const app::PictureItem* picture = c->pictures().isEmpty() ? nullptr : &c->pictures().back();
  if (!picture) {
    m_shownPicture = -1;
    m_canvas->setImage({});
  } else if (picture->id != m_shownPicture) {
    m_shownPicture = picture->id;
    m_canvas->setImage(picture->image);
  }
  const app::Message* reply = c->message(c->lastAssistantMessageId());
  const bool grounded = reply && picture && reply->targetPictureId == picture->id;
  m_overlay->setBoxes(grounded ? app::annotationBoxes(reply->grounding, picture->image.size(), m_highlight)
                               : QVector<app::AnnotationBox>());
  m_overlay->setHighlightedRef(m_highlight);
  m_canvas->update();
  m_answer->setGrounding(reply ? reply->grounding : app::Grounding(), m_highlight,
                         reply && reply->state == app::ReplyState::Streaming);
  m_answer->setVisible(reply != nullptr);
  const app::Message* question = nullptr;
  for (const app::Message& m : c->messages()) {
    if (reply && m.id == reply->id) break;
    if (m.role == app::Role::User) question = &m;
  }
  m_question->setText(question && question->role == app::Role::User ? question->text : QString());
  m_question->setVisible(!m_question->text().isEmpty());

  const bool ready = chat->modelState() == app::ModelState::Ready;
  const bool canAsk = ready && picture && !chat->isBusy() && !chat->isImporting();
  for (QPushButton* b : std::as_const(m_questionButtons)) b->setEnabled(canAsk);
  m_ask->setEnabled(canAsk);
  QString status;
  if (!m_error.isEmpty())
    status = m_error;
  else if (chat->modelState() == app::ModelState::Loading)
    status = tr("Getting ready… one moment, please.");
  else if (chat->isImporting())
    status = tr("Looking at the picture…");
  else if (!picture)
    status = tr("Choose a picture first.");
  else if (chat->isBusy() && reply && reply->text.isEmpty())
    status = tr("Thinking…");
  else if (chat->isBusy())
    status = tr("Answering…");
  else if (reply && reply->state == app::ReplyState::Failed)
    status = tr("Sorry, there is no answer this time. Please try again.");
  else if (!reply)
    status = tr("What would you like to know? Tap a question.");
  else if (!reply->grounding.refs.isEmpty())
    status = tr("Tap a box or a coloured phrase to see which belongs to which.");
  m_status->setText(status);
  m_status->setVisible(!status.isEmpty());
}

void KioskWindow::onModelStateChanged() {
  const app::ChatController* chat = m_controller->studio()->controller();
  if (chat->modelState() == app::ModelState::Failed) {
    // The model folder of the configuration does not load: nothing a visitor can do.
    m_errorText->setText(tr("This kiosk cannot answer questions right now.\n\n%1").arg(chat->modelError()));
    showScreen(Screen::Error);
    return;
  }
  refreshVisit();
}

void KioskWindow::openAdmin() {
  if (m_screen == Screen::Pin) return;
  m_beforePin = m_screen;
  m_pinPad->clear();
  showScreen(Screen::Pin);
}

void KioskWindow::onPinSubmitted(const QString& pin) {
  // Five wrong PINs in a row, then a minute in which no PIN is even checked.
  const qint64 now = m_controller->now();
  if (m_pinPausedUntil >= 0 && now < m_pinPausedUntil) {
    m_pinPad->showLocked();
    return;
  }
  if (!app::kiosk_pin::verify(pin, m_controller->config().pinHash)) {
    if (++m_wrongPins >= kPinTries) {
      m_wrongPins = 0;
      m_pinPausedUntil = now + kPinPauseMs;
      m_pinPad->showLocked();
    } else {
      m_pinPad->showWrong();
    }
    return;
  }
  m_wrongPins = 0;
  // The visit is wiped before the kiosk ends, as at any other end of a visit.
  m_controller->resetVisit();
  m_allowClose = true;
  emit exitRequested();
}

void KioskWindow::onVisitReset() {
  m_typed->clear();
  m_error.clear();
  m_highlight = -1;
  m_countdown->hide();
  if (m_screen != Screen::Error && m_screen != Screen::Pin) showScreen(Screen::Attract);
  refreshVisit();
}

void KioskWindow::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

void KioskWindow::closeEvent(QCloseEvent* event) {
  // Only the admin's PIN ends the kiosk; a window manager's close request does nothing.
  if (m_allowClose)
    event->accept();
  else
    event->ignore();
}

void KioskWindow::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  m_countdown->setGeometry(rect());
}

bool KioskWindow::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::MouseButtonPress) {
    auto* mouse = static_cast<QMouseEvent*>(event);
    if (watched == m_attractCanvas) {
      m_start->click();  // the whole sample picture starts a visit
      return true;
    }
    if (watched == m_canvas) {
      // A tap on a box lights up its phrase (and the box); a tap elsewhere clears it.
      setHighlightedRef(m_overlay->refAt(m_canvas->mapToImage(mouse->position())));
      return true;  // no panning by touch
    }
  }
  return QWidget::eventFilter(watched, event);
}

}  // namespace qwenvl::ui
