// The conversations sidebar; see library_sidebar.h.
#include "ui/library_sidebar.h"

#include <QEvent>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include "app/autosaver.h"
#include "app/conversation.h"
#include "app/conversation_library.h"
#include "app/studio_app.h"
#include "ui/actions.h"

namespace qwenvl::ui {

namespace {
constexpr int kPathRole = Qt::UserRole;
}

LibrarySidebar::LibrarySidebar(app::StudioApp* studio, Actions* actions, QWidget* parent)
    : QWidget(parent), m_studio(studio) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* top = new QHBoxLayout;
  m_search = new QLineEdit(this);
  m_search->setClearButtonEnabled(true);
  m_new = new QToolButton(this);
  m_new->setDefaultAction(actions->newConversation);
  m_new->setToolButtonStyle(Qt::ToolButtonIconOnly);  // the action's text is its tool tip
  top->addWidget(m_search, 1);
  top->addWidget(m_new);
  m_list = new QListWidget(this);
  m_list->setContextMenuPolicy(Qt::CustomContextMenu);
  m_list->setEditTriggers(QAbstractItemView::EditKeyPressed);
  m_list->setTextElideMode(Qt::ElideRight);
  m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_list->setUniformItemSizes(true);
  layout->addLayout(top);
  layout->addWidget(m_list, 1);
  setMinimumWidth(120);
  m_search->setMinimumWidth(60);

  m_refreshTimer.setSingleShot(true);
  m_refreshTimer.setInterval(400);
  connect(&m_refreshTimer, &QTimer::timeout, this, &LibrarySidebar::refresh);
  connect(m_search, &QLineEdit::textChanged, this, &LibrarySidebar::refresh);
  connect(m_list, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    const QString path = item->data(kPathRole).toString();
    if (path != currentPath()) emit openRequested(path);
  });
  // One click opens (as in every chat app), also where the style activates only on a double click.
  connect(m_list, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
    if (m_list->style()->styleHint(QStyle::SH_ItemView_ActivateItemOnSingleClick, nullptr, m_list)) return;
    const QString path = item->data(kPathRole).toString();
    if (path != currentPath()) emit openRequested(path);
  });
  connect(m_list, &QListWidget::itemChanged, this, &LibrarySidebar::onItemChanged);
  connect(m_list, &QListWidget::customContextMenuRequested, this, &LibrarySidebar::showMenu);
  app::Conversation* c = studio->conversation();
  connect(c, &app::Conversation::committed, this, &LibrarySidebar::refreshSoon);
  connect(c, &app::Conversation::reset, this, &LibrarySidebar::refreshSoon);
  connect(studio, &app::StudioApp::conversationPathChanged, this, &LibrarySidebar::refreshSoon);
  connect(studio, &app::StudioApp::fileJobFinished, this, &LibrarySidebar::refreshSoon);
  retranslateUi();
  refresh();
}

QString LibrarySidebar::currentPath() const {
  return m_studio->autosaver() ? m_studio->autosaver()->path() : QString();
}

QStringList LibrarySidebar::paths() const {
  QStringList out;
  for (int i = 0; i < m_list->count(); ++i) out << m_list->item(i)->data(kPathRole).toString();
  return out;
}

void LibrarySidebar::refreshSoon() { m_refreshTimer.start(); }

void LibrarySidebar::refresh() {
  m_refreshTimer.stop();
  const app::ConversationLibrary* library = m_studio->library();
  QVector<app::LibraryEntry> entries = library ? library->list() : QVector<app::LibraryEntry>();
  // The conversation shown: its title from memory (its file may be a moment behind), listed
  // first even before its first save.
  const QString current = currentPath();
  const app::Conversation* c = m_studio->conversation();
  app::LibraryEntry shown;
  for (int i = 0; i < entries.size(); ++i) {
    if (entries[i].path == current) shown = entries.takeAt(i);
  }
  if (!c->isEmpty()) {
    shown.path = current;
    QStringList texts;
    QString first;
    for (const app::Message& m : c->messages()) {
      texts << app::Grounding::parse(m.text, true).displayText;
      if (first.isEmpty() && m.role == app::Role::User) first = m.text;
    }
    shown.text = texts.join(QLatin1Char('\n'));
    if (!shown.named) shown.title = app::ConversationLibrary::titleFromQuestion(first);
    if (!shown.modified.isValid()) shown.modified = QDateTime::currentDateTime();
    entries.prepend(shown);
  }
  const QString query = m_search->text();
  m_filling = true;
  m_list->clear();
  for (const app::LibraryEntry& e : entries) {
    if (!query.isEmpty() && !app::ConversationLibrary::matches(e, query)) continue;
    auto* item = new QListWidgetItem(e.title.isEmpty() ? tr("Pictures only") : e.title);
    item->setData(kPathRole, e.path);
    item->setFlags(item->flags() | Qt::ItemIsEditable);
    item->setToolTip(tr("%1\nLast changed %2").arg(item->text(), QLocale().toString(e.modified, QLocale::ShortFormat)));
    if (e.path == current) {
      QFont f = item->font();
      f.setBold(true);
      item->setFont(f);
    }
    m_list->addItem(item);
    if (e.path == current) m_list->setCurrentItem(item);
  }
  m_filling = false;
}

void LibrarySidebar::onItemChanged(QListWidgetItem* item) {
  if (m_filling) return;
  const QString error = rename(item->data(kPathRole).toString(), item->text());
  if (!error.isEmpty()) QMessageBox::warning(this, tr("Rename Conversation"), error);
  refreshSoon();
}

QString LibrarySidebar::rename(const QString& path, const QString& title) {
  if (!m_studio->library()) return tr("There is no conversations library.");
  // The conversation shown may not be on disk yet: write it now, so the name has a home.
  if (path == currentPath() && m_studio->autosaver()) m_studio->autosaver()->flush();
  const QString error = m_studio->library()->rename(path, title);
  refresh();
  return error;
}

QString LibrarySidebar::remove(const QString& path, bool ask) {
  if (!m_studio->library()) return tr("There is no conversations library.");
  if (ask) {
    QString title;
    for (int i = 0; i < m_list->count(); ++i) {
      if (m_list->item(i)->data(kPathRole).toString() == path) title = m_list->item(i)->text();
    }
    QMessageBox box(QMessageBox::Question, tr("Delete Conversation"),
                    tr("Delete the conversation “%1” with its pictures? This cannot be undone.").arg(title),
                    QMessageBox::Cancel, this);
    QPushButton* yes = box.addButton(tr("&Delete"), QMessageBox::DestructiveRole);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() != yes) return {};
  }
  if (path == currentPath()) {
    // The conversation shown goes away: start a blank one first, and let its last save land.
    emit newRequested();
    if (m_studio->autosaver()) m_studio->autosaver()->flush();
    if (path == currentPath()) return tr("The conversation shown cannot be deleted.");
  }
  const QString error = m_studio->library()->remove(path);
  refresh();
  return error;
}

void LibrarySidebar::showMenu(const QPoint& pos) {
  QListWidgetItem* item = m_list->itemAt(pos);
  if (!item) return;
  QMenu menu(this);
  QAction* open = menu.addAction(tr("&Open"));
  QAction* rename = menu.addAction(tr("&Rename"));
  QAction* remove = menu.addAction(tr("&Delete…"));
  QAction* chosen = menu.exec(m_list->viewport()->mapToGlobal(pos));
  const QString path = item->data(kPathRole).toString();
  if (chosen == open && path != currentPath()) emit openRequested(path);
  if (chosen == rename) m_list->editItem(item);
  if (chosen == remove) {
    const QString error = this->remove(path, true);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Delete Conversation"), error);
  }
}

void LibrarySidebar::keyPressEvent(QKeyEvent* event) {
  QListWidgetItem* item = m_list->currentItem();
  if (item && event->key() == Qt::Key_Delete) {
    const QString error = remove(item->data(kPathRole).toString(), true);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Delete Conversation"), error);
    return;
  }
  QWidget::keyPressEvent(event);
}

void LibrarySidebar::retranslateUi() {
  m_search->setPlaceholderText(tr("Search conversations"));
  m_search->setAccessibleName(tr("Search conversations"));
  m_list->setAccessibleName(tr("Conversations"));
  m_list->setAccessibleDescription(tr("Enter opens, F2 renames, Delete deletes"));
  setAccessibleName(tr("Conversations library"));
}

void LibrarySidebar::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) {
    retranslateUi();
    refresh();
  }
  QWidget::changeEvent(event);
}

}  // namespace qwenvl::ui
