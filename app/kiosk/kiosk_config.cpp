// Reading the kiosk configuration and the admin PIN hash; see kiosk_config.h.
#include "app/kiosk/kiosk_config.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPasswordDigestor>
#include <QRandomGenerator>
#include <QUrl>

namespace qwenvl::app {

QString KioskText::in(const QString& language) const {
  if (byLanguage.contains(language)) return byLanguage.value(language);
  if (byLanguage.contains(QString())) return byLanguage.value(QString());
  // A language without its own text: English, else whatever there is.
  if (byLanguage.contains(QStringLiteral("en"))) return byLanguage.value(QStringLiteral("en"));
  return byLanguage.isEmpty() ? QString() : byLanguage.constBegin().value();
}

bool KioskText::has(const QString& language) const {
  return byLanguage.contains(language) || byLanguage.contains(QString());
}

namespace {

// Collects the first error with the field it concerns; later checks then do nothing.
class Reader {
 public:
  Reader(QString baseDir) : m_baseDir(std::move(baseDir)) {}
  QString error;

  void fail(const QString& field, const QString& what) {
    if (error.isEmpty()) error = KioskConfigReader::tr("“%1” %2").arg(field, what);
  }

  QJsonObject object(const QJsonObject& o, const QString& key, const QString& field) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined()) return {};
    if (!v.isObject()) fail(field, KioskConfigReader::tr("must be an object."));
    return v.toObject();
  }

  int integer(const QJsonObject& o, const QString& key, const QString& field, int fallback, int min, int max) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined()) return fallback;
    const double d = v.toDouble(-1e300);
    if (!v.isDouble() || d != static_cast<double>(static_cast<long long>(d)) || d < min || d > max) {
      fail(field, KioskConfigReader::tr("must be a whole number from %1 to %2.").arg(min).arg(max));
      return fallback;
    }
    return static_cast<int>(d);
  }

  bool boolean(const QJsonObject& o, const QString& key, const QString& field, bool fallback) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined()) return fallback;
    if (!v.isBool()) fail(field, KioskConfigReader::tr("must be true or false."));
    return v.toBool(fallback);
  }

  QString string(const QJsonObject& o, const QString& key, const QString& field) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined()) return {};
    if (!v.isString()) fail(field, KioskConfigReader::tr("must be a string."));
    return v.toString();
  }

  // A path relative to the configuration's folder; `folder` says whether it must be a folder.
  QString path(const QJsonObject& o, const QString& key, const QString& field, bool folder) {
    const QString p = string(o, key, field);
    if (p.isEmpty()) return {};
    const QFileInfo info(QDir(m_baseDir).absoluteFilePath(p));
    if (folder ? !info.isDir() : !info.isFile())
      fail(field, folder ? KioskConfigReader::tr("names the folder “%1”, which does not exist.").arg(info.filePath())
                         : KioskConfigReader::tr("names the file “%1”, which does not exist.").arg(info.filePath()));
    return info.absoluteFilePath();
  }

  KioskText text(const QJsonValue& v, const QString& field) {
    KioskText t;
    if (v.isString()) {
      if (!v.toString().trimmed().isEmpty()) t.byLanguage.insert(QString(), v.toString());
    } else if (v.isObject()) {
      const QJsonObject o = v.toObject();
      for (auto it = o.begin(); it != o.end(); ++it) {
        if (!AppSettings::languages().contains(it.key())) {
          fail(field + QLatin1Char('.') + it.key(), KioskConfigReader::tr("is not a language of the app (%1).")
                                                        .arg(AppSettings::languages().join(QStringLiteral(", "))));
          continue;
        }
        if (!it.value().isString())
          fail(field + QLatin1Char('.') + it.key(), KioskConfigReader::tr("must be a string."));
        if (!it.value().toString().trimmed().isEmpty()) t.byLanguage.insert(it.key(), it.value().toString());
      }
    } else if (!v.isUndefined()) {
      fail(field, KioskConfigReader::tr("must be a string, or an object with one string per language."));
    }
    return t;
  }

 private:
  QString m_baseDir;
};

}  // namespace

KioskConfigResult KioskConfigReader::read(const QString& path) {
  KioskConfigResult r;
  QFile file(path);
  if (!file.exists()) {
    r.error = tr("The kiosk configuration “%1” does not exist.").arg(QDir::toNativeSeparators(path));
    return r;
  }
  if (file.size() > 1024 * 1024) {
    r.error = tr("The kiosk configuration “%1” is larger than 1 MiB.").arg(QDir::toNativeSeparators(path));
    return r;
  }
  if (!file.open(QIODevice::ReadOnly)) {
    r.error = tr("The kiosk configuration “%1” could not be read: %2")
                  .arg(QDir::toNativeSeparators(path), file.errorString());
    return r;
  }
  return parse(file.readAll(), QFileInfo(path).absolutePath(), path);
}

KioskConfigResult KioskConfigReader::parse(const QByteArray& json, const QString& baseDir, const QString& path) {
  KioskConfigResult r;
  KioskConfig& c = r.config;
  c.path = path;
  const QString where = path.isEmpty() ? tr("the kiosk configuration") : QDir::toNativeSeparators(path);
  QJsonParseError parseError;
  const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
  if (parseError.error != QJsonParseError::NoError) {
    r.error =
        tr("%1 is not valid JSON (at byte %2: %3).").arg(where).arg(parseError.offset).arg(parseError.errorString());
    return r;
  }
  if (!doc.isObject()) {
    r.error = tr("%1 must hold one JSON object.").arg(where);
    return r;
  }
  const QJsonObject root = doc.object();
  Reader in(baseDir);

  const int version = in.integer(root, QStringLiteral("version"), QStringLiteral("version"), 1, 1, 1);
  Q_UNUSED(version);

  const QJsonObject model = in.object(root, QStringLiteral("model"), QStringLiteral("model"));
  // A stand of a fleet asks a server (docs/server.md) instead of running the model itself.
  const QJsonObject server = in.object(model, QStringLiteral("server"), QStringLiteral("model.server"));
  c.server.url = in.string(server, QStringLiteral("url"), QStringLiteral("model.server.url")).trimmed();
  c.server.apiKey = in.string(server, QStringLiteral("api_key"), QStringLiteral("model.server.api_key"));
  c.server.model = in.string(server, QStringLiteral("model"), QStringLiteral("model.server.model"));
  if (!server.isEmpty() && in.error.isEmpty()) {
    const QUrl url(c.server.url, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
        url.host().isEmpty())
      in.fail(QStringLiteral("model.server.url"), tr("must be an http:// or https:// address with a host."));
    c.server.timeoutMs =
        in.integer(server, QStringLiteral("timeout_seconds"), QStringLiteral("model.server.timeout_seconds"),
                   c.server.timeoutMs / 1000, 5, 3600) *
        1000;
  }
  c.modelDir = in.path(model, QStringLiteral("folder"), QStringLiteral("model.folder"), true);
  if (c.modelDir.isEmpty() && c.server.url.isEmpty() && in.error.isEmpty())
    in.fail(QStringLiteral("model.folder"), tr("is required (or model.server)."));
  const QString backend = in.string(model, QStringLiteral("backend"), QStringLiteral("model.backend"));
  if (backend == QLatin1String("cpu"))
    c.backend = BackendChoice::Cpu;
  else if (backend == QLatin1String("cuda"))
    c.backend = BackendChoice::Cuda;
  else if (!backend.isEmpty() && backend != QLatin1String("auto"))
    in.fail(QStringLiteral("model.backend"), tr("must be “auto”, “cuda” or “cpu”."));
  c.maxNewTokens = in.integer(model, QStringLiteral("max_new_tokens"), QStringLiteral("model.max_new_tokens"),
                              c.maxNewTokens, 1, 2048);

  const QJsonValue languages = root.value(QStringLiteral("languages"));
  if (!languages.isUndefined()) {
    QStringList list;
    const QJsonArray a = languages.toArray();
    for (const QJsonValue& v : a) {
      if (!AppSettings::languages().contains(v.toString()) || list.contains(v.toString()))
        in.fail(QStringLiteral("languages"),
                tr("must list each of %1 at most once.").arg(AppSettings::languages().join(QStringLiteral(", "))));
      list << v.toString();
    }
    if (!languages.isArray() || list.isEmpty())
      in.fail(QStringLiteral("languages"), tr("must be a list of one or more language codes."));
    c.languages = list;
  }

  const QJsonObject idle = in.object(root, QStringLiteral("idle"), QStringLiteral("idle"));
  c.idleSeconds = in.integer(idle, QStringLiteral("timeout_seconds"), QStringLiteral("idle.timeout_seconds"),
                             c.idleSeconds, KioskConfig::kMinIdleSeconds, KioskConfig::kMaxIdleSeconds);
  c.warningSeconds = in.integer(idle, QStringLiteral("warning_seconds"), QStringLiteral("idle.warning_seconds"),
                                c.warningSeconds, 0, 600);

  const QJsonObject attract = in.object(root, QStringLiteral("attract"), QStringLiteral("attract"));
  c.attractSeconds = in.integer(attract, QStringLiteral("interval_seconds"), QStringLiteral("attract.interval_seconds"),
                                c.attractSeconds, 2, 3600);
  const QJsonArray items = attract.value(QStringLiteral("items")).toArray();
  for (int i = 0; i < items.size(); ++i) {
    const QString field = QStringLiteral("attract.items[%1]").arg(i);
    if (!items[i].isObject()) {
      in.fail(field, tr("must be an object."));
      break;
    }
    const QJsonObject o = items[i].toObject();
    KioskAttractItem item;
    item.picture = in.path(o, QStringLiteral("picture"), field + QStringLiteral(".picture"), false);
    if (item.picture.isEmpty()) in.fail(field + QStringLiteral(".picture"), tr("is required."));
    item.reply = in.string(o, QStringLiteral("reply"), field + QStringLiteral(".reply"));
    item.caption = in.text(o.value(QStringLiteral("caption")), field + QStringLiteral(".caption"));
    c.attract << item;
  }

  const QJsonValue questions = root.value(QStringLiteral("questions"));
  if (!questions.isUndefined() && !questions.isArray()) in.fail(QStringLiteral("questions"), tr("must be a list."));
  const QJsonArray qs = questions.toArray();
  for (int i = 0; i < qs.size(); ++i) {
    const KioskText t = in.text(qs[i], QStringLiteral("questions[%1]").arg(i));
    if (!t.isEmpty()) c.questions << t;
  }

  const QJsonObject visitor = in.object(root, QStringLiteral("visitor"), QStringLiteral("visitor"));
  c.camera = in.boolean(visitor, QStringLiteral("camera"), QStringLiteral("visitor.camera"), c.camera);
  c.typing = in.boolean(visitor, QStringLiteral("typing"), QStringLiteral("visitor.typing"), c.typing);
  c.pictureFolder = in.path(visitor, QStringLiteral("picture_folder"), QStringLiteral("visitor.picture_folder"), true);
  if (in.error.isEmpty() && !c.camera && c.pictureFolder.isEmpty())
    in.fail(QStringLiteral("visitor"), tr("offers no picture: enable the camera or name a picture folder."));
  if (in.error.isEmpty() && !c.typing && c.questions.isEmpty())
    in.fail(QStringLiteral("questions"), tr("are needed when typing is off."));

  const QJsonObject branding = in.object(root, QStringLiteral("branding"), QStringLiteral("branding"));
  c.title = in.text(branding.value(QStringLiteral("title")), QStringLiteral("branding.title"));
  c.logo = in.path(branding, QStringLiteral("logo"), QStringLiteral("branding.logo"), false);
  const QString accent = in.string(branding, QStringLiteral("accent"), QStringLiteral("branding.accent"));
  if (!accent.isEmpty()) {
    const QColor color = QColor::fromString(accent);
    if (!color.isValid())
      in.fail(QStringLiteral("branding.accent"), tr("must be a colour such as “#1f77b4”."));
    else
      c.accent = color;
  }

  // Last: every other mistake is reported first.
  const QJsonObject admin = in.object(root, QStringLiteral("admin"), QStringLiteral("admin"));
  c.pinHash = in.string(admin, QStringLiteral("pin_hash"), QStringLiteral("admin.pin_hash"));
  if (in.error.isEmpty() && !kiosk_pin::isValidHash(c.pinHash))
    in.fail(QStringLiteral("admin.pin_hash"),
            tr("must be a PIN hash made with “qwenvl-studio --kiosk-hash-pin” (the kiosk cannot be left without it)."));
  if (!in.error.isEmpty()) r.error = tr("%1: %2").arg(where, in.error);
  return r;
}

namespace kiosk_pin {

namespace {
const QString kScheme = QStringLiteral("pbkdf2-sha256");
constexpr int kKeyBytes = 32;
constexpr int kMaxIterations = 10000000;
}  // namespace

bool isValidPin(const QString& pin) {
  if (pin.size() < 4 || pin.size() > 12) return false;
  for (const QChar ch : pin)
    if (ch < QLatin1Char('0') || ch > QLatin1Char('9')) return false;
  return true;
}

QString hashWithSalt(const QString& pin, const QByteArray& salt, int iterations) {
  const QByteArray key =
      QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256, pin.toUtf8(), salt, iterations, kKeyBytes);
  return QStringLiteral("%1$%2$%3$%4")
      .arg(kScheme)
      .arg(iterations)
      .arg(QString::fromLatin1(salt.toHex()), QString::fromLatin1(key.toHex()));
}

QString hash(const QString& pin, int iterations) {
  QByteArray salt(16, Qt::Uninitialized);
  QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(salt.data()), salt.size() / 4);
  return hashWithSalt(pin, salt, iterations);
}

namespace {
struct Parsed {
  int iterations = 0;
  QByteArray salt;
  QByteArray key;
};
std::optional<Parsed> parseHash(const QString& stored) {
  const QStringList parts = stored.split(QLatin1Char('$'));
  if (parts.size() != 4 || parts[0] != kScheme) return std::nullopt;
  bool ok = false;
  Parsed p;
  p.iterations = parts[1].toInt(&ok);
  if (!ok || p.iterations < 1000 || p.iterations > kMaxIterations) return std::nullopt;
  auto hex = [](const QString& s) {
    for (const QChar ch : s)
      if (!ch.isDigit() && !(ch.toLower() >= QLatin1Char('a') && ch.toLower() <= QLatin1Char('f'))) return false;
    return s.size() % 2 == 0;
  };
  if (!hex(parts[2]) || !hex(parts[3])) return std::nullopt;
  p.salt = QByteArray::fromHex(parts[2].toLatin1());
  p.key = QByteArray::fromHex(parts[3].toLatin1());
  if (p.salt.size() < 8 || p.key.size() != kKeyBytes) return std::nullopt;
  return p;
}
}  // namespace

bool isValidHash(const QString& stored) { return parseHash(stored).has_value(); }

bool verify(const QString& pin, const QString& stored) {
  const std::optional<Parsed> p = parseHash(stored);
  if (!p) return false;
  const QByteArray key =
      QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256, pin.toUtf8(), p->salt, p->iterations, kKeyBytes);
  if (key.size() != p->key.size()) return false;
  unsigned char diff = 0;
  for (qsizetype i = 0; i < key.size(); ++i) diff |= static_cast<unsigned char>(key[i] ^ p->key[i]);
  return diff == 0;
}

}  // namespace kiosk_pin

}  // namespace qwenvl::app
