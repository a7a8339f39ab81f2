// The conversations library as a sidebar: every kept conversation by title (the first question
// unless the user named it), newest first, with a search field; click opens one, F2 or the
// context menu renames, Delete deletes (after asking). The conversation shown is marked.
#pragma once

#include <QTimer>
#include <QWidget>

class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QToolButton;

namespace qwenvl::app {
class StudioApp;
}

namespace qwenvl::ui {

class Actions;

class LibrarySidebar : public QWidget {
  Q_OBJECT
 public:
  LibrarySidebar(app::StudioApp* studio, Actions* actions, QWidget* parent = nullptr);

  QListWidget* list() const { return m_list; }
  QLineEdit* searchField() const { return m_search; }
  QToolButton* newButton() const { return m_new; }
  // The paths listed now, top first.
  QStringList paths() const;
  void refresh();
  void refreshSoon();
  QString rename(const QString& path, const QString& title);
  // `ask`: confirm with the user first. Returns an error message, or empty.
  QString remove(const QString& path, bool ask);

 signals:
  void openRequested(const QString& path);
  void newRequested();

 protected:
  void changeEvent(QEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void retranslateUi();
  void showMenu(const QPoint& pos);
  void onItemChanged(QListWidgetItem* item);
  QString currentPath() const;

  app::StudioApp* m_studio;
  QLineEdit* m_search;
  QToolButton* m_new;
  QListWidget* m_list;
  QTimer m_refreshTimer;
  bool m_filling = false;
};

}  // namespace qwenvl::ui
