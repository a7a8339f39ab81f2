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
constexpr int kIdRole = Qt::UserRole + 1;
}  // namespace

ThumbnailStrip::ThumbnailStrip(QWidget* parent) : QListWidget(parent) {
  setViewMode(QListView::IconMode);
  setFlow(QListView::LeftToRight);
  setWrapping(false);
  setMovement(QListView::Static);
  setResizeMode(QListView::Adjust);
  setIconSize(QSize(kIconSize, kIconSize));
  setUniformItemSizes(true);
  setGridSize(QSize(kIconSize + 36, kIconSize + 32));
  setFixedHeight(kIconSize + 52);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setTextElideMode(Qt::ElideMiddle);
  connect(this, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (item) emit currentPictureChanged(item->data(kIdRole).toInt());
  });
  retranslateUi();
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
  // Square tiles on the palette's base colour, so wide and tall pictures line up.
  QPixmap tile(kIconSize, kIconSize);
  tile.fill(Qt::transparent);
  {
    QPainter painter(&tile);
    const QImage t = p->thumbnail.scaled(kIconSize, kIconSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    painter.drawImage((kIconSize - t.width()) / 2, (kIconSize - t.height()) / 2, t);
  }
  auto* item = new QListWidgetItem(QIcon(tile), p->name, this);
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
  item->setText(p->sent ? p->name : tr("%1 (new)").arg(p->name));
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
