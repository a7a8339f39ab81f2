// The conversations sidebar and branching (issue 14, features 1 and 2): every conversation is
// listed by its first question, searched, renamed and deleted; clicking one opens it and the
// one shown before stays listed; an earlier question edited and sent again keeps what followed
// as another branch, flipped with ‹ 1/2 › at the question (and saved with the conversation).
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>

#include "app/autosaver.h"
#include "app/chat_controller.h"
#include "app/conversation_library.h"
#include "app/conversation_store.h"
#include "ui/actions.h"
#include "ui/chat_pane.h"
#include "ui/chat_view.h"
#include "ui/library_sidebar.h"
#include "ui/message_view.h"
#include "ui/prompt_edit.h"
#include "ui/region_chips.h"
#include "ui_test_support.h"

using namespace qwenvl;

using test::pushReply;

namespace {
bool askAndWait(test::ScriptedWindow& w, const char* reply, const QString& question) {
  pushReply(w, reply);
  test::ask(w.window.get(), question);
  return test::waitForReply(w.window.get());
}

QStringList titles(const QListWidget* list) {
  QStringList out;
  for (int i = 0; i < list->count(); ++i) out << list->item(i)->text();
  return out;
}
}  // namespace

class TestUiLibrary : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { test::initUiTestApplication(); }

  void titlesFromTheFirstQuestion() {
    QCOMPARE(app::ConversationLibrary::titleFromQuestion(
                 QStringLiteral("<ref>the cat</ref><box>(1,2),(3,4)</box> what  is\nthis?")),
             QStringLiteral("the cat what is this?"));
    const QString longer = QString(80, QLatin1Char('a'));
    QCOMPARE(app::ConversationLibrary::titleFromQuestion(longer).size(), 60);
    app::LibraryEntry e;
    e.title = QStringLiteral("Rocket launch");
    e.text = QStringLiteral("the rocket stands on the pad");
    QVERIFY(app::ConversationLibrary::matches(e, QStringLiteral("rocket PAD")));
    QVERIFY(!app::ConversationLibrary::matches(e, QStringLiteral("rocket moon")));
  }

  void everyConversationIsListedSearchedRenamedAndDeleted() {
    test::ScriptedWindow w(true, true);
    ui::LibrarySidebar* sidebar = w.window->librarySidebar();
    QVERIFY(sidebar);
    QVERIFY(askAndWait(w, "A rocket.", QStringLiteral("What is in the first picture?")));
    const QString first = w.app->autosaver()->path();
    sidebar->refresh();
    QCOMPARE(titles(sidebar->list()), QStringList{QStringLiteral("What is in the first picture?")});

    // A new conversation: the first one stays listed, the new one comes first once it has a question.
    w.window->actions()->newConversation->trigger();
    QVERIFY(askAndWait(w, "A cat.", QStringLiteral("Find the cat")));
    w.app->autosaver()->flush();
    sidebar->refresh();
    QCOMPARE(titles(sidebar->list()),
             (QStringList{QStringLiteral("Find the cat"), QStringLiteral("What is in the first picture?")}));
    const QString second = w.app->autosaver()->path();
    QVERIFY(second != first);
    QCOMPARE(sidebar->list()->item(0)->font().bold(), true);  // the one shown

    // Search: by title and by the text of the replies.
    sidebar->searchField()->setText(QStringLiteral("rocket"));
    QCOMPARE(titles(sidebar->list()), QStringList{QStringLiteral("What is in the first picture?")});
    sidebar->searchField()->setText(QStringLiteral("CAT"));
    QCOMPARE(titles(sidebar->list()), QStringList{QStringLiteral("Find the cat")});
    sidebar->searchField()->clear();

    // Clicking the first opens it; the second stays in the list.
    QSignalSpy opened(w.app.get(), &app::StudioApp::fileJobFinished);
    QTest::mouseClick(sidebar->list()->viewport(), Qt::LeftButton, {},
                      sidebar->list()->visualItemRect(sidebar->list()->item(1)).center());
    QVERIFY(opened.wait());
    QCOMPARE(w.window->controller()->conversation()->messages().front().text,
             QStringLiteral("What is in the first picture?"));
    QCOMPARE(w.app->autosaver()->path(), first);
    sidebar->refresh();
    QCOMPARE(sidebar->paths().size(), 2);

    // Rename: the name replaces the first question as the title, and survives a new sidebar.
    QCOMPARE(sidebar->rename(second, QStringLiteral("Cats")), QString());
    QVERIFY(titles(sidebar->list()).contains(QStringLiteral("Cats")));
    QCOMPARE(w.app->library()->entry(second).title, QStringLiteral("Cats"));
    QVERIFY(w.app->library()->entry(second).named);

    // Delete one that is not shown: its folder goes.
    QCOMPARE(sidebar->remove(second, false), QString());
    QVERIFY(!QFile::exists(second));
    QCOMPARE(titles(sidebar->list()), QStringList{QStringLiteral("What is in the first picture?")});
    // Delete the one shown: a blank conversation takes its place.
    QCOMPARE(sidebar->remove(first, false), QString());
    QVERIFY(!QFile::exists(first));
    QVERIFY(w.window->controller()->conversation()->isEmpty());
    QVERIFY(sidebar->paths().isEmpty());
    // Something outside the library is refused.
    QVERIFY(!w.app->library()->remove(w.dir.filePath(QStringLiteral("x/conversation.json"))).isEmpty());
  }

  void editingARegionQuestionBringsBackItsChip() {
    test::ScriptedWindow w;
    test::dropFiles(w.window.get(), {test::fixturePicture("rocket.jpg")});
    QVERIFY(test::waitForPictures(w.window.get(), 1));
    const QString question = QStringLiteral("<ref>the tower</ref><box>(100,200),(500,600)</box> What is it?");
    QVERIFY(askAndWait(w, "A launch tower.", question));
    app::Conversation* c = w.window->controller()->conversation();
    ui::MessageView* q = w.window->chatPane()->chatView()->viewFor(c->messages()[0].id);
    QTest::mouseClick(q->editButton(), Qt::LeftButton);
    // The region comes back as a chip (same box), the words as text; no markup in the box.
    ui::RegionChips* chips = w.window->chatPane()->regionChips();
    QCOMPARE(chips->regions().size(), 1);
    QCOMPARE(chips->regions()[0].phrase, QStringLiteral("the tower"));
    QCOMPARE(chips->regions()[0].box, (std::array<int, 4>{100, 200, 500, 600}));
    QCOMPARE(w.window->chatPane()->promptEdit()->toPlainText(), QStringLiteral("What is it?"));
    // Sent unchanged, the model reads the same question again.
    pushReply(w, "A tower.");
    QTest::keyClick(w.window->chatPane()->promptEdit(), Qt::Key_Return);
    QVERIFY(test::waitForReply(w.window.get()));
    QCOMPARE(c->messages()[0].text, question);
    QCOMPARE(c->messages()[0].branchCount(), 2);
    // Esc leaves editing without sending.
    q = w.window->chatPane()->chatView()->viewFor(c->messages()[0].id);
    QTest::mouseClick(q->editButton(), Qt::LeftButton);
    QVERIFY(w.window->chatPane()->isEditing());
    QTest::keyClick(w.window->chatPane()->promptEdit(), Qt::Key_Escape);
    QVERIFY(!w.window->chatPane()->isEditing());
    QVERIFY(chips->regions().isEmpty());
    QCOMPARE(c->messages().size(), 2);
  }

  void editingAQuestionKeepsTheOldBranch() {
    test::ScriptedWindow w(true, true);
    QVERIFY(askAndWait(w, "Paris.", QStringLiteral("Capital of France?")));
    QVERIFY(askAndWait(w, "About 2 million.", QStringLiteral("How many people live there?")));
    app::Conversation* c = w.window->controller()->conversation();
    QCOMPARE(c->messages().size(), 4);
    const int firstQuestion = c->messages()[0].id;

    // Edit the first question: it comes back in the box, Send asks it again.
    ui::MessageView* q = w.window->chatPane()->chatView()->viewFor(firstQuestion);
    QVERIFY(q && q->editButton()->isVisible());
    QTest::mouseClick(q->editButton(), Qt::LeftButton);
    ui::PromptEdit* prompt = w.window->chatPane()->promptEdit();
    QCOMPARE(prompt->toPlainText(), QStringLiteral("Capital of France?"));
    QVERIFY(w.window->chatPane()->isEditing());
    prompt->clear();
    pushReply(w, "Berlin.");
    test::ask(w.window.get(), QStringLiteral("Capital of Germany?"));
    QVERIFY(test::waitForReply(w.window.get()));
    QVERIFY(!w.window->chatPane()->isEditing());
    QCOMPARE(c->messages().size(), 2);
    QCOMPARE(c->messages()[0].text, QStringLiteral("Capital of Germany?"));
    QCOMPARE(c->messages()[1].text, QStringLiteral("Berlin."));
    QCOMPARE(c->messages()[0].branchCount(), 2);
    QCOMPARE(c->messages()[0].branchIndex, 1);

    // ‹ 1/2 ›: the earlier branch comes back whole, and the later one again.
    const int edited = c->messages()[0].id;
    ui::MessageView* view = w.window->chatPane()->chatView()->viewFor(edited);
    QVERIFY(view);
    QTRY_VERIFY(view->previousVersionButton()->isVisible());
    QCOMPARE(view->versionLabel()->text(), QStringLiteral("2/2"));
    QTest::mouseClick(view->previousVersionButton(), Qt::LeftButton);
    QCOMPARE(c->messages().size(), 4);
    QCOMPARE(c->messages()[0].text, QStringLiteral("Capital of France?"));
    QCOMPARE(c->messages()[3].text, QStringLiteral("About 2 million."));
    QCOMPARE(c->messages()[0].branchIndex, 0);
    // The model's history follows the branch shown: the next question continues it.
    QVERIFY(askAndWait(w, "Yes.", QStringLiteral("Is it big?")));
    QCOMPARE(c->messages().size(), 6);

    // Saved and opened again with both branches.
    w.app->autosaver()->flush();
    const app::OpenedConversation saved = app::ConversationStore::open(w.app->autosaver()->path());
    QVERIFY2(saved.error.isEmpty(), qPrintable(saved.error));
    QCOMPARE(saved.data.messages.size(), 6);
    QCOMPARE(saved.data.messages[0].otherBranches.size(), 1);
    QCOMPARE(saved.data.messages[0].otherBranches[0][0].text, QStringLiteral("Capital of Germany?"));
    QCOMPARE(saved.data.messages[0].otherBranches[0][1].text, QStringLiteral("Berlin."));
    w.window->controller()->replaceConversation(saved);
    QVERIFY(c->showBranch(c->messages()[0].id, 1));
    QCOMPARE(c->messages().size(), 2);
    QCOMPARE(c->messages()[1].text, QStringLiteral("Berlin."));
  }
};

QTEST_MAIN(TestUiLibrary)
#include "tst_ui_library.moc"
