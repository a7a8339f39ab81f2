// An inline message strip at the top of the window (like KMessageWidget): errors and notices
// are shown here, in the window, with the full text a person needs; screen readers are told.
#pragma once

#include <QWidget>

class QLabel;
class QToolButton;

namespace qwenvl::ui {

class MessageBar : public QWidget {
  Q_OBJECT
 public:
  enum class Kind { Error, Information };
  explicit MessageBar(QWidget* parent = nullptr);

  void showMessage(Kind kind, const QString& text);
  void showError(const QString& text) { showMessage(Kind::Error, text); }
  void showInformation(const QString& text) { showMessage(Kind::Information, text); }
  void dismiss();
  QString text() const;
  Kind kind() const { return m_kind; }

 protected:
  void changeEvent(QEvent* event) override;
  void paintEvent(QPaintEvent* event) override;

 private:
  void retranslateUi();
  Kind m_kind = Kind::Information;
  QLabel* m_icon;
  QLabel* m_text;
  QToolButton* m_close;
};

}  // namespace qwenvl::ui
