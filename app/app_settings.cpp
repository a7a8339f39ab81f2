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

QString AppSettings::modelDir() const { return m_settings->value(kModelDir).toString(); }
void AppSettings::setModelDir(const QString& dir) { m_settings->setValue(kModelDir, dir); }

BackendChoice AppSettings::backend() const {
  return m_settings->value(kBackend, QStringLiteral("cuda")).toString() == QLatin1String("cpu") ? BackendChoice::Cpu
                                                                                                : BackendChoice::Cuda;
}
bool AppSettings::backendChosen() const { return m_settings->contains(kBackend); }
void AppSettings::setBackend(BackendChoice backend) {
  m_settings->setValue(kBackend, backend == BackendChoice::Cpu ? QStringLiteral("cpu") : QStringLiteral("cuda"));
}

int AppSettings::cpuThreads() const { return qBound(0, m_settings->value(kCpuThreads, 0).toInt(), 1024); }
void AppSettings::setCpuThreads(int threads) { m_settings->setValue(kCpuThreads, threads); }

SamplingSettings AppSettings::sampling() const {
  SamplingSettings d;
  SamplingSettings s;
  s.greedy = m_settings->value(kGreedy, d.greedy).toBool();
  s.temperature = m_settings->value(kTemperature, d.temperature).toDouble();
  s.topP = m_settings->value(kTopP, d.topP).toDouble();
  s.topK = m_settings->value(kTopK, d.topK).toInt();
  s.repetitionPenalty = m_settings->value(kRepetition, d.repetitionPenalty).toDouble();
  s.maxNewTokens = m_settings->value(kMaxNew, d.maxNewTokens).toInt();
  s.fixedSeed = m_settings->value(kFixedSeed, d.fixedSeed).toBool();
  s.seed = m_settings->value(kSeed, d.seed).toULongLong();
  return clamped(s);
}

void AppSettings::setSampling(const SamplingSettings& given) {
  const SamplingSettings s = clamped(given);
  m_settings->setValue(kGreedy, s.greedy);
  m_settings->setValue(kTemperature, s.temperature);
  m_settings->setValue(kTopP, s.topP);
  m_settings->setValue(kTopK, s.topK);
  m_settings->setValue(kRepetition, s.repetitionPenalty);
  m_settings->setValue(kMaxNew, s.maxNewTokens);
  m_settings->setValue(kFixedSeed, s.fixedSeed);
  m_settings->setValue(kSeed, s.seed);
}

QString AppSettings::systemPrompt() const {
  return m_settings->value(kSystemPrompt, QString::fromLatin1(ChatSession::kDefaultSystemPrompt)).toString();
}
void AppSettings::setSystemPrompt(const QString& prompt) { m_settings->setValue(kSystemPrompt, prompt); }

QStringList AppSettings::languages() { return {QStringLiteral("en"), QStringLiteral("zh_CN")}; }

QString AppSettings::language() const {
  const QString stored = m_settings->value(kLanguage).toString();
  if (languages().contains(stored)) return stored;
  return QLocale().language() == QLocale::Chinese ? QStringLiteral("zh_CN") : QStringLiteral("en");
}
void AppSettings::setLanguage(const QString& code) { m_settings->setValue(kLanguage, code); }

ThemeChoice AppSettings::theme() const {
  const QString t = m_settings->value(kTheme).toString();
  if (t == QLatin1String("light")) return ThemeChoice::Light;
  if (t == QLatin1String("dark")) return ThemeChoice::Dark;
  return ThemeChoice::System;
}
void AppSettings::setTheme(ThemeChoice theme) {
  m_settings->setValue(kTheme, theme == ThemeChoice::Light  ? QStringLiteral("light")
                               : theme == ThemeChoice::Dark ? QStringLiteral("dark")
                                                            : QStringLiteral("system"));
}

int AppSettings::fontPoints() const {
  const int p = m_settings->value(kFontPoints, 0).toInt();
  return p == 0 ? 0 : qBound(kMinFontPoints, p, kMaxFontPoints);
}
void AppSettings::setFontPoints(int points) {
  m_settings->setValue(kFontPoints, points == 0 ? 0 : qBound(kMinFontPoints, points, kMaxFontPoints));
}

bool AppSettings::showBoxes() const { return m_settings->value(kShowBoxes, true).toBool(); }
void AppSettings::setShowBoxes(bool show) { m_settings->setValue(kShowBoxes, show); }

bool AppSettings::restoreLastConversation() const { return m_settings->value(kRestore, true).toBool(); }
void AppSettings::setRestoreLastConversation(bool restore) { m_settings->setValue(kRestore, restore); }
QString AppSettings::currentConversation() const { return m_settings->value(kCurrentConversation).toString(); }
void AppSettings::setCurrentConversation(const QString& path) { m_settings->setValue(kCurrentConversation, path); }

QString AppSettings::lastFolder() const { return m_settings->value(kLastFolder).toString(); }
void AppSettings::setLastFolder(const QString& dir) { m_settings->setValue(kLastFolder, dir); }

QByteArray AppSettings::windowGeometry() const { return m_settings->value(kGeometry).toByteArray(); }
void AppSettings::setWindowGeometry(const QByteArray& g) { m_settings->setValue(kGeometry, g); }
QByteArray AppSettings::windowState() const { return m_settings->value(kState).toByteArray(); }
void AppSettings::setWindowState(const QByteArray& s) { m_settings->setValue(kState, s); }
QByteArray AppSettings::splitterState() const { return m_settings->value(kSplitter).toByteArray(); }
void AppSettings::setSplitterState(const QByteArray& s) { m_settings->setValue(kSplitter, s); }

void AppSettings::sync() { m_settings->sync(); }
QString AppSettings::fileName() const { return m_settings->fileName(); }

}  // namespace qwenvl::app
