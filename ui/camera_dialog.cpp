// The camera dialog; see camera_dialog.h.
#include "ui/camera_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "app/camera_source.h"

namespace qwenvl::ui {

CameraDialog::CameraDialog(std::unique_ptr<app::CameraSource> camera, QWidget* parent)
    : QDialog(parent), m_camera(std::move(camera)) {
  setWindowTitle(tr("Take a Picture"));
  auto* layout = new QVBoxLayout(this);
  m_preview = new QLabel(this);
  m_preview->setAlignment(Qt::AlignCenter);
  m_preview->setMinimumSize(480, 360);
  m_preview->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  m_status = new QLabel(this);
  m_status->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  m_take = buttons->addButton(tr("Take the Picture"), QDialogButtonBox::AcceptRole);
  m_take->setDefault(true);
  layout->addWidget(m_preview, 1);
  layout->addWidget(m_status);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  disconnect(buttons, &QDialogButtonBox::accepted, nullptr, nullptr);
  connect(m_take, &QPushButton::clicked, this, [this] {
    m_status->clear();
    m_camera->capture();
  });
  connect(m_camera.get(), &app::CameraSource::previewFrame, this, [this](const QImage& frame) {
    m_preview->setPixmap(QPixmap::fromImage(frame.scaled(m_preview->size(), Qt::KeepAspectRatio)));
  });
  connect(m_camera.get(), &app::CameraSource::captured, this, [this](const QImage& frame) {
    m_frame = frame;
    accept();
  });
  connect(m_camera.get(), &app::CameraSource::failed, this,
          [this](const QString& message) { m_status->setText(tr("The camera did not work: %1").arg(message)); });
  if (m_camera->isAvailable()) {
    m_camera->start();
  } else {
    m_status->setText(m_camera->description());
    m_take->setEnabled(false);
  }
}

CameraDialog::~CameraDialog() {
  if (m_camera) m_camera->stop();
}

}  // namespace qwenvl::ui
