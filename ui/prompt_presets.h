// Prompts one click away, above the question box: "Describe" and "Read the text" ask at once,
// "Find all …" and "Where is …?" fill the box and leave the cursor where the object goes. The
// prompts are in the interface language (the model reads Chinese and English alike).
#pragma once

#include <QVector>
#include <QWidget>

class QToolButton;

namespace qwenvl::ui {

class PromptPresets : public QWidget {
  Q_OBJECT
 public:
  explicit PromptPresets(QWidget* parent = nullptr);

  struct Preset {
    QString label;
    QString before;  // the prompt, up to where the cursor goes
    QString after;   // the rest; with an empty `complete` preset both make the whole prompt
    bool complete = false;
  };
  QVector<Preset> presets() const;
  QToolButton* button(int index) const { return m_buttons.value(index); }

 signals:
  void chosen(const qwenvl::ui::PromptPresets::Preset& preset);

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void retranslateUi();
  QVector<QToolButton*> m_buttons;
};

}  // namespace qwenvl::ui
