// The kiosk's small widgets; see kiosk_widgets.h.
#include "ui/kiosk/kiosk_widgets.h"

#include <QGridLayout>
#include <QMouseEvent>
#include <QPushButton>
#include <QScrollBar>
#include <QTextCursor>
#include <QVBoxLayout>

#include "ui/ref_markdown.h"

namespace qwenvl::ui {

namespace {
QPushButton* touchButton(QWidget* parent) {
  auto* b = new QPushButton(parent);
  b->setMinimumHeight(kKioskTouchPx);
  b->setFocusPolicy(Qt::NoFocus);
  b->setContextMenuPolicy(Qt::NoContextMenu);
  return b;
}
}  // namespace

KioskAnswerView::KioskAnswerView(QWidget* parent) : QTextEdit(parent) {
  setReadOnly(true);
  setTextInteractionFlags(Qt::NoTextInteraction);  // no selection, no links, no drag-out
  setAcceptDrops(false);
  setContextMenuPolicy(Qt::NoContextMenu);
  setFrameShape(QFrame::NoFrame);
  setFocusPolicy(Qt::NoFocus);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setMinimumHeight(kKioskTouchPx);
}

void KioskAnswerView::setGrounding(const app::Grounding& g, int highlightedRef, bool followEnd) {
  // Markdown without HTML, each ref phrase tinted (ref_markdown). Links lose their anchors:
  // nothing here can be followed.
  const int scrolled = verticalScrollBar()->value();
  QTextDocument* doc = document();
  doc->setMarkdown(ref_markdown::markedText(g), QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub |
                                                                                QTextDocument::MarkdownNoHTML));
  const bool light = palette().color(QPalette::Base).lightness() > 128;
  QTextCursor all(doc);
  all.select(QTextCursor::Document);
  QTextCharFormat plain;
  plain.setAnchor(false);
  plain.setAnchorHref(QString());
  all.mergeCharFormat(plain);
  ref_markdown::applyRefFormats(doc, [&](int ref) {
    QColor tint = app::tableauColor(app::Grounding::colorIndexOfRef(ref));
    tint.setAlpha(ref == highlightedRef ? 220 : (light ? 70 : 110));
    QTextCharFormat f;
    f.setBackground(tint);
    if (ref == highlightedRef) f.setFontWeight(QFont::Bold);
    return f;
  });
  // While the answer streams its end stays in view; a finished one stays where it was read.
  verticalScrollBar()->setValue(followEnd ? verticalScrollBar()->maximum() : scrolled);
}

int KioskAnswerView::refAt(const QPoint& viewportPos) const { return ref_markdown::refAt(this, viewportPos); }

void KioskAnswerView::mousePressEvent(QMouseEvent* event) {
  emit refTapped(refAt(event->position().toPoint()));
  event->accept();
}

void KioskAnswerView::mouseMoveEvent(QMouseEvent* event) { event->accept(); }  // no selecting, no drag
void KioskAnswerView::mouseDoubleClickEvent(QMouseEvent* event) { event->accept(); }

KioskPinPad::KioskPinPad(QWidget* parent) : QFrame(parent) {
  setObjectName(QStringLiteral("kioskPinPad"));
  auto* layout = new QVBoxLayout(this);
  m_prompt = new QLabel(this);
  m_prompt->setAlignment(Qt::AlignCenter);
  m_dots = new QLabel(this);
  m_dots->setAlignment(Qt::AlignCenter);
  m_dots->setMinimumHeight(kKioskTouchPx);
  layout->addWidget(m_prompt);
  layout->addWidget(m_dots);
  auto* grid = new QGridLayout;
  for (int d = 0; d < 10; ++d) {
    m_digits[d] = touchButton(this);
    m_digits[d]->setText(QString::number(d));
    m_digits[d]->setMinimumWidth(kKioskTouchPx * 3 / 2);
    connect(m_digits[d], &QPushButton::clicked, this, [this, d] {
      if (m_pin.size() >= 12) return;
      m_wrong = false;
      m_locked = false;
      m_pin += QString::number(d);
      updateDots();
    });
    if (d > 0) grid->addWidget(m_digits[d], (d - 1) / 3, (d - 1) % 3);
  }
  m_back = touchButton(this);
  connect(m_back, &QPushButton::clicked, this, [this] {
    m_pin.chop(1);
    updateDots();
  });
  m_ok = touchButton(this);
  connect(m_ok, &QPushButton::clicked, this, [this] { emit submitted(m_pin); });
  grid->addWidget(m_back, 3, 0);
  grid->addWidget(m_digits[0], 3, 1);
  grid->addWidget(m_ok, 3, 2);
  layout->addLayout(grid);
  m_cancel = touchButton(this);
  connect(m_cancel, &QPushButton::clicked, this, [this] {
    clear();
    emit cancelled();
  });
  layout->addWidget(m_cancel);
  retranslateUi();
}

void KioskPinPad::showLocked() {
  m_pin.clear();
  m_wrong = false;
  m_locked = true;
  updateDots();
}

void KioskPinPad::clear() {
  m_pin.clear();
  m_wrong = false;
  m_locked = false;
  updateDots();
}

void KioskPinPad::showWrong() {
  m_pin.clear();
  m_wrong = true;
  updateDots();
}

void KioskPinPad::updateDots() {
  m_dots->setText(m_locked  ? tr("Too many wrong PINs: try again in a minute")
                  : m_wrong ? tr("Wrong PIN")
                            : QString(m_pin.size(), QChar(0x25CF)));
}

void KioskPinPad::retranslateUi() {
  m_prompt->setText(tr("Enter the admin PIN to leave kiosk mode"));
  m_back->setText(tr("Delete"));
  m_ok->setText(tr("OK"));
  m_cancel->setText(tr("Cancel"));
  updateDots();
}

KioskCountdown::KioskCountdown(QWidget* parent) : QFrame(parent) {
  setObjectName(QStringLiteral("kioskCountdown"));
  setAutoFillBackground(true);
  auto* layout = new QVBoxLayout(this);
  layout->addStretch();
  m_title = new QLabel(this);
  m_title->setObjectName(QStringLiteral("kioskCountdownTitle"));
  m_title->setAlignment(Qt::AlignCenter);
  m_text = new QLabel(this);
  m_text->setAlignment(Qt::AlignCenter);
  m_text->setWordWrap(true);
  m_stay = touchButton(this);
  m_stay->setObjectName(QStringLiteral("kioskPrimary"));
  connect(m_stay, &QPushButton::clicked, this, &KioskCountdown::stayRequested);
  layout->addWidget(m_title);
  layout->addWidget(m_text);
  layout->addWidget(m_stay, 0, Qt::AlignCenter);
  layout->addStretch();
  retranslateUi();
}

void KioskCountdown::setSecondsLeft(int seconds) {
  m_seconds = seconds;
  retranslateUi();
}

void KioskCountdown::retranslateUi() {
  m_title->setText(tr("Still there?"));
  m_text->setText(tr("This visit ends in %n second(s) and everything of it is deleted.", nullptr, m_seconds));
  m_stay->setText(tr("I’m still here"));
}

void KioskCountdown::mousePressEvent(QMouseEvent* event) {
  emit stayRequested();  // any touch keeps the visit
  event->accept();
}

KioskErrorScreen::KioskErrorScreen(const QString& error, QWidget* parent) : QWidget(parent), m_error(error) {
  setObjectName(QStringLiteral("kioskError"));
  setAutoFillBackground(true);
  QPalette p = palette();
  p.setColor(QPalette::Window, QColor(0x30, 0x10, 0x10));
  p.setColor(QPalette::WindowText, Qt::white);
  setPalette(p);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(80, 80, 80, 80);
  auto* title = new QLabel(tr("This kiosk cannot start"), this);
  QFont big = font();
  big.setPixelSize(48);
  big.setBold(true);
  title->setFont(big);
  auto* text = new QLabel(error, this);
  text->setObjectName(QStringLiteral("kioskErrorText"));
  QFont body = font();
  body.setPixelSize(28);
  text->setFont(body);
  text->setWordWrap(true);
  text->setTextFormat(Qt::PlainText);
  auto* hint = new QLabel(tr("Fix the kiosk configuration (see docs/kiosk.md); the kiosk starts again by itself once "
                             "the file is valid."),
                          this);
  hint->setFont(body);
  hint->setWordWrap(true);
  layout->addStretch();
  layout->addWidget(title);
  layout->addSpacing(24);
  layout->addWidget(text);
  layout->addSpacing(24);
  layout->addWidget(hint);
  layout->addStretch();
}

}  // namespace qwenvl::ui
