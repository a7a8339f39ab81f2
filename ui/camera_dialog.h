// "Take a Picture": the camera's live preview and a button that captures one frame. The frame
// joins the conversation as PNG bytes through the same decoder as a file (app::cameraPicture),
// so what the model sees is what was shown.
#pragma once

#include <QDialog>
#include <QImage>
#include <memory>

class QLabel;
class QPushButton;

namespace qwenvl::app {
class CameraSource;
}

namespace qwenvl::ui {

class CameraDialog : public QDialog {
  Q_OBJECT
 public:
  // Takes `camera` (the system's, or a test's fake).
  CameraDialog(std::unique_ptr<app::CameraSource> camera, QWidget* parent = nullptr);
  ~CameraDialog() override;
  QImage frame() const { return m_frame; }  // the captured frame once accepted
  QPushButton* takeButton() const { return m_take; }

 private:
  std::unique_ptr<app::CameraSource> m_camera;
  QLabel* m_preview;
  QLabel* m_status;
  QPushButton* m_take;
  QImage m_frame;
};

}  // namespace qwenvl::ui
