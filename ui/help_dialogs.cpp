// The Help menu's dialogs: keyboard shortcuts (listed from the actions themselves, so the list is
// never out of date), how to get the model, and About. All open window-modal, without blocking.
#include "ui/help_dialogs.h"

#include <QAction>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace qwenvl::ui {

void HelpDialogs::showShortcuts(QWidget* parent, const QList<QAction*>& actions) {
  auto* dialog = new QDialog(parent);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(tr("Keyboard Shortcuts"));
  auto* table = new QTableWidget(dialog);
  table->setColumnCount(2);
  table->setHorizontalHeaderLabels({tr("Command"), tr("Keys")});
  table->setAccessibleName(tr("Keyboard shortcuts"));
  QList<QPair<QString, QString>> rows;
  for (QAction* a : actions) {
    if (a->shortcut().isEmpty()) continue;
    rows.push_back({QString(a->text()).remove(QLatin1Char('&')), a->shortcut().toString(QKeySequence::NativeText)});
  }
  rows.push_back({tr("Send the question"), tr("Enter")});
  rows.push_back({tr("New line in the question"), tr("Shift+Enter")});
  rows.push_back({tr("Ask about a region by dragging"), tr("Shift+drag on the picture")});
  rows.push_back({tr("Zoom and pan the picture"), tr("+ − 0 1 and the arrow keys, in the picture")});
  table->setRowCount(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    table->setItem(i, 0, new QTableWidgetItem(rows[i].first));
    table->setItem(i, 1, new QTableWidgetItem(rows[i].second));
  }
  table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table->verticalHeader()->hide();  // row numbers say nothing here
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
  buttons->button(QDialogButtonBox::Close)->setText(tr("Close"));
  QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(table);
  layout->addWidget(buttons);
  dialog->resize(560, 520);
  dialog->open();
}

void HelpDialogs::showHowToGetModel(QWidget* parent) {
  auto* box = new QMessageBox(QMessageBox::Information, tr("How to Get the Model"),
                              tr("QwenVL Studio runs Qwen-VL-Chat-Int4 on this computer and never downloads it by "
                                 "itself. In a terminal, run:\n\n%1\n\nThen choose Model › Open Model Folder… and "
                                 "pick the new Qwen-VL-Chat-Int4 folder, or start the app with --model FOLDER.")
                                  .arg(QStringLiteral("git lfs install\ngit lfs clone "
                                                      "https://huggingface.co/Qwen/Qwen-VL-Chat-Int4")),
                              QMessageBox::Close, parent);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  box->open();
}

void HelpDialogs::showAbout(QWidget* parent) {
  auto* box = new QMessageBox(QMessageBox::NoIcon, tr("About QwenVL Studio"),
                              tr("<h3>QwenVL Studio %1</h3><p>Chat with Qwen-VL-Chat-Int4 about your pictures, on "
                                 "your own computer. The boxes the model draws appear on the picture as the answer "
                                 "arrives.</p><p>Built with Qt %2.</p>")
                                  .arg(QCoreApplication::applicationVersion(), QString::fromLatin1(qVersion())),
                              QMessageBox::Close, parent);
  box->setIconPixmap(parent->windowIcon().pixmap(64, 64));
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

}  // namespace qwenvl::ui
