// The system camera through Qt Multimedia; see camera_source.h.
#include "app/camera_source.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QElapsedTimer>

#if QWENVL_HAVE_MULTIMEDIA
#include <QCamera>
#include <QImageCapture>
#include <QMediaCaptureSession>
#include <QMediaDevices>
#include <QVideoFrame>
#include <QVideoSink>
#endif

namespace qwenvl::app {

PictureSource cameraPicture(const QImage& frame, int index) {
  PictureSource s;
  QBuffer buffer(&s.bytes);
  buffer.open(QIODevice::WriteOnly);
  frame.convertToFormat(QImage::Format_RGB888).save(&buffer, "PNG");
  s.name = QCoreApplication::translate("CameraSource", "Camera picture %1.png").arg(index);
  return s;
}

namespace {

class NoCamera : public CameraSource {
 public:
  NoCamera(QString why, QObject* parent) : CameraSource(parent), m_why(std::move(why)) {}
  bool isAvailable() const override { return false; }
  QString description() const override { return m_why; }
  void start() override {}
  void stop() override {}
  bool isActive() const override { return false; }
  void capture() override { emit failed(m_why); }

 private:
  QString m_why;
};

#if QWENVL_HAVE_MULTIMEDIA
class QtCamera : public CameraSource {
 public:
  QtCamera(const QCameraDevice& device, QObject* parent)
      : CameraSource(parent), m_device(device), m_camera(device), m_capture() {
    m_session.setCamera(&m_camera);
    m_session.setImageCapture(&m_capture);
    m_session.setVideoSink(&m_sink);
    connect(&m_sink, &QVideoSink::videoFrameChanged, this, [this](const QVideoFrame& frame) {
      // Previews at most ~15 times a second; each is converted on the GUI thread.
      if (m_previewClock.isValid() && m_previewClock.elapsed() < 66) return;
      m_previewClock.start();
      const QImage image = frame.toImage();
      if (!image.isNull()) emit previewFrame(image);
    });
    connect(&m_capture, &QImageCapture::imageCaptured, this,
            [this](int, const QImage& image) { emit captured(image); });
    connect(&m_capture, &QImageCapture::errorOccurred, this,
            [this](int, QImageCapture::Error, const QString& message) { emit failed(message); });
    connect(&m_camera, &QCamera::errorOccurred, this,
            [this](QCamera::Error, const QString& message) { emit failed(message); });
  }
  bool isAvailable() const override { return true; }
  QString description() const override { return m_device.description(); }
  void start() override { m_camera.start(); }
  void stop() override { m_camera.stop(); }
  bool isActive() const override { return m_camera.isActive(); }
  void capture() override {
    if (!m_capture.isReadyForCapture()) {
      emit failed(QCoreApplication::translate("CameraSource", "The camera is not ready yet."));
      return;
    }
    m_capture.capture();  // in memory only: captureToFile is never used
  }

 private:
  QCameraDevice m_device;
  QCamera m_camera;
  QImageCapture m_capture;
  QMediaCaptureSession m_session;
  QVideoSink m_sink;
  QElapsedTimer m_previewClock;
};
#endif

}  // namespace

bool hasCamera() {
#if QWENVL_HAVE_MULTIMEDIA
  return !QMediaDevices::videoInputs().isEmpty();
#else
  return false;
#endif
}

std::unique_ptr<CameraSource> systemCamera(QObject* parent) {
#if QWENVL_HAVE_MULTIMEDIA
  const QCameraDevice device = QMediaDevices::defaultVideoInput();
  if (device.isNull())
    return std::make_unique<NoCamera>(QCoreApplication::translate("CameraSource", "No camera was found."), parent);
  return std::make_unique<QtCamera>(device, parent);
#else
  return std::make_unique<NoCamera>(
      QCoreApplication::translate("CameraSource", "This build has no camera support (Qt Multimedia)."), parent);
#endif
}

}  // namespace qwenvl::app
