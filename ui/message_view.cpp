// One chat message; see message_view.h.
#include "ui/message_view.h"

#include <QAbstractTextDocumentLayout>
#include <QClipboard>
#include <QDesktopServices>
#include <QEvent>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMimeData>
#include <QMouseEvent>
#include <QPixmap>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextTable>
#include <QToolButton>
#include <QVBoxLayout>

#include "app/inline_math.h"
#include "app/reply_format.h"
#include "ui/markdown_style.h"

namespace qwenvl::ui {

namespace {
constexpr int kThumb = 56;  // picture thumbnails in a question

}  // namespace

MessageText::MessageText(QWidget* parent) : QTextBrowser(parent) {
  setReadOnly(true);
  setOpenLinks(false);  // links open in the browser; "Copy code" links copy (MessageView)
  setFrameShape(QFrame::NoFrame);
  // Text wraps; only a code line too long for the bubble scrolls sideways.
  setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
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
  const bool wide = document()->size().width() > viewport()->width() + 1;
  const int h = static_cast<int>(std::ceil(document()->size().height())) + 2 * frameWidth() +
                (wide ? horizontalScrollBar()->sizeHint().height() : 0);
  if (h != height()) setFixedHeight(h);
}

void MessageText::resizeEvent(QResizeEvent* event) {
  QTextBrowser::resizeEvent(event);
  fitHeight();
}

int MessageText::refAt(const QPoint& viewportPos) const { return ref_markdown::refAt(this, viewportPos); }

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
  // The pictures a question sent, as thumbnails; clicking one shows it.
  m_pictures = new QWidget(this);
  auto* thumbs = new QHBoxLayout(m_pictures);
  thumbs->setContentsMargins(0, 0, 0, 0);
  thumbs->setSpacing(4);
  thumbs->addStretch(1);
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
  m_edit = new QPushButton(this);
  m_copy->setFlat(true);
  m_regenerate->setFlat(true);
  m_edit->setFlat(true);
  // "‹ 1/2 ›": the answers Regenerate kept, oldest first; the newest is shown after it.
  m_previousVersion = new QToolButton(this);
  m_previousVersion->setArrowType(Qt::LeftArrow);
  m_previousVersion->setAutoRaise(true);
  m_versionLabel = new QLabel(this);
  m_nextVersion = new QToolButton(this);
  m_nextVersion->setArrowType(Qt::RightArrow);
  m_nextVersion->setAutoRaise(true);
  // The details get a row of their own, so that a narrow window wraps them in two lines, not
  // six, and the buttons stay inside the bubble.
  auto* buttons = new QHBoxLayout;
  buttons->addStretch(1);
  buttons->addWidget(m_previousVersion);
  buttons->addWidget(m_versionLabel);
  buttons->addWidget(m_nextVersion);
  buttons->addWidget(m_edit);
  buttons->addWidget(m_copy);
  buttons->addWidget(m_regenerate);
  layout->addWidget(m_author);
  layout->addWidget(m_pictures);
  layout->addWidget(m_text);
  layout->addWidget(m_status);
  layout->addLayout(buttons);
  m_regenerate->hide();
  connect(m_copy, &QPushButton::clicked, this, [this] { emit copyRequested(m_id); });
  connect(m_regenerate, &QPushButton::clicked, this, [this] { emit regenerateRequested(m_id); });
  connect(m_edit, &QPushButton::clicked, this, [this] { emit editRequested(m_id); });
  auto shownIndex = [this] {
    return m_message.role == app::Role::User ? m_message.branchIndex : m_message.versionIndex;
  };
  connect(m_previousVersion, &QToolButton::clicked, this,
          [this, shownIndex] { emit versionRequested(m_id, shownIndex() - 1); });
  connect(m_nextVersion, &QToolButton::clicked, this,
          [this, shownIndex] { emit versionRequested(m_id, shownIndex() + 1); });
  connect(m_text, &MessageText::hoveredRefChanged, this, [this](int ref) { emit refHovered(m_id, ref); });
  connect(m_text, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
    if (url.scheme() == QLatin1String(MarkdownStyle::kCopyCodeScheme)) {
      const int k = url.path().toInt();
      if (k >= 0 && k < m_codeBlocks.size()) QGuiApplication::clipboard()->setText(m_codeBlocks[k]);
      return;
    }
    QDesktopServices::openUrl(url);
  });
  m_text->viewport()->installEventFilter(this);
  m_text->installEventFilter(this);
  retranslateUi();
}

void MessageView::setMessage(const app::Message& message, const app::Conversation& conversation) {
  const bool newPictures = message.pictureIds != m_message.pictureIds || m_thumbs.isEmpty();
  m_message = message;
  if (newPictures) {
    qDeleteAll(m_thumbs);
    m_thumbs.clear();
    auto* row = static_cast<QHBoxLayout*>(m_pictures->layout());
    for (int id : message.pictureIds) {
      const app::PictureItem* p = conversation.picture(id);
      if (!p) continue;
      auto* b = new QToolButton(m_pictures);
      b->setAutoRaise(true);
      b->setIconSize(QSize(kThumb, kThumb));
      const qreal dpr = devicePixelRatioF();
      QImage t = p->thumbnail.scaled(QSize(kThumb, kThumb) * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation);
      t.setDevicePixelRatio(dpr);
      b->setIcon(QIcon(QPixmap::fromImage(t)));
      b->setProperty("pictureName", p->name);
      connect(b, &QToolButton::clicked, this, [this, id] { emit pictureClicked(id); });
      row->insertWidget(row->count() - 1, b);
      m_thumbs << b;
    }
  }
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

QString MessageView::bodyText() const {
  QString text = m_text->toPlainText();
  // The "Copy code" links are controls, not text of the message.
  text.remove(MarkdownStyle::copyCodeText() + QLatin1Char('\n'));
  return text;
}

QString MessageView::markdownText() const {
  // A reply's own Markdown with the grounding markup removed; a question as the user wrote it
  // (a region as its phrase).
  return app::Grounding::parse(m_message.text, true).displayText;
}

QMimeData* MessageView::copyMimeData() const {
  auto* mime = new QMimeData;
  mime->setText(markdownText());
  if (m_message.role == app::Role::Assistant) {
    QTextDocument copy;
    copy.setMarkdown(markdownText(), QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub |
                                                                     QTextDocument::MarkdownNoHTML));
    mime->setHtml(copy.toHtml());
  }
  return mime;
}

void MessageView::render() {
  const bool user = m_message.role == app::Role::User;
  const QString key = m_message.text + QChar(0x1F) + QString::number(m_highlighted) + QChar(0x1F) +
                      QString::number(palette().color(QPalette::Base).lightness() > 128);
  if (key == m_renderedKey) return;
  m_renderedKey = key;
  QTextDocument* doc = m_text->document();
  if (user) {
    // The user's own words, literally; a region they asked about shows as its phrase, marked,
    // never as the <ref>/<box> markup the model reads.
    const app::Grounding g = app::Grounding::parse(m_message.text, true);
    m_text->clear();
    QTextCursor cursor(doc);
    int at = 0;
    QColor mark = palette().color(QPalette::Highlight);
    mark.setAlpha(70);
    for (const app::RefSpan& r : g.refs) {
      if (r.begin < at || r.end > g.displayText.size()) continue;
      cursor.insertText(g.displayText.mid(at, r.begin - at), QTextCharFormat());
      QTextCharFormat f;
      f.setBackground(mark);
      f.setFontWeight(QFont::DemiBold);
      cursor.insertText(QStringLiteral("▭ ") + g.displayText.mid(r.begin, r.end - r.begin), f);
      at = r.end;
    }
    cursor.insertText(g.displayText.mid(at), QTextCharFormat());
    return;
  }
  const app::Grounding& g = m_message.grounding;
  doc->setMarkdown(
      app::readableInlineMath(ref_markdown::markedText(g)),
      QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub | QTextDocument::MarkdownNoHTML));
  const bool light = palette().color(QPalette::Base).lightness() > 128;
  ref_markdown::applyRefFormats(doc, [&](int ref) {
    QColor tint = app::tableauColor(app::Grounding::colorIndexOfRef(ref));
    const bool hot = ref == m_highlighted;
    tint.setAlpha(hot ? 200 : (light ? 70 : 110));
    QTextCharFormat f;
    f.setBackground(tint);
    if (hot) {
      f.setFontUnderline(true);
      f.setUnderlineColor(app::tableauColor(app::Grounding::colorIndexOfRef(ref)));
    }
    return f;
  });
  m_codeBlocks = MarkdownStyle::apply(doc, palette());
}

void MessageView::retranslateUi() {
  const bool user = m_message.role == app::Role::User;
  const QString time = QLocale().toString(m_message.time.time(), QLocale::ShortFormat);
  m_author->setText(user ? tr("You · %1").arg(time) : tr("Qwen-VL · %1").arg(time));
  m_pictures->setVisible(user && !m_thumbs.isEmpty());
  for (QToolButton* b : std::as_const(m_thumbs)) {
    const QString name = b->property("pictureName").toString();
    b->setToolTip(tr("%1 (click to show it)").arg(name));
    b->setAccessibleName(tr("Show the picture %1").arg(name));
  }
  QStringList status;
  if (!user) {
    if (const QString s = app::ReplyFormat::state(m_message); !s.isEmpty()) status << s;
    if (const QString s = app::ReplyFormat::stats(m_message.stats); !s.isEmpty()) status << s;
  }
  m_status->setText(status.join(QStringLiteral("  ·  ")));
  m_status->setVisible(!m_status->text().isEmpty());
  // "‹ 1/2 ›": a reply's versions (Regenerate), or a question's branches (edit and resend).
  const int versions = user ? m_message.branchCount() : m_message.versionCount();
  const int index = user ? m_message.branchIndex : m_message.versionIndex;
  const bool several = versions > 1;
  const bool streaming = m_message.state == app::ReplyState::Streaming;
  for (QWidget* w : {static_cast<QWidget*>(m_previousVersion), static_cast<QWidget*>(m_versionLabel),
                     static_cast<QWidget*>(m_nextVersion)})
    w->setVisible(several);
  m_previousVersion->setEnabled(several && !streaming && index > 0);
  m_nextVersion->setEnabled(several && !streaming && index < versions - 1);
  m_versionLabel->setText(tr("%1/%2").arg(index + 1).arg(versions));
  if (user) {
    m_versionLabel->setAccessibleName(tr("Question %1 of %2").arg(index + 1).arg(versions));
    m_previousVersion->setToolTip(tr("Show the earlier question and its replies"));
    m_previousVersion->setAccessibleName(tr("Earlier question"));
    m_nextVersion->setToolTip(tr("Show the later question and its replies"));
    m_nextVersion->setAccessibleName(tr("Later question"));
  } else {
    m_versionLabel->setAccessibleName(tr("Reply %1 of %2").arg(index + 1).arg(versions));
    m_previousVersion->setToolTip(tr("Show the earlier reply"));
    m_previousVersion->setAccessibleName(tr("Earlier reply"));
    m_nextVersion->setToolTip(tr("Show the later reply"));
    m_nextVersion->setAccessibleName(tr("Later reply"));
  }
  m_edit->setVisible(user);
  m_edit->setText(tr("Edit"));
  m_edit->setToolTip(tr("Edit this question and send it again; what follows stays as another branch"));
  m_edit->setAccessibleName(tr("Edit question"));
  m_copy->setText(tr("Copy"));
  m_copy->setToolTip(user ? tr("Copy this question") : tr("Copy this reply as Markdown (without the box markup)"));
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
