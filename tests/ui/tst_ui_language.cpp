// Languages: switching to 简体中文 at run time renames the menus, buttons and every other
// visible string without a restart, and back again; the Chinese translation file is complete
// and in step with the sources (lupdate finds no string it lacks).
#include <QAbstractButton>
#include <QAction>
#include <QDir>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QXmlStreamReader>

#include "app/chat_controller.h"
#include "app/engine_text.h"
#include "ui/chat_pane.h"
#include "ui/prompt_edit.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {

struct Texts {
  QMap<QString, QString> byKey;  // where -> text
};

// Every visible string of the window: menu titles and entries, buttons, labels, placeholders.
Texts collect(ui::MainWindow* window) {
  Texts t;
  for (QAction* menu : window->menuBar()->actions()) {
    t.byKey.insert(QStringLiteral("menu/") + menu->objectName() + menu->menu()->objectName() +
                       QString::number(window->menuBar()->actions().indexOf(menu)),
                   menu->text());
    const QList<QAction*> entries = menu->menu()->actions();
    for (int i = 0; i < entries.size(); ++i) {
      if (entries[i]->isSeparator()) continue;
      t.byKey.insert(QStringLiteral("menu%1/%2").arg(window->menuBar()->actions().indexOf(menu)).arg(i),
                     entries[i]->text());
    }
  }
  int n = 0;
  for (QAbstractButton* b : window->findChildren<QAbstractButton*>()) {
    if (b->isVisible() && !b->text().isEmpty()) t.byKey.insert(QStringLiteral("button%1").arg(n++), b->text());
  }
  n = 0;
  for (QLabel* l : window->findChildren<QLabel*>()) {
    if (l->isVisible() && !l->text().isEmpty()) t.byKey.insert(QStringLiteral("label%1").arg(n++), l->text());
  }
  t.byKey.insert(QStringLiteral("placeholder"), window->chatPane()->promptEdit()->placeholderText());
  t.byKey.insert(QStringLiteral("title"), window->windowTitle());
  return t;
}

// Strings that are the same in every language: names, numbers, file names.
bool languageNeutral(const QString& s) {
  static const QStringList same = {QStringLiteral("English"), QStringLiteral("简体中文")};
  if (same.contains(s)) return true;
  if (s.contains(QStringLiteral(".png")) && !s.contains(QLatin1Char(' '))) return true;
  return !s.contains(QRegularExpression(QStringLiteral("[A-Za-z]{3,}")));
}

// Removes the names that stay in Latin letters in every language.
QString stripNames(QString s) {
  static const QRegularExpression names(QStringLiteral(
      "QwenVL Studio|Qwen-VL-Chat-Int4|Qwen-VL|QwenVL|Qwen|CUDA|GPU|CPU|Markdown|PNG|JPEG|JSON|Ctrl|Shift|Alt|"
      "Enter|Esc|Tab|Delete|Top-p|Top-k|Ampere|NVIDIA|\\S+\\.(png|jpg|json|md)"));
  return s.remove(names);
}

}  // namespace

class TestUiLanguage : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void switchingToChineseRenamesEverythingAndBack() {
    test::ScriptedWindow w;
    test::dropFiles(w.window.get(), {test::fixturePicture("chelsea.png")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    app::ScriptedReply r;
    r.text = "<ref>the cat</ref><box>(100,100),(900,900)</box>";
    r.token_delay_ms = 1;
    w.script->push(r);
    test::ask(w.window.get(), QStringLiteral("Where is the cat?"));
    QVERIFY(test::waitForReply(w.window.get()));
    const Texts english = collect(w.window.get());
    QVERIFY(english.byKey.size() > 40);
    QCOMPARE(w.window->menuBar()->actions()[0]->text(), QStringLiteral("&File"));

    w.window->setLanguage(QStringLiteral("zh_CN"));
    QCOMPARE(w.language->language(), QStringLiteral("zh_CN"));
    // Qt posts LanguageChange to the windows; one turn of the event loop delivers it.
    QTRY_COMPARE(w.window->menuBar()->actions()[0]->text(), QStringLiteral("文件(&F)"));
    QCOMPARE(w.window->menuBar()->actions()[1]->text(), QStringLiteral("编辑(&E)"));
    QVERIFY(w.window->chatPane()->sendButton()->text().startsWith(QStringLiteral("发送")));
    const Texts chinese = collect(w.window.get());
    QStringList untranslated;
    for (auto it = english.byKey.cbegin(); it != english.byKey.cend(); ++it) {
      if (languageNeutral(it.value())) continue;
      // The model's words and the user's own stay as they were; everything else must change.
      if (it.value().contains(QStringLiteral("the cat")) || it.value().contains(QStringLiteral("Where is the cat")))
        continue;
      if (chinese.byKey.value(it.key()) == it.value()) untranslated << it.key() + QStringLiteral(": ") + it.value();
    }
    QVERIFY2(untranslated.isEmpty(), qPrintable(untranslated.join(QLatin1Char('\n'))));
    QCOMPARE(w.settings->language(), QStringLiteral("zh_CN"));
    // No English left anywhere (issue 14): the status bar's device, the model strip, every
    // label and button; only names and the user's and model's own words stay as they are.
    QStringList english_left;
    for (auto it = chinese.byKey.cbegin(); it != chinese.byKey.cend(); ++it) {
      if (it.value().contains(QStringLiteral("the cat")) || it.value().contains(QStringLiteral("Where is the cat")))
        continue;
      if (!stripNames(it.value()).contains(QRegularExpression(QStringLiteral("[A-Za-z]{3,}")))) continue;
      english_left << it.key() + QStringLiteral(": ") + it.value();
    }
    QVERIFY2(english_left.isEmpty(), qPrintable(english_left.join(QLatin1Char('\n'))));
    // Qt's own dialogs and menus speak Chinese too (qt6-translations-l10n).
    QCOMPARE(QCoreApplication::translate("QPlatformTheme", "Cancel"), QStringLiteral("取消"));
    // Engine errors and the device come in the interface language.
    QCOMPARE(app::EngineText::device(QStringLiteral("CPU, 2 threads")), QStringLiteral("CPU，2 个线程"));
    QCOMPARE(app::EngineText::device(QStringLiteral("NVIDIA H200 (CUDA, compute 9.0, 139 GiB), low-memory mode")),
             QStringLiteral("NVIDIA H200（CUDA，计算能力 9.0, 139 GiB），低显存模式"));
    const QString missing = app::EngineText::describe(
        Status::coded(ErrorCode::kModelFileMissing, {"/m", "config.json"}, "/m/config.json: not found"));
    QVERIFY2(missing.contains(QStringLiteral("缺少")) && missing.contains(QStringLiteral("config.json")),
             qPrintable(missing));

    w.window->setLanguage(QStringLiteral("en"));
    QTRY_COMPARE(w.window->menuBar()->actions()[0]->text(), QStringLiteral("&File"));
    const Texts back = collect(w.window.get());
    QCOMPARE(back.byKey, english.byKey);
  }

  void theChineseTranslationIsComplete() {
    QFile ts(QStringLiteral(QWENVL_TS_ZH_CN));
    QVERIFY(ts.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&ts);
    int messages = 0;
    QStringList problems;
    QString source;
    bool numerus = false;
    while (!xml.atEnd()) {
      xml.readNext();
      if (!xml.isStartElement()) continue;
      if (xml.name() == QLatin1String("message")) {
        ++messages;
        numerus = xml.attributes().value(QStringLiteral("numerus")) == QLatin1String("yes");
      } else if (xml.name() == QLatin1String("source")) {
        source = xml.readElementText();
      } else if (xml.name() == QLatin1String("translation")) {
        const QString type = xml.attributes().value(QStringLiteral("type")).toString();
        if (!type.isEmpty()) problems << type + QStringLiteral(": ") + source;
        if (!numerus && xml.readElementText().trimmed().isEmpty()) problems << QStringLiteral("empty: ") + source;
      } else if (xml.name() == QLatin1String("numerusform")) {
        if (xml.readElementText().trimmed().isEmpty()) problems << QStringLiteral("empty plural: ") + source;
      }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(messages > 200);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
  }

  void theTranslationFileIsInStepWithTheSources() {
    // lupdate on today's sources must find nothing new: a new tr() string needs translating.
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("check.ts"));
    QVERIFY(QFile::copy(QStringLiteral(QWENVL_TS_ZH_CN), copy));
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    const QString root = QStringLiteral(QWENVL_SOURCE_DIR);
    QProcess lupdate;
    lupdate.setWorkingDirectory(root);
    lupdate.start(QStringLiteral(QWENVL_LUPDATE),
                  {QStringLiteral("-I"), root, QStringLiteral("-I"), root + QStringLiteral("/inference/include"),
                   QStringLiteral("-no-obsolete"), QStringLiteral("-locations"), QStringLiteral("none"),
                   QStringLiteral("app"), QStringLiteral("ui"), QStringLiteral("-ts"), copy});
    QVERIFY(lupdate.waitForFinished(120000));
    const QString out = QString::fromLocal8Bit(lupdate.readAllStandardOutput());
    QCOMPARE(lupdate.exitCode(), 0);
    QVERIFY2(out.contains(QStringLiteral("(0 new and")), qPrintable(out));
    QVERIFY2(!out.contains(QStringLiteral("Removed")), qPrintable(out));  // nor strings no longer used
  }
};

QTEST_MAIN(TestUiLanguage)
#include "tst_ui_language.moc"
