// Typed settings; see app_settings.h.
#include "app/app_settings.h"

#include <QLocale>
#include <cmath>

#include "qwenvl/sampling.h"

namespace qwenvl::app {

namespace {
const char* kModelDir = "model/dir";
const char* kBackend = "model/backend";
const char* kCpuThreads = "model/cpuThreads";
const char* kLowMemory = "model/lowMemory";
const char* kServerUrl = "server/url";
const char* kServerKey = "server/apiKey";
const char* kServerModel = "server/model";
const char* kServerTimeout = "server/timeoutMs";
const char* kGreedy = "sampling/greedy";
const char* kTemperature = "sampling/temperature";
const char* kTopP = "sampling/topP";
const char* kTopK = "sampling/topK";
const char* kRepetition = "sampling/repetitionPenalty";
const char* kMaxNew = "sampling/maxNewTokens";
const char* kFixedSeed = "sampling/fixedSeed";
const char* kSeed = "sampling/seed";
const char* kSystemPrompt = "chat/systemPrompt";
const char* kRestore = "chat/restoreLast";
const char* kCurrentConversation = "chat/currentConversation";
const char* kLanguage = "ui/language";
const char* kShowBoxes = "ui/showBoxes";
const char* kTheme = "ui/theme";
const char* kFontPoints = "ui/fontPoints";
const char* kLastFolder = "ui/lastFolder";
const char* kGeometry = "window/geometry";
const char* kState = "window/state";
const char* kSplitter = "window/splitter";
// Brings every value into the engine's limits (qwenvl::clamp_sampling, NaN to the default),
// then back to the decimals the settings are edited with, so 0.95 stays 0.95 after float.
SamplingSettings clamped(SamplingSettings s) {
  const SamplingParams p = clamp_sampling(s.toParams(s.seed));
  const SamplingLimits& limits = sampling_limits();
  auto round = [](float v, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(static_cast<double>(v) * scale) / scale;
  };
  s.temperature = round(p.temperature, limits.temperature.decimals);
  s.topP = round(p.top_p, limits.top_p.decimals);
  s.topK = p.top_k;
  s.repetitionPenalty = round(p.repetition_penalty, limits.repetition_penalty.decimals);
  s.maxNewTokens = p.max_new_tokens;
  return s;
}

}  // namespace

SamplingParams SamplingSettings::toParams(quint64 randomSeed) const {
  SamplingParams p;
  p.do_sample = !greedy;
  p.temperature = static_cast<float>(temperature);
  p.top_p = static_cast<float>(topP);
  p.top_k = topK;
  p.repetition_penalty = static_cast<float>(repetitionPenalty);
  p.max_new_tokens = maxNewTokens;
  p.seed = fixedSeed ? seed : randomSeed;
  return p;
}

AppSettings::AppSettings() : m_settings(std::make_unique<QSettings>()) {}

AppSettings::AppSettings(const QString& iniFile)
    : m_settings(std::make_unique<QSettings>(iniFile, QSettings::IniFormat)) {}

QString AppSettings::modelDir() const { return get(kModelDir).toString(); }
void AppSettings::setModelDir(const QString& dir) { set(kModelDir, dir); }

BackendChoice AppSettings::backend() const {
  return get(kBackend, QStringLiteral("cuda")).toString() == QLatin1String("cpu") ? BackendChoice::Cpu
                                                                                  : BackendChoice::Cuda;
}
bool AppSettings::backendChosen() const { return has(kBackend); }
void AppSettings::setBackend(BackendChoice backend) {
  set(kBackend, backend == BackendChoice::Cpu ? QStringLiteral("cpu") : QStringLiteral("cuda"));
}

int AppSettings::cpuThreads() const { return qBound(0, get(kCpuThreads, 0).toInt(), 1024); }
void AppSettings::setCpuThreads(int threads) { set(kCpuThreads, threads); }

bool AppSettings::lowMemory() const { return get(kLowMemory, false).toBool(); }
void AppSettings::setLowMemory(bool on) { set(kLowMemory, on); }

RemoteServer AppSettings::server() const {
  RemoteServer s;
  s.url = get(kServerUrl).toString().trimmed();
  s.apiKey = get(kServerKey).toString();
  s.model = get(kServerModel).toString().trimmed();
  bool ok = false;
  const int timeout = get(kServerTimeout).toInt(&ok);
  if (ok && timeout >= 1000) s.timeoutMs = timeout;
  return s;
}

void AppSettings::setServer(const RemoteServer& server) {
  set(kServerUrl, server.url.trimmed());
  set(kServerKey, server.apiKey);
  set(kServerModel, server.model.trimmed());
  if (server.timeoutMs != RemoteServer{}.timeoutMs || has(kServerTimeout)) set(kServerTimeout, server.timeoutMs);
}

SamplingSettings AppSettings::sampling() const {
  SamplingSettings d;
  SamplingSettings s;
  s.greedy = get(kGreedy, d.greedy).toBool();
  s.temperature = get(kTemperature, d.temperature).toDouble();
  s.topP = get(kTopP, d.topP).toDouble();
  s.topK = get(kTopK, d.topK).toInt();
  s.repetitionPenalty = get(kRepetition, d.repetitionPenalty).toDouble();
  s.maxNewTokens = get(kMaxNew, d.maxNewTokens).toInt();
  s.fixedSeed = get(kFixedSeed, d.fixedSeed).toBool();
  s.seed = get(kSeed, d.seed).toULongLong();
  return clamped(s);
}

void AppSettings::setSampling(const SamplingSettings& given) {
  const SamplingSettings s = clamped(given);
  set(kGreedy, s.greedy);
  set(kTemperature, s.temperature);
  set(kTopP, s.topP);
  set(kTopK, s.topK);
  set(kRepetition, s.repetitionPenalty);
  set(kMaxNew, s.maxNewTokens);
  set(kFixedSeed, s.fixedSeed);
  set(kSeed, s.seed);
}

QString AppSettings::systemPrompt() const {
  return get(kSystemPrompt, QString::fromLatin1(ChatSession::kDefaultSystemPrompt)).toString();
}
void AppSettings::setSystemPrompt(const QString& prompt) { set(kSystemPrompt, prompt); }

QStringList AppSettings::languages() { return {QStringLiteral("en"), QStringLiteral("zh_CN")}; }

QString AppSettings::language() const {
  const QString stored = get(kLanguage).toString();
  if (languages().contains(stored)) return stored;
  return QLocale().language() == QLocale::Chinese ? QStringLiteral("zh_CN") : QStringLiteral("en");
}
void AppSettings::setLanguage(const QString& code) { set(kLanguage, code); }

ThemeChoice AppSettings::theme() const {
  const QString t = get(kTheme).toString();
  if (t == QLatin1String("light")) return ThemeChoice::Light;
  if (t == QLatin1String("dark")) return ThemeChoice::Dark;
  return ThemeChoice::System;
}
void AppSettings::setTheme(ThemeChoice theme) {
  set(kTheme, theme == ThemeChoice::Light  ? QStringLiteral("light")
              : theme == ThemeChoice::Dark ? QStringLiteral("dark")
                                           : QStringLiteral("system"));
}

int AppSettings::fontPoints() const {
  const int p = get(kFontPoints, 0).toInt();
  return p == 0 ? 0 : qBound(kMinFontPoints, p, kMaxFontPoints);
}
void AppSettings::setFontPoints(int points) {
  set(kFontPoints, points == 0 ? 0 : qBound(kMinFontPoints, points, kMaxFontPoints));
}

bool AppSettings::showBoxes() const { return get(kShowBoxes, true).toBool(); }
void AppSettings::setShowBoxes(bool show) { set(kShowBoxes, show); }

bool AppSettings::restoreLastConversation() const { return get(kRestore, true).toBool(); }
void AppSettings::setRestoreLastConversation(bool restore) { set(kRestore, restore); }
QString AppSettings::currentConversation() const { return get(kCurrentConversation).toString(); }
void AppSettings::setCurrentConversation(const QString& path) { set(kCurrentConversation, path); }

QString AppSettings::lastFolder() const { return get(kLastFolder).toString(); }
void AppSettings::setLastFolder(const QString& dir) { set(kLastFolder, dir); }

QByteArray AppSettings::windowGeometry() const { return get(kGeometry).toByteArray(); }
void AppSettings::setWindowGeometry(const QByteArray& g) { set(kGeometry, g); }
QByteArray AppSettings::windowState() const { return get(kState).toByteArray(); }
void AppSettings::setWindowState(const QByteArray& s) { set(kState, s); }
QByteArray AppSettings::splitterState() const { return get(kSplitter).toByteArray(); }
void AppSettings::setSplitterState(const QByteArray& s) { set(kSplitter, s); }

AppSettings::AppSettings(MemoryOnly) {}

std::unique_ptr<AppSettings> AppSettings::memoryOnly() {
  return std::unique_ptr<AppSettings>(new AppSettings(MemoryOnly{}));
}

QVariant AppSettings::get(const char* key, const QVariant& fallback) const {
  if (!m_settings) return m_memory.value(QLatin1String(key), fallback);
  return m_settings->value(QLatin1String(key), fallback);
}

void AppSettings::set(const char* key, const QVariant& value) {
  if (!m_settings)
    m_memory.insert(QLatin1String(key), value);
  else
    m_settings->setValue(QLatin1String(key), value);
}

bool AppSettings::has(const char* key) const {
  return m_settings ? m_settings->contains(QLatin1String(key)) : m_memory.contains(QLatin1String(key));
}

void AppSettings::sync() {
  if (m_settings) m_settings->sync();
}
QString AppSettings::fileName() const { return m_settings ? m_settings->fileName() : QString(); }

}  // namespace qwenvl::app
