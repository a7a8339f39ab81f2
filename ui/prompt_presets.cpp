// Prompt presets; see prompt_presets.h.
#include "ui/prompt_presets.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QToolButton>

namespace qwenvl::ui {

PromptPresets::PromptPresets(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(4);
  for (int i = 0; i < 4; ++i) {
    auto* b = new QToolButton(this);
    b->setAutoRaise(true);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    layout->addWidget(b);
    m_buttons << b;
    connect(b, &QToolButton::clicked, this, [this, i] {
      const QVector<Preset> all = presets();
      if (i < all.size()) emit chosen(all[i]);
    });
  }
  layout->addStretch(1);
  retranslateUi();
}

QVector<PromptPresets::Preset> PromptPresets::presets() const {
  return {
      {tr("Describe"), tr("Describe this picture in detail."), QString(), true},
      {tr("Find all …"), tr("Find all "), tr(" in the picture and outline each one."), false},
      {tr("Where is …?"), tr("Where is the "), tr("? Outline it."), false},
      {tr("Read the text"), tr("Read all the text in this picture, exactly as written."), QString(), true},
  };
}

void PromptPresets::retranslateUi() {
  const QVector<Preset> all = presets();
  for (int i = 0; i < m_buttons.size() && i < all.size(); ++i) {
    m_buttons[i]->setText(all[i].label);
    m_buttons[i]->setToolTip(all[i].complete ? tr("Ask: %1").arg(all[i].before)
                                             : tr("Start the question: %1…%2").arg(all[i].before, all[i].after));
    m_buttons[i]->setAccessibleName(all[i].label);
  }
  setAccessibleName(tr("Prompt presets"));
}

void PromptPresets::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QWidget::changeEvent(event);
}

}  // namespace qwenvl::ui
