// A camera as a source of pictures: live preview frames and one captured frame on request.
// The captured frame goes into the conversation as PNG bytes through the same decoder as a
// file (cameraPicture), so what the model sees is what is shown. The system camera is Qt
// Multimedia's (QCamera + QMediaCaptureSession + QImageCapture, preview through a QVideoSink);
// tests use a fake that implements the same interface.
#pragma once

#include <QImage>
#include <QObject>
#include <QString>
#include <memory>

#include "app/picture_importer.h"

namespace qwenvl::app {

class CameraSource : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;
  ~CameraSource() override = default;

  virtual bool isAvailable() const = 0;
  virtual QString description() const = 0;  // the camera's name, for the log
  virtual void start() = 0;                 // preview frames follow
  virtual void stop() = 0;
  virtual bool isActive() const = 0;
  virtual void capture() = 0;  // one frame: captured() or failed()

 signals:
  void previewFrame(const QImage& frame);
  void captured(const QImage& frame);
  void failed(const QString& message);
};

// The captured frame as a picture for the importer: encoded as PNG bytes (lossless), so it is
// decoded exactly like a PNG file. `index` numbers the pictures of one visit.
PictureSource cameraPicture(const QImage& frame, int index);

// Whether the system has a camera (without opening it).
bool hasCamera();

// The default camera of the system, or one that is not available (no camera, or the app was
// built without Qt Multimedia); the reason is in description().
std::unique_ptr<CameraSource> systemCamera(QObject* parent = nullptr);

}  // namespace qwenvl::app
