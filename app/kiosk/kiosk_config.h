// The kiosk's configuration: one JSON file, system-wide (/etc/qwenvl-studio/kiosk.json, read-only
// to the kiosk user), described in docs/kiosk.md. Reading never throws and never shows a dialog:
// a missing or wrong file gives an error naming the file and the field, which the kiosk shows
// full screen. Paths in the file are relative to its folder. The admin PIN is stored only as a
// salted, iterated hash (PBKDF2-HMAC-SHA256), made with `qwenvl-studio --kiosk-hash-pin`.
#pragma once

#include <QColor>
#include <QCoreApplication>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QVector>
#include <optional>

#include "app/app_settings.h"

namespace qwenvl::app {

// A text the kiosk shows in the visitor's language: one string for every language, or one per
// language code ("en", "zh_CN").
struct KioskText {
  QHash<QString, QString> byLanguage;  // "" holds a text for every language
  // The text for `language`, else the one for every language, else the first there is.
  QString in(const QString& language) const;
  bool isEmpty() const { return byLanguage.isEmpty(); }
  // Whether the text is meant for `language` (its own or one for every language).
  bool has(const QString& language) const;
};

// A sample shown on the attract screen: a picture and a reply with grounding markup, whose
// boxes are drawn on it.
struct KioskAttractItem {
  QString picture;  // absolute path
  QString reply;    // e.g. "<ref>the cat</ref><box>(10,20),(500,900)</box>"
  KioskText caption;
};

struct KioskConfig {
  QString path;                          // the file it was read from
  QString modelDir;                      // empty when `server` is set
  RemoteServer server;                   // url set: answers come from this OpenAI-compatible server
  std::optional<BackendChoice> backend;  // unset: CUDA when a GPU can be used, else the CPU
  int maxNewTokens = 256;
  QStringList languages{QStringLiteral("en"), QStringLiteral("zh_CN")};  // the first is the start language
  int idleSeconds = 90;
  int warningSeconds = 15;
  int attractSeconds = 6;
  QVector<KioskAttractItem> attract;
  QVector<KioskText> questions;
  bool camera = true;
  QString pictureFolder;  // empty: no picture picker
  bool typing = true;
  QString pinHash;
  KioskText title;
  QString logo;  // absolute path, empty for none
  QColor accent{0x1f, 0x77, 0xb4};

  static constexpr int kMinIdleSeconds = 10;
  static constexpr int kMaxIdleSeconds = 24 * 3600;
};

struct KioskConfigResult {
  KioskConfig config;
  QString error;  // empty when the file was read
};

class KioskConfigReader {
  Q_DECLARE_TR_FUNCTIONS(KioskConfigReader)

 public:
  static QString defaultPath() { return QStringLiteral("/etc/qwenvl-studio/kiosk.json"); }
  static KioskConfigResult read(const QString& path);
  // `baseDir` resolves relative paths; `path` is only for messages.
  static KioskConfigResult parse(const QByteArray& json, const QString& baseDir, const QString& path = {});
};

// The admin PIN: "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX".
namespace kiosk_pin {
inline constexpr int kDefaultIterations = 100000;
// A PIN is 4 to 12 digits.
bool isValidPin(const QString& pin);
// A fresh random salt each time.
QString hash(const QString& pin, int iterations = kDefaultIterations);
QString hashWithSalt(const QString& pin, const QByteArray& salt, int iterations);
bool isValidHash(const QString& stored);
// Constant-time comparison of the derived key.
bool verify(const QString& pin, const QString& stored);
}  // namespace kiosk_pin

}  // namespace qwenvl::app
