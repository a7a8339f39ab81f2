// The kiosk's own small widgets, all touch-sized: the answer (plain text, ref phrases tinted
// in their box colours, tap a phrase to light up its boxes; no links, no selection, no drag),
// the PIN pad of the admin exit, the "Still there?" countdown over the screen, and the
// full-screen error shown when the configuration cannot be used.
#pragma once

#include <QFrame>
#include <QLabel>
#include <QTextEdit>

#include "app/grounding.h"

class QPushButton;

namespace qwenvl::ui {

// Every kiosk control is at least this high at scale 1 (touch targets).
inline constexpr int kKioskTouchPx = 64;

class KioskAnswerView : public QTextEdit {
  Q_OBJECT
 public:
  explicit KioskAnswerView(QWidget* parent = nullptr);
  void setGrounding(const app::Grounding& grounding, int highlightedRef, bool followEnd);
  int refAt(const QPoint& viewportPos) const;

 signals:
  void refTapped(int ref);  // -1: a tap outside any phrase

 protected:
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
};

class KioskPinPad : public QFrame {
  Q_OBJECT
 public:
  explicit KioskPinPad(QWidget* parent = nullptr);
  void clear();
  void showWrong();
  void showLocked();  // too many wrong PINs: a pause before the next try
  QString pin() const { return m_pin; }
  QPushButton* digitButton(int digit) const { return m_digits[digit]; }
  QPushButton* okButton() const { return m_ok; }
  QPushButton* cancelButton() const { return m_cancel; }
  void retranslateUi();

 signals:
  void submitted(const QString& pin);
  void cancelled();

 private:
  void updateDots();
  QString m_pin;
  QLabel* m_prompt;
  QLabel* m_dots;
  QPushButton* m_digits[10];
  QPushButton* m_back;
  QPushButton* m_ok;
  QPushButton* m_cancel;
  bool m_wrong = false;
  bool m_locked = false;
};

class KioskCountdown : public QFrame {
  Q_OBJECT
 public:
  explicit KioskCountdown(QWidget* parent = nullptr);
  void setSecondsLeft(int seconds);
  QPushButton* stayButton() const { return m_stay; }
  void retranslateUi();

 signals:
  void stayRequested();

 protected:
  void mousePressEvent(QMouseEvent* event) override;

 private:
  int m_seconds = 0;
  QLabel* m_title;
  QLabel* m_text;
  QPushButton* m_stay;
};

// Shown instead of the kiosk when its configuration cannot be used: no dialog, nothing to
// press, the reason in large type for whoever sets the stand up.
class KioskErrorScreen : public QWidget {
  Q_OBJECT
 public:
  explicit KioskErrorScreen(const QString& error, QWidget* parent = nullptr);
  QString errorText() const { return m_error; }

 private:
  QString m_error;
};

}  // namespace qwenvl::ui
