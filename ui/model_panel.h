// The strip above the chat that speaks about the model until it is ready: on first start how
// to get Qwen-VL-Chat-Int4 and where to point the app (the app never downloads anything),
// that the CPU backend is there when no GPU can be used, the load progress with Cancel, and
// a failed load's message.
#pragma once

#include <QFrame>

#include "app/chat_controller.h"
#include "app/engine_bridge.h"

class QLabel;
class QProgressBar;
class QPushButton;

namespace qwenvl::ui {

class ModelPanel : public QFrame {
  Q_OBJECT
 public:
  explicit ModelPanel(QWidget* parent = nullptr);

  struct State {
    app::ModelState model = app::ModelState::None;
    QString modelDir;
    QString error;
    double fraction = 0;
    QString stage;
    app::CudaStatus cuda;
    bool usingCpu = false;
    app::CpuSpeedEstimate cpuSpeed;  // without a GPU: the speed measured on this CPU
    bool cpuSpeedPending = false;
  };
  void setState(const State& state);

  QPushButton* openButton() const { return m_open; }
  QPushButton* cancelButton() const { return m_cancel; }
  QPushButton* cpuButton() const { return m_useCpu; }
  QString text() const;

 signals:
  void openModelRequested();
  void cancelRequested();
  void useCpuRequested();
  void retryRequested();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void retranslateUi();
  State m_state;
  QLabel* m_title;
  QLabel* m_body;
  QLabel* m_gpu;
  QProgressBar* m_progress;
  QPushButton* m_open;
  QPushButton* m_retry;
  QPushButton* m_useCpu;
  QPushButton* m_cancel;
};

}  // namespace qwenvl::ui
