// Kiosk test set-up; see kiosk_test_support.h.
#include "kiosk_test_support.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QTest>

#include "app/chat_controller.h"
#include "fixture_picture.h"
#include "ui/kiosk/kiosk_lockdown.h"

namespace qwenvl::test {

QImage FakeCamera::frame() {
  QImage image(333, 251, QImage::Format_RGB888);
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) image.setPixel(x, y, qRgb(x % 256, y % 256, (x * y) % 256));
  QPainter p(&image);
  p.fillRect(100, 80, 60, 50, QColor(250, 20, 30));
  return image;
}

namespace {
class RecordingBackend : public app::ChatBackend {
 public:
  RecordingBackend(std::unique_ptr<app::ChatBackend> inner, std::shared_ptr<SessionLog> log)
      : m_inner(std::move(inner)), m_log(std::move(log)) {}
  Status load(const LoadOptions& o) override { return m_inner->load(o); }
  std::string device_description() const override { return m_inner->device_description(); }
  void set_system_prompt(std::string p) override { m_inner->set_system_prompt(std::move(p)); }
  Result<PictureInfo> add_picture(std::shared_ptr<const Picture> picture, std::string_view label) override {
    std::lock_guard<std::mutex> lock(m_log->mutex);
    m_log->picturesAdded.push_back(++m_log->pictures);
    return m_inner->add_picture(std::move(picture), label);
  }
  const PictureInfo* picture(PictureId id) const override { return m_inner->picture(id); }
  const std::vector<Turn>& history() const override { return m_inner->history(); }
  void set_history(std::vector<Turn> h) override { m_inner->set_history(std::move(h)); }
  Result<Turn> pop_last_turn() override { return m_inner->pop_last_turn(); }
  void clear() override {
    {
      std::lock_guard<std::mutex> lock(m_log->mutex);
      m_log->pictures = 0;
    }
    m_inner->clear();
  }
  Result<std::string> generate(const std::string& q, const SamplingParams& p, const app::TextFn& on_text,
                               const std::atomic<bool>* cancel, GenerationStats* stats) override {
    {
      std::lock_guard<std::mutex> lock(m_log->mutex);
      m_log->historyAtGenerate.push_back(m_inner->history().size());
    }
    return m_inner->generate(q, p, on_text, cancel, stats);
  }

 private:
  std::unique_ptr<app::ChatBackend> m_inner;
  std::shared_ptr<SessionLog> m_log;
};
}  // namespace

app::BackendFactory recordingFactory(app::BackendFactory inner, std::shared_ptr<SessionLog> log) {
  return
      [inner, log]() -> std::unique_ptr<app::ChatBackend> { return std::make_unique<RecordingBackend>(inner(), log); };
}

KioskConfigFiles::KioskConfigFiles() {
  pictures = dir.filePath(QStringLiteral("pictures"));
  QDir().mkpath(pictures);
  for (const QString& name : {QStringLiteral("astronaut.png"), QStringLiteral("chelsea.png")})
    QFile::copy(fixturePicture(name), pictures + QLatin1Char('/') + name);
  path = dir.filePath(QStringLiteral("kiosk.json"));
}

QString KioskConfigFiles::write(const QJsonObject& extra) {
  QJsonObject o{
      {QStringLiteral("model"),
       QJsonObject{{QStringLiteral("folder"), dir.path()}, {QStringLiteral("backend"), QStringLiteral("cpu")}}},
      {QStringLiteral("languages"), QJsonArray{QStringLiteral("en"), QStringLiteral("zh_CN")}},
      {QStringLiteral("idle"),
       QJsonObject{{QStringLiteral("timeout_seconds"), 60}, {QStringLiteral("warning_seconds"), 10}}},
      {QStringLiteral("attract"),
       QJsonObject{
           {QStringLiteral("items"),
            QJsonArray{QJsonObject{
                {QStringLiteral("picture"), QStringLiteral("pictures/chelsea.png")},
                {QStringLiteral("reply"), QStringLiteral("<ref>A cat</ref><box>(100,100),(600,900)</box>")},
                {QStringLiteral("caption"), QJsonObject{{QStringLiteral("en"), QStringLiteral("A cat")},
                                                        {QStringLiteral("zh_CN"), QStringLiteral("一只猫")}}}}}}}},
      {QStringLiteral("questions"),
       QJsonArray{QJsonObject{{QStringLiteral("en"), QStringLiteral("What is this?")},
                              {QStringLiteral("zh_CN"), QStringLiteral("这是什么？")}},
                  QJsonObject{{QStringLiteral("en"), QStringLiteral("Find all the people")}}}},
      {QStringLiteral("visitor"), QJsonObject{{QStringLiteral("camera"), true},
                                              {QStringLiteral("typing"), true},
                                              {QStringLiteral("picture_folder"), QStringLiteral("pictures")}}},
      {QStringLiteral("admin"), QJsonObject{{QStringLiteral("pin_hash"), app::kiosk_pin::hash(kKioskPin, 1000)}}},
      {QStringLiteral("branding"),
       QJsonObject{{QStringLiteral("title"), QJsonObject{{QStringLiteral("en"), QStringLiteral("Ask the robot")},
                                                         {QStringLiteral("zh_CN"), QStringLiteral("问问机器人")}}},
                   {QStringLiteral("accent"), QStringLiteral("#d62728")}}}};
  for (auto it = extra.begin(); it != extra.end(); ++it) o.insert(it.key(), it.value());
  QFile f(path);
  f.open(QIODevice::WriteOnly | QIODevice::Truncate);
  f.write(QJsonDocument(o).toJson());
  return path;
}

Kiosk::Kiosk(const app::KioskConfig& config, app::BackendFactory factory, bool cameraAvailable) {
  settings->setBackend(app::BackendChoice::Cpu);
  language->setLanguage(config.languages.value(0));
  app::StudioAppOptions options;
  options.settings = settings.get();
  options.language = language.get();
  options.backendFactory = std::move(factory);
  studio = std::make_unique<app::StudioApp>(options);
  controller = std::make_unique<app::KioskController>(studio.get(), config);
  controller->setIdleTimerEnabled(false);
  controller->setClock([this] { return now; });
  camera = std::make_unique<FakeCamera>(cameraAvailable);
  window = std::make_unique<ui::KioskWindow>(controller.get(), camera.get());
  window->lockdown()->setClock([this] { return now; });
  window->resize(1280, 800);
  window->show();
  if (!QTest::qWaitForWindowExposed(window.get())) qWarning("the kiosk window was not exposed");
  studio->loadModel(config.modelDir);
}

Kiosk::~Kiosk() {
  window.reset();
  controller.reset();
  studio.reset();
}

void Kiosk::advance(qint64 ms) {
  now += ms;
  controller->checkIdle();
}

bool Kiosk::waitForModel(int timeoutMs) {
  return QTest::qWaitFor([this] { return studio->controller()->modelState() == app::ModelState::Ready; }, timeoutMs);
}

}  // namespace qwenvl::test
