// The pictures strip; see thumbnail_strip.h.
#include "ui/thumbnail_strip.h"

#include <QContextMenuEvent>
#include <QKeyEvent>
#include <QMenu>
#include <QPainter>

#include "app/conversation.h"
#include "app/picture_formats.h"

namespace qwenvl::ui {

namespace {
constexpr int kIconSize = 72;
constexpr int kCompactIconSize = 36;  // when the window is short
constexpr int kIdRole = Qt::UserRole + 1;
}  // namespace

ThumbnailStrip::ThumbnailStrip(QWidget* parent) : QListWidget(parent) {
  setViewMode(QListView::IconMode);
  setFlow(QListView::LeftToRight);
  setWrapping(false);
  setMovement(QListView::Static);
  setResizeMode(QListView::Adjust);
  setUniformItemSizes(true);
  setCompact(false);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setTextElideMode(Qt::ElideMiddle);
  connect(this, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (item) emit currentPictureChanged(item->data(kIdRole).toInt());
  });
  retranslateUi();
}

int ThumbnailStrip::iconExtent() const { return m_compact ? kCompactIconSize : kIconSize; }

void ThumbnailStrip::setCompact(bool compact) {
  if (compact == m_compact && iconSize().width() == iconExtent()) return;
  m_compact = compact;
  const int icon = iconExtent();
  setIconSize(QSize(icon, icon));
  setGridSize(QSize(icon + 36, icon + 32));
  setFixedHeight(icon + 52);
  for (int i = 0; i < count(); ++i) refreshItem(item(i));
}

QIcon ThumbnailStrip::tileFor(const app::PictureItem& p) const {
  // Square tiles drawn at the screen's pixel density, so they stay sharp at scale 2.
  const int icon = iconExtent();
  const qreal dpr = devicePixelRatioF();
  QPixmap tile(QSize(icon, icon) * dpr);
  tile.setDevicePixelRatio(dpr);
  tile.fill(Qt::transparent);
  {
    QPainter painter(&tile);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    const QImage& source = p.image.width() > p.thumbnail.width() * 2 / 3 * dpr ? p.image : p.thumbnail;
    const QSize fitted = source.size().scaled(QSize(icon, icon), Qt::KeepAspectRatio);
    const QImage t = source.scaled(fitted * dpr, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    painter.drawImage(QRectF(QPointF((icon - fitted.width()) / 2.0, (icon - fitted.height()) / 2.0), QSizeF(fitted)),
                      t);
    if (!p.sent) {
      // Not sent yet: a dot in the corner (the caption keeps the whole name).
      painter.setRenderHint(QPainter::Antialiasing);
      painter.setPen(QPen(palette().color(QPalette::Base), 1.5));
      painter.setBrush(palette().color(QPalette::Highlight));
      painter.drawEllipse(QPointF(icon - 7, 7), 5, 5);
    }
  }
  return QIcon(tile);
}

void ThumbnailStrip::retranslateUi() {
  setAccessibleName(tr("Pictures of this conversation"));
  setAccessibleDescription(tr("Arrow keys choose the picture shown; Delete removes a picture not sent yet."));
  for (int i = 0; i < count(); ++i) refreshItem(item(i));
}

void ThumbnailStrip::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QListWidget::changeEvent(event);
}

void ThumbnailStrip::setConversation(app::Conversation* conversation) {
  m_conversation = conversation;
  connect(conversation, &app::Conversation::pictureAdded, this, [this](int id) {
    addItem(id);
    setCurrentPictureId(id);
  });
  connect(conversation, &app::Conversation::pictureRemoved, this, [this](int id) {
    delete itemFor(id);
    setVisible(count() > 0);
  });
  // Sending a question marks its pictures as sent.
  connect(conversation, &app::Conversation::messageAdded, this, [this] {
    for (int i = 0; i < count(); ++i) refreshItem(item(i));
  });
  connect(conversation, &app::Conversation::messageRemoved, this, [this] {
    for (int i = 0; i < count(); ++i) refreshItem(item(i));
  });
  connect(conversation, &app::Conversation::reset, this, &ThumbnailStrip::rebuild);
  rebuild();
}

void ThumbnailStrip::rebuild() {
  clear();
  if (!m_conversation) return;
  for (const app::PictureItem& p : m_conversation->pictures()) addItem(p.id);
  if (count() > 0) setCurrentRow(count() - 1);
  setVisible(count() > 0);  // an empty strip says nothing the picture area does not
}

void ThumbnailStrip::addItem(int pictureId) {
  const app::PictureItem* p = m_conversation->picture(pictureId);
  if (!p) return;
  auto* item = new QListWidgetItem(tileFor(*p), p->name, this);
  item->setData(kIdRole, pictureId);
  refreshItem(item);
  show();
}

void ThumbnailStrip::refreshItem(QListWidgetItem* item) {
  if (!item || !m_conversation) return;
  const int id = item->data(kIdRole).toInt();
  const app::PictureItem* p = m_conversation->picture(id);
  if (!p) return;
  const int index = row(item) + 1;
  const QString state = p->sent ? tr("sent") : tr("not sent yet");
  item->setText(p->name);
  item->setIcon(tileFor(*p));
  QFont f = font();
  f.setItalic(!p->sent);
  item->setFont(f);
  item->setToolTip(tr("Picture %1: %2, %3 × %4 pixels, %5")
                       .arg(index)
                       .arg(p->name)
                       .arg(p->image.width())
                       .arg(p->image.height())
                       .arg(state) +
                   [&] {
                     const QString note = app::PictureFormats::modelViewNote(p->bytes);
                     return note.isEmpty() ? QString() : QStringLiteral("\n") + note;
                   }());
  item->setData(Qt::AccessibleTextRole, tr("Picture %1: %2, %3").arg(index).arg(p->name, state));
}

QListWidgetItem* ThumbnailStrip::itemFor(int id) const {
  for (int i = 0; i < count(); ++i) {
    if (item(i)->data(kIdRole).toInt() == id) return item(i);
  }
  return nullptr;
}

int ThumbnailStrip::currentPictureId() const { return currentItem() ? currentItem()->data(kIdRole).toInt() : -1; }

void ThumbnailStrip::setCurrentPictureId(int id) {
  if (QListWidgetItem* item = itemFor(id)) setCurrentItem(item);
}

QList<int> ThumbnailStrip::pictureIds() const {
  QList<int> ids;
  for (int i = 0; i < count(); ++i) ids << item(i)->data(kIdRole).toInt();
  return ids;
}

void ThumbnailStrip::keyPressEvent(QKeyEvent* event) {
  if ((event->key() == Qt::Key_Delete || event->key() == Qt::Key_Backspace) && currentItem()) {
    emit removeRequested(currentPictureId());
    return;
  }
  QListWidget::keyPressEvent(event);
}

void ThumbnailStrip::contextMenuEvent(QContextMenuEvent* event) {
  QListWidgetItem* item = itemAt(event->pos());
  if (!item || !m_conversation) return;
  const int id = item->data(kIdRole).toInt();
  const app::PictureItem* p = m_conversation->picture(id);
  QMenu menu(this);
  QAction* remove = menu.addAction(tr("Remove from the Conversation"));
  remove->setEnabled(p && !p->sent);
  if (!remove->isEnabled())
    remove->setToolTip(tr("Pictures already sent stay, so the conversation stays as the model saw it."));
  if (menu.exec(event->globalPos()) == remove) emit removeRequested(id);
}

}  // namespace qwenvl::ui
