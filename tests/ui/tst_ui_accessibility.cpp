// Accessibility and the keyboard: every control of the window and its dialogs has a name a
// screen reader can say, and the whole flow (add a picture, ask, stop, ask about a region,
// zoom) works without a mouse.
#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QLineEdit>
#include <QPointer>
#include <QTableWidget>
#include <QTest>
#include <QToolButton>

#include "app/chat_controller.h"
#include "ui/actions.h"
#include "ui/chat_pane.h"
#include "ui/chat_view.h"
#include "ui/image_canvas.h"
#include "ui/picture_pane.h"
#include "ui/prompt_edit.h"
#include "ui/region_chips.h"
#include "ui/region_dialog.h"
#include "ui/settings_dialog.h"
#include "ui/thumbnail_strip.h"
#include "ui_test_support.h"

using namespace qwenvl;

namespace {

// Names of the visible controls a person can reach (focusable or clickable) that have none.
QStringList unnamedControls(QWidget* root) {
  QStringList missing;
  QList<QWidget*> widgets = root->findChildren<QWidget*>();
  widgets.prepend(root);
  for (QWidget* w : widgets) {
    if (!w->isVisible()) continue;
    const bool control = w->focusPolicy() != Qt::NoFocus || qobject_cast<QAbstractButton*>(w);
    if (!control) continue;
    QAccessibleInterface* iface = QAccessible::queryAccessibleInterface(w);
    if (!iface) continue;
    // Scroll bars and viewports are named by the view they belong to.
    if (iface->role() == QAccessible::ScrollBar || w->objectName() == QLatin1String("qt_scrollarea_viewport")) continue;
    if (qobject_cast<QAbstractSpinBox*>(w->parentWidget())) continue;  // a spin box's own line edit
    if (iface->text(QAccessible::Name).trimmed().isEmpty()) {
      missing << QString::fromLatin1(w->metaObject()->className()) + QLatin1Char(' ') + w->objectName() +
                     QLatin1Char(' ') +
                     QString::fromLatin1(w->parentWidget() ? w->parentWidget()->metaObject()->className() : "");
    }
  }
  return missing;
}

}  // namespace

class TestUiAccessibility : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void everyControlHasAName() {
    test::ScriptedWindow w;
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    w.script->push(app::ScriptedReply{"<ref>the rocket</ref><box>(425,47),(574,885)</box>", 1, 0, {}});
    test::ask(w.window.get(), QStringLiteral("Where is the rocket?"));
    QVERIFY(test::waitForReply(w.window.get()));
    QStringList missing = unnamedControls(w.window.get());
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1Char('\n'))));

    ui::SettingsDialog settings(w.settings.get(), app::CudaStatus{}, w.window.get());
    settings.show();
    missing = unnamedControls(&settings);
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1Char('\n'))));

    ui::RegionDialog region(QSize(640, 427), QRect(), w.window.get());
    region.show();
    missing = unnamedControls(&region);
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1Char('\n'))));
  }

  void f1ListsEveryShortcut() {
    test::ScriptedWindow w;
    w.window->actions()->shortcuts->trigger();
    QTableWidget* table = nullptr;
    QTRY_VERIFY((table = w.window->findChild<QTableWidget*>()) != nullptr && table->isVisible());
    QStringList keys;
    for (int r = 0; r < table->rowCount(); ++r) keys << table->item(r, 1)->text();
    for (QAction* a : {w.window->actions()->stop, w.window->actions()->showBoxes, w.window->actions()->focusInput}) {
      QVERIFY2(keys.contains(a->shortcut().toString(QKeySequence::NativeText)),
               qPrintable(keys.join(QLatin1Char(','))));
    }
    const QStringList missing = unnamedControls(table->window());
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1Char('\n'))));
  }

  void followsADarkPalette() {
    // The desktop's dark theme arrives as a palette; nothing of ours may stay light.
    const QPalette before = QApplication::palette();
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::AlternateBase, QColor(0x33, 0x33, 0x33));
    dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
    dark.setColor(QPalette::Button, QColor(0x3a, 0x3a, 0x3a));
    dark.setColor(QPalette::ButtonText, QColor(0xee, 0xee, 0xee));
    QApplication::setPalette(dark);
    {
      test::ScriptedWindow w;
      test::dropFiles(w.window.get(), {test::fixturePicture("chelsea.png")});
      QVERIFY(test::waitForPictures(w.window.get(), 1));
      w.script->push(app::ScriptedReply{"<ref>the cat</ref><box>(100,100),(900,900)</box> looks at you.", 1, 0, {}});
      test::ask(w.window.get(), QStringLiteral("Where is the cat?"));
      QVERIFY(test::waitForReply(w.window.get()));
      QTest::qWait(50);
      auto lightness = [](QWidget* widget, QPoint at) { return widget->grab().toImage().pixelColor(at).lightness(); };
      ui::ChatPane* chat = w.window->chatPane();
      QWidget* view = chat->chatView()->viewport();
      QVERIFY(lightness(view, QPoint(view->width() / 2, view->height() - 5)) < 80);
      ui::ImageCanvas* canvas = w.window->picturePane()->canvas();
      const QRectF shown = canvas->imageRectInView();
      const QPoint outside = shown.top() > 4 ? QPoint(canvas->width() / 2, 2) : QPoint(2, canvas->height() / 2);
      QVERIFY(lightness(canvas, outside) < 80);
      QVERIFY(lightness(chat->promptEdit()->viewport(), QPoint(3, chat->promptEdit()->viewport()->height() - 3)) < 80);
    }
    QApplication::setPalette(before);
  }

  void theFirstStartScreenIsNamedToo() {
    test::ScriptedWindow w(false);
    const QStringList missing = unnamedControls(w.window.get());
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1Char('\n'))));
  }

  void theWholeFlowWorksFromTheKeyboard() {
    test::ScriptedWindow w;
    QApplication::setActiveWindow(w.window.get());
    QVERIFY(QTest::qWaitForWindowActive(w.window.get()));

    // Add a picture: Ctrl+I opens the file dialog in the last folder used, type the name, Enter.
    w.settings->setLastFolder(QFileInfo(test::fixturePicture("rocket.jpg")).absolutePath());
    QTest::keyClick(w.window.get(), Qt::Key_I, Qt::ControlModifier);
    QPointer<QFileDialog> dialog;
    QTRY_VERIFY((dialog = w.window->findChild<QFileDialog*>()) != nullptr && dialog->isVisible());
    QPointer<QLineEdit> name = dialog->findChild<QLineEdit*>(QStringLiteral("fileNameEdit"));
    QVERIFY(name);
    name->setFocus();
    QTest::keyClicks(name, QStringLiteral("rocket.jpg"));
    // The first Enter may only take the completer's suggestion for the typed path.
    for (int i = 0; i < 3 && dialog && dialog->isVisible(); ++i) {
      QTest::keyClick(name ? static_cast<QWidget*>(name) : dialog.data(), Qt::Key_Return);
      QTest::qWait(50);
    }
    QVERIFY2(
        test::waitForPictures(w.window.get(), 1),
        qPrintable(QStringLiteral("dialog %1, text %2, focus %3")
                       .arg(dialog ? QStringLiteral("open") : QStringLiteral("gone"), name ? name->text() : QString(),
                            QString::fromLatin1(QApplication::focusWidget()
                                                    ? QApplication::focusWidget()->metaObject()->className()
                                                    : "none"))));

    // Ask: Ctrl+L goes to the question box, Enter sends, Esc stops.
    w.script->push(app::ScriptedReply{std::string(300, 'a'), 20, 0, {}});
    QApplication::setActiveWindow(w.window.get());
    QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : w.window.get(), Qt::Key_L,
                    Qt::ControlModifier);
    ui::PromptEdit* prompt = w.window->chatPane()->promptEdit();
    QTRY_COMPARE(QApplication::focusWidget(), prompt);
    QTest::keyClicks(prompt, QStringLiteral("What is this?"));
    QTest::keyClick(prompt, Qt::Key_Return);
    QVERIFY(w.window->controller()->isBusy());
    QTest::keyClick(prompt, Qt::Key_Escape);
    QVERIFY(!w.window->controller()->isBusy());

    // Ask about a region by numbers: Ctrl+Alt+R, Enter accepts the proposed region.
    QTest::keyClick(prompt, Qt::Key_R, Qt::ControlModifier | Qt::AltModifier);
    ui::RegionDialog* region = nullptr;
    QTRY_VERIFY((region = w.window->findChild<ui::RegionDialog*>()) != nullptr && region->isVisible());
    QTest::keyClick(region->focusWidget() ? region->focusWidget() : static_cast<QWidget*>(region), Qt::Key_Return);
    QTRY_COMPARE(w.window->chatPane()->regionChips()->regions().size(), 1);

    // Zoom the picture: Ctrl+P goes to it, + zooms in, 0 fits again.
    QTest::keyClick(prompt, Qt::Key_P, Qt::ControlModifier);
    ui::ImageCanvas* canvas = w.window->picturePane()->canvas();
    QTRY_COMPARE(QApplication::focusWidget(), canvas);
    const double fitted = canvas->zoom();
    QTest::keyClick(canvas, Qt::Key_Plus);
    QVERIFY(canvas->zoom() > fitted * 1.2);
    QTest::keyClick(canvas, Qt::Key_0);
    QCOMPARE(canvas->zoom(), fitted);
  }

  void tabReachesEveryPart() {
    test::ScriptedWindow w;
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    QApplication::setActiveWindow(w.window.get());
    QVERIFY(QTest::qWaitForWindowActive(w.window.get()));
    w.window->chatPane()->promptEdit()->setFocus();
    QSet<QWidget*> visited;
    for (int i = 0; i < 60; ++i) {
      visited.insert(QApplication::focusWidget());
      QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    }
    QVERIFY(visited.contains(w.window->chatPane()->promptEdit()));
    QVERIFY(visited.contains(w.window->chatPane()->sendButton()));
    QVERIFY(visited.contains(w.window->picturePane()->canvas()));
    QVERIFY(visited.contains(w.window->picturePane()->strip()));
  }
};

QTEST_MAIN(TestUiAccessibility)
#include "tst_ui_accessibility.moc"
