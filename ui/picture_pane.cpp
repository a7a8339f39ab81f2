// The picture side of the window; see picture_pane.h.
#include "ui/picture_pane.h"

#include <QEvent>
#include <QLabel>
#include <QStackedLayout>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "app/conversation.h"
#include "ui/actions.h"
#include "ui/grounding_overlay.h"
#include "ui/image_canvas.h"
#include "ui/region_tool.h"
#include "ui/thumbnail_strip.h"

namespace qwenvl::ui {

PicturePane::PicturePane(Actions* actions, QWidget* parent) : QWidget(parent), m_actions(actions) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* tools = new QToolBar(this);
  tools->setIconSize(QSize(20, 20));
  tools->addAction(actions->zoomOut);
  tools->addAction(actions->zoomIn);
  tools->addAction(actions->zoomFit);
  tools->addAction(actions->zoomActual);
  tools->addSeparator();
  tools->addAction(actions->showBoxes);
  tools->addAction(actions->askRegion);
  tools->addSeparator();
  tools->addAction(actions->saveAnnotated);
  tools->addAction(actions->addPictures);
  tools->setObjectName(QStringLiteral("pictureTools"));
  // Tab reaches the picture's tools too (a tool bar's buttons take no focus by default).
  for (QToolButton* b : tools->findChildren<QToolButton*>()) b->setFocusPolicy(Qt::TabFocus);

  m_canvas = new ImageCanvas(this);
  m_overlay = new GroundingOverlay(this);
  m_region = new RegionTool(this);
  m_canvas->addTool(m_region);  // the region tool gets the mouse first
  m_canvas->addTool(m_overlay);
  m_empty = new QLabel(this);
  m_empty->setAlignment(Qt::AlignCenter);
  m_empty->setWordWrap(true);
  m_empty->setForegroundRole(QPalette::PlaceholderText);
  m_empty->setMargin(24);
  auto* stackHost = new QWidget(this);
  m_stack = new QStackedLayout(stackHost);
  m_stack->addWidget(m_empty);
  m_stack->addWidget(m_canvas);
  m_caption = new QLabel(this);
  m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_strip = new ThumbnailStrip(this);

  layout->addWidget(tools);
  layout->addWidget(stackHost, 1);
  layout->addWidget(m_caption);
  layout->addWidget(m_strip);
  setTabOrder(m_canvas, m_strip);

  connect(actions->zoomIn, &QAction::triggered, m_canvas, &ImageCanvas::zoomIn);
  connect(actions->zoomOut, &QAction::triggered, m_canvas, &ImageCanvas::zoomOut);
  connect(actions->zoomFit, &QAction::triggered, m_canvas, &ImageCanvas::fitToWindow);
  connect(actions->zoomActual, &QAction::triggered, m_canvas, &ImageCanvas::actualSize);
  connect(actions->showBoxes, &QAction::toggled, this, [this](bool on) {
    m_overlay->setShown(on);
    m_canvas->update();
  });
  connect(actions->askRegion, &QAction::toggled, m_region, &RegionTool::setActive);
  connect(m_region, &RegionTool::activeChanged, actions->askRegion, &QAction::setChecked);
  connect(m_region, &RegionTool::regionSelected, this, [this](const QRect& r) {
    m_canvas->update();
    emit regionSelected(m_currentId, r);
  });
  connect(m_overlay, &GroundingOverlay::changed, m_canvas, qOverload<>(&QWidget::update));
  connect(m_overlay, &GroundingOverlay::hoveredRefChanged, this, [this](int ref) {
    m_overlay->setHighlightedRef(ref);
    emit refHovered(m_replyId, ref);
  });
  connect(m_strip, &ThumbnailStrip::currentPictureChanged, this, &PicturePane::showPicture);
  connect(m_canvas, &ImageCanvas::zoomChanged, this, &PicturePane::retranslateUi);
  retranslateUi();
}

void PicturePane::setConversation(app::Conversation* conversation) {
  m_conversation = conversation;
  m_strip->setConversation(conversation);
  connect(conversation, &app::Conversation::shownReplyChanged, this, &PicturePane::refreshBoxes);
  connect(conversation, &app::Conversation::messageChanged, this, [this](int id) {
    // A streaming reply brings its picture into view as soon as its first box closes.
    const app::Message* m = m_conversation->message(id);
    if (m && m->role == app::Role::Assistant && m->state == app::ReplyState::Streaming &&
        !m->grounding.boxes.isEmpty() && m->targetPictureId != m_currentId) {
      m_strip->setCurrentPictureId(m->targetPictureId);
    }
    if (id == m_replyId || (m && m->targetPictureId == m_currentId)) refreshBoxes();
  });
  connect(conversation, &app::Conversation::pictureRemoved, this, [this](int id) {
    if (id == m_currentId) showPicture(m_strip->currentPictureId());
  });
  connect(conversation, &app::Conversation::reset, this, [this] { showPicture(m_strip->currentPictureId()); });
  showPicture(m_strip->currentPictureId());
}

void PicturePane::showPicture(int pictureId) {
  const app::PictureItem* p = m_conversation ? m_conversation->picture(pictureId) : nullptr;
  const int id = p ? pictureId : -1;
  if (id != m_currentId) m_region->clearRegion();
  m_currentId = id;
  m_canvas->setImage(p ? p->image : QImage());
  m_stack->setCurrentWidget(p ? static_cast<QWidget*>(m_canvas) : m_empty);
  if (p && m_strip->currentPictureId() != id) m_strip->setCurrentPictureId(id);
  refreshBoxes();
  emit currentPictureChanged(id);
}

void PicturePane::refreshBoxes() {
  const app::PictureItem* p = m_conversation ? m_conversation->picture(m_currentId) : nullptr;
  m_replyId = p ? m_conversation->replyShownOn(m_currentId) : -1;
  const app::Message* reply = m_conversation ? m_conversation->message(m_replyId) : nullptr;
  m_overlay->setBoxes(reply && p ? app::annotationBoxes(reply->grounding, p->image.size())
                                 : QVector<app::AnnotationBox>());
  retranslateUi();
}

void PicturePane::setHighlightedRef(int ref) { m_overlay->setHighlightedRef(ref); }

void PicturePane::retranslateUi() {
  m_empty->setText(tr("No picture yet.\n\nDrop pictures here, paste one (Ctrl+V) or add them with Ctrl+I."));
  m_empty->setAccessibleName(tr("No picture yet"));
  const app::PictureItem* p = m_conversation ? m_conversation->picture(m_currentId) : nullptr;
  const app::Message* reply = m_conversation ? m_conversation->message(m_replyId) : nullptr;
  QString caption;
  QString description;
  if (p) {
    caption = tr("%1 · %2 × %3 · %4%")
                  .arg(p->name)
                  .arg(p->image.width())
                  .arg(p->image.height())
                  .arg(qRound(m_canvas->zoom() * 100));
    QStringList phrases;
    if (reply) {
      for (const app::GroundedBox& b : reply->grounding.boxes) {
        const QString label = b.ref >= 0 ? reply->grounding.refs[b.ref].phrase.trimmed() : tr("unlabelled");
        if (!phrases.contains(label)) phrases << label;
      }
    }
    const int boxes = m_overlay->boxes().size();
    if (boxes > 0) caption += QStringLiteral(" · ") + tr("%n box(es)", nullptr, boxes);
    description = tr("%1, %2 × %3 pixels.").arg(p->name).arg(p->image.width()).arg(p->image.height());
    if (boxes > 0) description += QLatin1Char(' ') + tr("Boxes: %1.").arg(phrases.join(QStringLiteral(", ")));
  }
  m_caption->setText(caption);
  m_caption->setVisible(p != nullptr);
  m_caption->setAccessibleName(tr("Picture details"));
  m_canvas->setAccessibleDescription(description);
}

void PicturePane::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  // A short pane keeps most of its height for the picture.
  m_strip->setCompact(height() < 420);
}

void PicturePane::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

}  // namespace qwenvl::ui
