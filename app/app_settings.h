// Typed settings over QSettings: every key, its type and its default live here and nowhere
// else. Defaults for sampling are generation_config.json's (top_p 0.5, top_k 0, 512 tokens);
// sampling values are kept within the engine's limits (qwenvl::clamp_sampling) on the way in
// and out, so a hand-edited file cannot make every reply fail. Top-p 0 and temperature 0 are
// valid and mean greedy, as in the engine.
#pragma once

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <QVariantHash>
#include <memory>

#include "app/remote_chat_backend.h"
#include "qwenvl/engine.h"

namespace qwenvl::app {

struct SamplingSettings {
  bool greedy = false;
  double temperature = 1.0;
  double topP = 0.5;
  int topK = 0;
  double repetitionPenalty = 1.0;
  int maxNewTokens = 512;
  bool fixedSeed = false;  // false: a fresh seed for every reply
  quint64 seed = 0;

  bool operator==(const SamplingSettings&) const = default;
  // The engine's parameters; `randomSeed` is used when the seed is not fixed.
  SamplingParams toParams(quint64 randomSeed) const;
};

enum class BackendChoice { Cuda, Cpu };
// The app's own colours, whatever the desktop's theme.
enum class ThemeChoice { System, Light, Dark };

class AppSettings {
 public:
  // Uses the application's QSettings (organisation and application names) by default.
  AppSettings();
  // For tests: settings kept in one INI file.
  explicit AppSettings(const QString& iniFile);
  // Settings that live in memory only and are never written anywhere (kiosk mode).
  static std::unique_ptr<AppSettings> memoryOnly();
  bool isMemoryOnly() const { return !m_settings; }

  QString modelDir() const;
  void setModelDir(const QString& dir);
  BackendChoice backend() const;  // defaults to CUDA; the app falls back when there is no GPU
  bool backendChosen() const;     // the user picked one (first start asks otherwise)
  void setBackend(BackendChoice backend);
  int cpuThreads() const;  // 0: one per hardware thread
  void setCpuThreads(int threads);
  // The CUDA backend's low-memory mode always (LoadOptions::low_memory: the vision tower stays
  // in host memory and is streamed to the GPU for each picture). Off by default, where the
  // engine still chooses it by itself when the card has too little free memory.
  bool lowMemory() const;
  void setLowMemory(bool on);
  // An OpenAI-compatible server to use instead of the local engine (its URL empty: none).
  RemoteServer server() const;
  void setServer(const RemoteServer& server);

  SamplingSettings sampling() const;
  void setSampling(const SamplingSettings& s);
  QString systemPrompt() const;
  void setSystemPrompt(const QString& prompt);

  QString language() const;  // "en" or "zh_CN"; first start follows the system locale
  void setLanguage(const QString& code);
  static QStringList languages();

  ThemeChoice theme() const;
  void setTheme(ThemeChoice theme);
  // The text size in points; 0: the desktop's.
  int fontPoints() const;
  void setFontPoints(int points);
  static constexpr int kMinFontPoints = 7;
  static constexpr int kMaxFontPoints = 28;

  bool showBoxes() const;
  void setShowBoxes(bool show);
  bool restoreLastConversation() const;
  void setRestoreLastConversation(bool restore);
  // The library file of the conversation shown last (restored at the next start).
  QString currentConversation() const;
  void setCurrentConversation(const QString& path);
  QString lastFolder() const;  // where the last file dialog was
  void setLastFolder(const QString& dir);

  QByteArray windowGeometry() const;
  void setWindowGeometry(const QByteArray& g);
  QByteArray windowState() const;
  void setWindowState(const QByteArray& s);
  QByteArray splitterState() const;
  void setSplitterState(const QByteArray& s);

  void sync();
  QString fileName() const;  // empty when memory only

 private:
  struct MemoryOnly {};
  explicit AppSettings(MemoryOnly);
  QVariant get(const char* key, const QVariant& fallback = {}) const;
  void set(const char* key, const QVariant& value);
  bool has(const char* key) const;

  std::unique_ptr<QSettings> m_settings;  // null: memory only
  QVariantHash m_memory;
};

}  // namespace qwenvl::app
