// Switches the interface language at run time: installs the app's translator (compiled from
// translations/*.ts into the resources) and Qt's own for standard dialogs, then every widget
// gets QEvent::LanguageChange and retranslates itself. English is the source language.
#pragma once

#include <QObject>
#include <QString>
#include <QTranslator>
#include <memory>

namespace qwenvl::app {

class LanguageManager : public QObject {
  Q_OBJECT
 public:
  explicit LanguageManager(QObject* parent = nullptr);
  ~LanguageManager() override;

  // "en" or "zh_CN"; returns false (and changes nothing) for an unknown code or a missing .qm.
  bool setLanguage(const QString& code);
  QString language() const { return m_language; }
  // The language's own name, for the language menu: "English", "简体中文".
  static QString nativeName(const QString& code);

 signals:
  void languageChanged(const QString& code);

 private:
  void removeTranslators();
  QString m_language;
  std::unique_ptr<QTranslator> m_app;
  std::unique_ptr<QTranslator> m_qt;
};

}  // namespace qwenvl::app
