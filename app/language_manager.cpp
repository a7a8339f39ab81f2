// Run-time language switching; see language_manager.h.
#include "app/language_manager.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>

#include "app/app_settings.h"

namespace qwenvl::app {

LanguageManager::LanguageManager(QObject* parent) : QObject(parent), m_language(QStringLiteral("en")) {}

LanguageManager::~LanguageManager() { removeTranslators(); }

QString LanguageManager::nativeName(const QString& code) {
  if (code == QLatin1String("zh_CN")) return QStringLiteral("简体中文");
  return QStringLiteral("English");
}

void LanguageManager::removeTranslators() {
  if (m_app) QCoreApplication::removeTranslator(m_app.get());
  if (m_qt) QCoreApplication::removeTranslator(m_qt.get());
  m_app.reset();
  m_qt.reset();
}

bool LanguageManager::setLanguage(const QString& code) {
  if (!AppSettings::languages().contains(code)) return false;
  if (code == m_language && m_app) return true;
  auto app = std::make_unique<QTranslator>();
  if (!app->load(QStringLiteral(":/i18n/qwenvl_%1.qm").arg(code))) return false;
  auto qt = std::make_unique<QTranslator>();
  const bool haveQt = code != QLatin1String("en") && qt->load(QStringLiteral("qtbase_%1").arg(code),
                                                              QLibraryInfo::path(QLibraryInfo::TranslationsPath));
  removeTranslators();
  m_app = std::move(app);
  QCoreApplication::installTranslator(m_app.get());
  if (haveQt) {
    m_qt = std::move(qt);
    QCoreApplication::installTranslator(m_qt.get());
  }
  m_language = code;
  QLocale::setDefault(QLocale(code));
  emit languageChanged(code);
  return true;
}

}  // namespace qwenvl::app
