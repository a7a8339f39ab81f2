// The model status strip; see model_panel.h.
#include "ui/model_panel.h"

#include <QDir>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace qwenvl::ui {

ModelPanel::ModelPanel(QWidget* parent) : QFrame(parent) {
  setFrameShape(QFrame::StyledPanel);
  setBackgroundRole(QPalette::AlternateBase);
  setAutoFillBackground(true);
  auto* layout = new QVBoxLayout(this);
  m_title = new QLabel(this);
  QFont f = m_title->font();
  f.setBold(true);
  f.setPointSizeF(f.pointSizeF() * 1.15);
  m_title->setFont(f);
  m_body = new QLabel(this);
  m_body->setWordWrap(true);
  m_body->setTextFormat(Qt::RichText);
  m_body->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  m_gpu = new QLabel(this);
  m_gpu->setWordWrap(true);
  m_gpu->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_progress = new QProgressBar(this);
  m_progress->setRange(0, 1000);
  m_open = new QPushButton(this);
  m_retry = new QPushButton(this);
  m_useCpu = new QPushButton(this);
  m_cancel = new QPushButton(this);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_open);
  buttons->addWidget(m_retry);
  buttons->addWidget(m_useCpu);
  buttons->addWidget(m_cancel);
  buttons->addStretch(1);
  layout->addWidget(m_title);
  layout->addWidget(m_body);
  layout->addWidget(m_gpu);
  layout->addWidget(m_progress);
  layout->addLayout(buttons);
  connect(m_open, &QPushButton::clicked, this, &ModelPanel::openModelRequested);
  connect(m_retry, &QPushButton::clicked, this, &ModelPanel::retryRequested);
  connect(m_useCpu, &QPushButton::clicked, this, &ModelPanel::useCpuRequested);
  connect(m_cancel, &QPushButton::clicked, this, &ModelPanel::cancelRequested);
  retranslateUi();
}

void ModelPanel::setState(const State& state) {
  m_state = state;
  retranslateUi();
}

QString ModelPanel::text() const {
  return m_title->text() + QLatin1Char('\n') + m_body->text() + QLatin1Char('\n') + m_gpu->text();
}

void ModelPanel::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QFrame::changeEvent(event);
}

void ModelPanel::retranslateUi() {
  using app::ModelState;
  const State& s = m_state;
  setVisible(s.model != ModelState::Ready);
  const QString dir = QDir::toNativeSeparators(s.modelDir).toHtmlEscaped();
  const QString getIt =
      tr("<p>QwenVL Studio runs <b>Qwen-VL-Chat-Int4</b> (about 10 GB) on this computer and never downloads "
         "anything by itself. To get the model, run in a terminal:</p>"
         "<pre>%1</pre>"
         "<p>Then choose the new folder with <b>Open Model Folder…</b> (Ctrl+M), or start the app with "
         "<code>--model FOLDER</code>.</p>")
          .arg(QStringLiteral("git lfs install\ngit lfs clone https://huggingface.co/Qwen/Qwen-VL-Chat-Int4"));
  switch (s.model) {
    case ModelState::None:
      m_title->setText(tr("No model loaded yet"));
      m_body->setText(getIt);
      break;
    case ModelState::Loading:
      m_title->setText(tr("Loading the model…"));
      m_body->setText(
          tr("<p>From <code>%1</code>: %2</p>").arg(dir, s.stage.isEmpty() ? tr("starting") : s.stage.toHtmlEscaped()));
      break;
    case ModelState::Failed:
      m_title->setText(tr("The model could not be loaded"));
      m_body->setText(tr("<p>%1</p><p>Folder: <code>%2</code></p>").arg(s.error.toHtmlEscaped(), dir) + getIt);
      break;
    case ModelState::Ready:
      m_title->setText(tr("Model ready"));
      m_body->clear();
      break;
  }
  QString gpu;
  if (!s.cuda.available) {
    gpu = s.cuda.compiled
              ? tr("No GPU can be used: %1 The model runs on the CPU backend instead, which is "
                   "much slower but gives the same answers.")
                    .arg(s.cuda.reason)
              : tr("The GPU backend is not installed (package qwenvl-studio-cuda). The model runs on the CPU "
                   "backend, which is much slower but gives the same answers.");
  }
  m_gpu->setText(gpu);
  m_gpu->setVisible(!gpu.isEmpty() && s.model != ModelState::Loading);
  m_progress->setVisible(s.model == ModelState::Loading);
  m_progress->setValue(static_cast<int>(s.fraction * 1000));
  m_progress->setFormat(tr("%p%"));
  m_progress->setAccessibleName(tr("Model loading progress"));
  m_open->setText(tr("Open Model Folder…"));
  m_open->setAccessibleName(tr("Open model folder"));
  m_open->setVisible(s.model != ModelState::Loading);
  m_retry->setText(tr("Try Again"));
  m_retry->setAccessibleName(tr("Try loading the model again"));
  m_retry->setVisible(s.model == ModelState::Failed);
  m_useCpu->setText(tr("Use the CPU Backend"));
  m_useCpu->setAccessibleName(tr("Use the CPU backend"));
  m_useCpu->setVisible(!s.cuda.available && !s.usingCpu && s.model != ModelState::Loading);
  m_cancel->setText(tr("Cancel"));
  m_cancel->setAccessibleName(tr("Cancel loading the model"));
  m_cancel->setVisible(s.model == ModelState::Loading);
  m_title->setAccessibleName(m_title->text());
  m_body->setAccessibleName(tr("Model status"));
  m_gpu->setAccessibleName(tr("Graphics card status"));
  setAccessibleName(tr("Model status"));
}

}  // namespace qwenvl::ui
