// Conversations are never lost, seen from the window: Ctrl+N says where the previous one is
// kept, a conversation saved under a name shows the "modified" mark and Ctrl+N asks to save it, the question typed but
// not sent comes back in the box after a restart, and the replies Regenerate kept are shown
// as "1/2" with arrows to switch between them.
#include <QLabel>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>

#include "app/autosaver.h"
#include "app/chat_controller.h"
#include "app/conversation_store.h"
#include "ui/actions.h"
#include "ui/chat_pane.h"
#include "ui/chat_view.h"
#include "ui/message_bar.h"
#include "ui/message_view.h"
#include "ui/prompt_edit.h"
#include "ui_test_support.h"

using namespace qwenvl;

using test::pushReply;

class TestUiConversations : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void newConversationTellsWhereTheLastOneIsKept() {
    test::ScriptedWindow w(true, true);
    pushReply(w, "Hello.");
    test::ask(w.window.get(), QStringLiteral("Hi"));
    QVERIFY(test::waitForReply(w.window.get()));
    const QString before = w.app->autosaver()->path();
    w.window->actions()->newConversation->trigger();
    QVERIFY(w.window->controller()->conversation()->isEmpty());
    QVERIFY(w.window->messageBar()->isVisible());
    QVERIFY2(w.window->messageBar()->text().contains(QDir::toNativeSeparators(before)),
             qPrintable(w.window->messageBar()->text()));
    const app::OpenedConversation kept = app::ConversationStore::open(before);
    QVERIFY2(kept.error.isEmpty(), qPrintable(kept.error));
    QCOMPARE(kept.data.messages.size(), 2);
  }

  void aNamedConversationShowsTheModifiedMark() {
    test::ScriptedWindow w(true, true);
    pushReply(w, "Hello.");
    pushReply(w, "Again.");
    test::ask(w.window.get(), QStringLiteral("Hi"));
    QVERIFY(test::waitForReply(w.window.get()));
    QSignalSpy files(w.app.get(), &app::StudioApp::fileJobFinished);
    w.window->saveConversationTo(w.dir.filePath(QStringLiteral("talk.json")));
    QVERIFY(files.wait());
    QVERIFY(!w.window->isWindowModified());
    test::ask(w.window.get(), QStringLiteral("Once more"));
    QVERIFY(test::waitForReply(w.window.get()));
    QVERIFY(w.window->isWindowModified());
    QVERIFY(w.window->windowTitle().contains(QStringLiteral("talk.json[*]")));

    // Ctrl+N asks first; Cancel changes nothing.
    w.window->actions()->newConversation->trigger();
    auto* ask = w.window->findChild<QMessageBox*>(QStringLiteral("askToSave"));
    QVERIFY(ask);
    QVERIFY(ask->text().contains(QStringLiteral("talk.json")));
    QTest::mouseClick(ask->button(QMessageBox::Cancel), Qt::LeftButton);
    QCOMPARE(w.window->controller()->conversation()->messages().size(), 4);
    QVERIFY(w.window->isWindowModified());
    // Save writes talk.json with the changes, then the new conversation starts.
    w.window->actions()->newConversation->trigger();
    QVERIFY(QTest::qWaitFor([&] {
      ask = w.window->findChild<QMessageBox*>(QStringLiteral("askToSave"));
      return ask && ask->isVisible();
    }));
    QTest::mouseClick(ask->button(QMessageBox::Save), Qt::LeftButton);
    QVERIFY(w.window->controller()->conversation()->isEmpty());
    QVERIFY(files.wait());
    const app::OpenedConversation saved = app::ConversationStore::open(w.dir.filePath(QStringLiteral("talk.json")));
    QVERIFY2(saved.error.isEmpty(), qPrintable(saved.error));
    QCOMPARE(saved.data.messages.size(), 4);
    // The save ended after the switch: it must not give the new conversation that name.
    QCOMPARE(w.app->conversationPath(), QString());
    QVERIFY(!w.window->isWindowModified());
  }

  void theUnsentQuestionComesBackInTheBox() {
    test::ScriptedWindow w(false, true);
    w.window->chatPane()->promptEdit()->setPlainText(QStringLiteral("Is the cat asleep"));
    // Quit and start again on the same settings and library.
    w.window->close();
    w.window.reset();
    w.app.reset();
    app::StudioAppOptions options;
    options.settings = w.settings.get();
    options.language = w.language.get();
    auto script = w.script;
    options.backendFactory = [script] { return std::make_unique<app::ScriptedChatBackend>(script); };
    options.libraryDir = w.dir.filePath(QStringLiteral("conversations"));
    options.restoreLast = true;
    w.app = std::make_unique<app::StudioApp>(options);
    w.window = std::make_unique<ui::MainWindow>(w.app.get());
    w.window->show();
    ui::PromptEdit* prompt = w.window->chatPane()->promptEdit();
    QVERIFY(QTest::qWaitFor([&] { return prompt->toPlainText() == QStringLiteral("Is the cat asleep"); }));
  }

  void regeneratedRepliesCanBeSwitched() {
    test::ScriptedWindow w(true, true);
    pushReply(w, "A cat.");
    pushReply(w, "A sleeping cat.");
    test::ask(w.window.get(), QStringLiteral("What is it?"));
    QVERIFY(test::waitForReply(w.window.get()));
    const int id = w.window->controller()->conversation()->lastAssistantMessageId();
    ui::MessageView* view = w.window->chatPane()->chatView()->viewFor(id);
    QVERIFY(view);
    QVERIFY(!view->versionLabel()->isVisible());  // one answer: nothing to switch
    w.window->actions()->regenerate->trigger();
    QVERIFY(test::waitForReply(w.window.get()));
    QVERIFY(view->versionLabel()->isVisible());
    QCOMPARE(view->versionLabel()->text(), QStringLiteral("2/2"));
    QCOMPARE(view->bodyText(), QStringLiteral("A sleeping cat."));
    QVERIFY(!view->nextVersionButton()->isEnabled());
    QTest::mouseClick(view->previousVersionButton(), Qt::LeftButton);
    QCOMPARE(view->versionLabel()->text(), QStringLiteral("1/2"));
    QCOMPARE(view->bodyText(), QStringLiteral("A cat."));
    QVERIFY(view->nextVersionButton()->isEnabled());
    QTest::mouseClick(view->nextVersionButton(), Qt::LeftButton);
    QCOMPARE(view->bodyText(), QStringLiteral("A sleeping cat."));
  }
};

QTEST_MAIN(TestUiConversations)
#include "tst_ui_conversations.moc"
