// One chat message; see message_view.h.
#include "ui/message_view.h"

#include <QAbstractTextDocumentLayout>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMouseEvent>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBlock>
#include <QToolButton>
#include <QVBoxLayout>

#include "app/reply_format.h"

namespace qwenvl::ui {

namespace {
// Private-use characters mark the ref phrases through the Markdown conversion: U+E000 + k
// opens ref k, U+F000 closes it. Model text never contains them (they are stripped first).
constexpr char16_t kOpen = 0xE000;
constexpr char16_t kClose = 0xF000;
constexpr int kMaxMarkedRefs = 0x0FFF;

QString stripMarkers(QString s) {
  s.removeIf([](QChar c) { return c.unicode() >= kOpen && c.unicode() <= kClose; });
  return s;
}
}  // namespace

MessageText::MessageText(QWidget* parent) : QTextBrowser(parent) {
  setReadOnly(true);
  setOpenExternalLinks(true);
  setFrameShape(QFrame::NoFrame);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  viewport()->setMouseTracking(true);
  viewport()->setAutoFillBackground(false);
  setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard | Qt::LinksAccessibleByMouse |
                          Qt::LinksAccessibleByKeyboard);
  connect(document()->documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged, this,
          &MessageText::fitHeight);
}

void MessageText::fitHeight() {
  const int h = static_cast<int>(std::ceil(document()->size().height())) + 2 * frameWidth();
  if (h != height()) setFixedHeight(h);
}

void MessageText::resizeEvent(QResizeEvent* event) {
  QTextBrowser::resizeEvent(event);
  fitHeight();
}

int MessageText::refAt(const QPoint& viewportPos) const {
  const QPointF docPos = QPointF(viewportPos) + QPointF(horizontalScrollBar()->value(), verticalScrollBar()->value());
  const int pos = document()->documentLayout()->hitTest(docPos, Qt::ExactHit);
  if (pos < 0) return -1;
  const QTextBlock block = document()->findBlock(pos);
  for (auto it = block.begin(); !it.atEnd(); ++it) {
    const QTextFragment f = it.fragment();
    if (f.contains(pos)) {
      const QVariant v = f.charFormat().property(kRefProperty);
      return v.isValid() ? v.toInt() : -1;
    }
  }
  return -1;
}

bool MessageText::viewportEvent(QEvent* event) {
  if (event->type() == QEvent::MouseMove || event->type() == QEvent::Leave) {
    const int ref = event->type() == QEvent::Leave ? -1 : refAt(static_cast<QMouseEvent*>(event)->position().toPoint());
    if (ref != m_hovered) {
      m_hovered = ref;
      emit hoveredRefChanged(ref);
    }
  }
  return QTextBrowser::viewportEvent(event);
}

MessageView::MessageView(int messageId, QWidget* parent) : QFrame(parent), m_id(messageId) {
  setFrameShape(QFrame::StyledPanel);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(10, 8, 10, 8);
  layout->setSpacing(4);
  m_author = new QLabel(this);
  QFont bold = m_author->font();
  bold.setBold(true);
  m_author->setFont(bold);
  m_pictures = new QLabel(this);
  m_pictures->setWordWrap(true);
  m_text = new MessageText(this);
  m_status = new QLabel(this);
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QFont small = m_status->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  m_status->setFont(small);
  m_status->setForegroundRole(QPalette::PlaceholderText);
  m_copy = new QPushButton(this);
  m_regenerate = new QPushButton(this);
  m_copy->setFlat(true);
  m_regenerate->setFlat(true);
  // "‹ 1/2 ›": the answers Regenerate kept, oldest first; the newest is shown after it.
  m_previousVersion = new QToolButton(this);
  m_previousVersion->setArrowType(Qt::LeftArrow);
  m_previousVersion->setAutoRaise(true);
  m_versionLabel = new QLabel(this);
  m_nextVersion = new QToolButton(this);
  m_nextVersion->setArrowType(Qt::RightArrow);
  m_nextVersion->setAutoRaise(true);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_status, 1);
  buttons->addWidget(m_previousVersion);
  buttons->addWidget(m_versionLabel);
  buttons->addWidget(m_nextVersion);
  buttons->addWidget(m_copy);
  buttons->addWidget(m_regenerate);
  layout->addWidget(m_author);
  layout->addWidget(m_pictures);
  layout->addWidget(m_text);
  layout->addLayout(buttons);
  m_regenerate->hide();
  connect(m_copy, &QPushButton::clicked, this, [this] { emit copyRequested(m_id); });
  connect(m_regenerate, &QPushButton::clicked, this, [this] { emit regenerateRequested(m_id); });
  connect(m_previousVersion, &QToolButton::clicked, this,
          [this] { emit versionRequested(m_id, m_message.versionIndex - 1); });
  connect(m_nextVersion, &QToolButton::clicked, this,
          [this] { emit versionRequested(m_id, m_message.versionIndex + 1); });
  connect(m_text, &MessageText::hoveredRefChanged, this, [this](int ref) { emit refHovered(m_id, ref); });
  m_text->viewport()->installEventFilter(this);
  m_text->installEventFilter(this);
  retranslateUi();
}

void MessageView::setMessage(const app::Message& message, const app::Conversation& conversation) {
  m_message = message;
  QStringList names;
  for (int id : message.pictureIds) {
    if (const app::PictureItem* p = conversation.picture(id)) names << p->name;
  }
  m_pictureNames = names.join(QStringLiteral(", "));
  setBackgroundRole(message.role == app::Role::User ? QPalette::AlternateBase : QPalette::Base);
  setAutoFillBackground(true);
  render();
  retranslateUi();
}

void MessageView::setHighlightedRef(int ref) {
  if (m_highlighted == ref) return;
  m_highlighted = ref;
  render();
}

void MessageView::setCanRegenerate(bool can) { m_regenerate->setVisible(can); }

QString MessageView::bodyText() const { return m_text->toPlainText(); }

void MessageView::render() {
  const bool user = m_message.role == app::Role::User;
  const QString key = m_message.text + QChar(0x1F) + QString::number(m_highlighted) + QChar(0x1F) +
                      QString::number(palette().color(QPalette::Base).lightness() > 128);
  if (key == m_renderedKey) return;
  m_renderedKey = key;
  QTextDocument* doc = m_text->document();
  if (user) {
    // The user's own words, shown literally (grounding tags of a region question included).
    m_text->setPlainText(m_message.text);
    return;
  }
  const app::Grounding& g = m_message.grounding;
  QString marked = stripMarkers(g.displayText);
  if (marked.size() == g.displayText.size()) {
    for (int k = std::min<int>(g.refs.size(), kMaxMarkedRefs) - 1; k >= 0; --k) {
      const app::RefSpan& r = g.refs[k];
      if (r.begin < 0 || r.end > marked.size() || r.begin > r.end) continue;
      marked.insert(r.end, QChar(kClose));
      marked.insert(r.begin, QChar(static_cast<char16_t>(kOpen + k)));
    }
  }
  doc->setMarkdown(
      marked, QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub | QTextDocument::MarkdownNoHTML));
  const bool light = palette().color(QPalette::Base).lightness() > 128;
  QTextCursor cursor(doc);
  int openPos = -1;
  int openRef = -1;
  for (int pos = 0; pos < doc->characterCount(); ++pos) {
    const char16_t c = doc->characterAt(pos).unicode();
    if (c >= kOpen && c < kClose) {
      openPos = pos;
      openRef = c - kOpen;
    } else if (c == kClose && openPos >= 0) {
      QTextCursor span(doc);
      span.setPosition(openPos + 1);
      span.setPosition(pos, QTextCursor::KeepAnchor);
      QColor tint = app::tableauColor(app::Grounding::colorIndexOfRef(openRef));
      const bool hot = openRef == m_highlighted;
      tint.setAlpha(hot ? 200 : (light ? 70 : 110));
      QTextCharFormat f;
      f.setBackground(tint);
      f.setProperty(MessageText::kRefProperty, openRef);
      if (hot) {
        f.setFontUnderline(true);
        f.setUnderlineColor(app::tableauColor(app::Grounding::colorIndexOfRef(openRef)));
      }
      span.mergeCharFormat(f);
      openPos = -1;
    }
  }
  // Drop the markers, last first so earlier positions stay valid.
  for (int pos = doc->characterCount() - 1; pos >= 0; --pos) {
    const char16_t c = doc->characterAt(pos).unicode();
    if (c >= kOpen && c <= kClose) {
      cursor.setPosition(pos);
      cursor.setPosition(pos + 1, QTextCursor::KeepAnchor);
      cursor.removeSelectedText();
    }
  }
}

void MessageView::retranslateUi() {
  const bool user = m_message.role == app::Role::User;
  const QString time = QLocale().toString(m_message.time.time(), QLocale::ShortFormat);
  m_author->setText(user ? tr("You · %1").arg(time) : tr("Qwen-VL · %1").arg(time));
  m_pictures->setVisible(user && !m_pictureNames.isEmpty());
  m_pictures->setText(tr("Pictures: %1").arg(m_pictureNames));
  QStringList status;
  if (!user) {
    if (const QString s = app::ReplyFormat::state(m_message); !s.isEmpty()) status << s;
    if (const QString s = app::ReplyFormat::stats(m_message.stats); !s.isEmpty()) status << s;
  }
  m_status->setText(status.join(QStringLiteral("  ·  ")));  // stays (empty) to keep the buttons right
  const int versions = m_message.versionCount();
  const bool several = !user && versions > 1;
  const bool streaming = m_message.state == app::ReplyState::Streaming;
  for (QWidget* w : {static_cast<QWidget*>(m_previousVersion), static_cast<QWidget*>(m_versionLabel),
                     static_cast<QWidget*>(m_nextVersion)})
    w->setVisible(several);
  m_previousVersion->setEnabled(several && !streaming && m_message.versionIndex > 0);
  m_nextVersion->setEnabled(several && !streaming && m_message.versionIndex < versions - 1);
  m_versionLabel->setText(tr("%1/%2").arg(m_message.versionIndex + 1).arg(versions));
  m_versionLabel->setAccessibleName(tr("Reply %1 of %2").arg(m_message.versionIndex + 1).arg(versions));
  m_previousVersion->setToolTip(tr("Show the earlier reply"));
  m_previousVersion->setAccessibleName(tr("Earlier reply"));
  m_nextVersion->setToolTip(tr("Show the later reply"));
  m_nextVersion->setAccessibleName(tr("Later reply"));
  m_copy->setText(tr("Copy"));
  m_copy->setToolTip(user ? tr("Copy this question") : tr("Copy this reply (without the box markup)"));
  m_copy->setAccessibleName(user ? tr("Copy question") : tr("Copy reply"));
  m_regenerate->setText(tr("Regenerate"));
  m_regenerate->setToolTip(tr("Answer the last question again (Ctrl+R)"));
  m_regenerate->setAccessibleName(tr("Regenerate reply"));
  m_text->setAccessibleName(user ? tr("Your question") : tr("Reply from Qwen-VL"));
  m_status->setAccessibleName(tr("Reply details"));
  setAccessibleName(user ? tr("Message from you") : tr("Message from Qwen-VL"));
}

void MessageView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  if (event->type() == QEvent::PaletteChange) render();
  QFrame::changeEvent(event);
}

void MessageView::mousePressEvent(QMouseEvent* event) {
  emit activated(m_id);
  QFrame::mousePressEvent(event);
}

bool MessageView::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::MouseButtonPress || event->type() == QEvent::FocusIn) emit activated(m_id);
  return QFrame::eventFilter(watched, event);
}

}  // namespace qwenvl::ui
