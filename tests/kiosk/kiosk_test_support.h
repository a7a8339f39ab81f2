// Shared set-up for the kiosk tests: a kiosk configuration written into a temporary folder
// (picture folder with copies of the fixture pictures, a PIN hash), a fake camera, a backend
// wrapper that records the engine session's history at each question, and the kiosk itself
// (memory-only settings, no library: as `qwenvl-studio --kiosk` composes it).
#pragma once

#include <QImage>
#include <QJsonObject>
#include <QTemporaryDir>
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "app/camera_source.h"
#include "app/chat_backend.h"
#include "app/kiosk/kiosk_config.h"
#include "app/kiosk/kiosk_controller.h"
#include "app/language_manager.h"
#include "app/studio_app.h"
#include "ui/kiosk/kiosk_window.h"

namespace qwenvl::test {

inline const QString kKioskPin = QStringLiteral("2468");

class FakeCamera : public app::CameraSource {
 public:
  explicit FakeCamera(bool available) : m_available(available) {}
  bool isAvailable() const override { return m_available; }
  QString description() const override { return QStringLiteral("fake camera"); }
  void start() override {
    m_active = true;
    emit previewFrame(frame());
  }
  void stop() override { m_active = false; }
  bool isActive() const override { return m_active; }
  void capture() override { emit captured(frame()); }
  // A picture no file holds: gradients and a square, odd size.
  static QImage frame();

 private:
  bool m_available;
  bool m_active = false;
};

// What the session held each time a question reached the backend.
struct SessionLog {
  std::mutex mutex;
  std::vector<size_t> historyAtGenerate;
  std::vector<size_t> picturesAdded;  // running count of add_picture since the last clear
  size_t pictures = 0;
};

// Wraps a backend and records into `log`; everything else is passed through.
app::BackendFactory recordingFactory(app::BackendFactory inner, std::shared_ptr<SessionLog> log);

struct KioskConfigFiles {
  QTemporaryDir dir;
  QString pictures;  // the picture folder
  QString path;      // kiosk.json
  KioskConfigFiles();
  // Writes kiosk.json with `extra` merged over a working configuration (top-level keys).
  QString write(const QJsonObject& extra = {});
};

struct Kiosk {
  std::unique_ptr<app::AppSettings> settings = app::AppSettings::memoryOnly();
  std::unique_ptr<app::LanguageManager> language = std::make_unique<app::LanguageManager>();
  std::unique_ptr<app::StudioApp> studio;
  std::unique_ptr<app::KioskController> controller;
  std::unique_ptr<FakeCamera> camera;
  std::unique_ptr<ui::KioskWindow> window;
  qint64 now = 1000;  // the controller's and the lockdown's clock, in ms

  Kiosk(const app::KioskConfig& config, app::BackendFactory factory, bool cameraAvailable = true);
  ~Kiosk();
  void advance(qint64 ms);  // moves the clock and lets the controller look at it
  bool waitForModel(int timeoutMs = 10000);
};

}  // namespace qwenvl::test
