// Hostile conversation files (issue 9, item 8): /dev/zero, a FIFO, absolute, "../" and linked
// paths, text posing as a picture, an oversized JSON; each refused in words under a memory cap,
// the open conversation untouched. Also the atomic-save helper. Links qwenvl_app only.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <cstdio>

#include "app/chat_controller.h"
#include "app/conversation.h"
#include "app/conversation_store.h"
#include "app/file_io.h"
#include "app/picture_importer.h"
#include "app/scripted_chat_backend.h"
#include "app/studio_app.h"
#include "fixture_picture.h"

using namespace qwenvl;

namespace {

// Caps the address space at what the process maps now plus `extra` while it lives: a reader that
// ignored its own cap would fail here (bad_alloc) instead of passing after eating gigabytes.
class AddressSpaceCap {
 public:
  explicit AddressSpaceCap(rlim_t extra) {
    getrlimit(RLIMIT_AS, &m_old);
    long pages = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
      std::fclose(f);
    }
    rlimit capped = m_old;
    capped.rlim_cur = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + extra;
    if (m_old.rlim_max != RLIM_INFINITY && capped.rlim_cur > m_old.rlim_max) capped.rlim_cur = m_old.rlim_max;
    m_set = pages > 0 && setrlimit(RLIMIT_AS, &capped) == 0;
  }
  ~AddressSpaceCap() {
    if (m_set) setrlimit(RLIMIT_AS, &m_old);
  }
  bool isSet() const { return m_set; }

 private:
  rlimit m_old{};
  bool m_set = false;
};

constexpr rlim_t kHeadroom = rlim_t(256) << 20;

QByteArray conversationJson(const QString& file) {
  return QByteArray(R"({"format": "qwenvl-studio-conversation", "version": 1, "pictures": [)"
                    R"({"id": 1, "name": "x.png", "file": ")") +
         file.toUtf8() + QByteArray(R"("}], "messages": []})");
}

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

}  // namespace

class TestConversationFiles : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;     // the conversation c.json and its c.pictures/
  QTemporaryDir m_other;   // somewhere else on the disk, with a picture in it
  QString m_json;          // m_dir/c.json
  QString m_pictures;      // m_dir/c.pictures
  QString m_outsideImage;  // a valid picture outside the conversation's folder

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    m_json = m_dir.filePath(QStringLiteral("c.json"));
    m_pictures = app::ConversationStore::picturesFolder(m_json);
    m_outsideImage = m_dir.filePath(QStringLiteral("outside.png"));
    QVERIFY(QFile::copy(test::fixturePicture("chessboard_GRAY.png"), m_outsideImage));
    QVERIFY(QFile::copy(test::fixturePicture("chessboard_GRAY.png"), m_other.filePath(QStringLiteral("secret.png"))));
  }

  void init() {
    // A test may leave c.pictures as a link to m_other: remove the link, not what it leads to.
    if (QFileInfo(m_pictures).isSymLink()) QVERIFY(QFile::remove(m_pictures));
    QDir(m_pictures).removeRecursively();
    QFile::remove(m_json);
    QVERIFY(QDir().mkpath(m_pictures));
  }

  // The rule the refusals below rely on still lets a real conversation in, link included.
  void aPictureInItsOwnFolderOpens() {
    QVERIFY(QFile::copy(test::fixturePicture("chessboard_GRAY.png"), m_pictures + QStringLiteral("/1-x.png")));
    QVERIFY(writeFile(m_json, conversationJson(QStringLiteral("c.pictures/1-x.png"))));
    app::OpenedConversation opened = app::ConversationStore::open(m_json);
    QVERIFY2(opened.error.isEmpty(), qPrintable(opened.error));
    QCOMPARE(opened.pictures.size(), 1);

    // A link that stays inside the folder leads nowhere new.
    QVERIFY(QFile::link(QStringLiteral("1-x.png"), m_pictures + QStringLiteral("/2-y.png")));
    QVERIFY(writeFile(m_json, conversationJson(QStringLiteral("c.pictures/2-y.png"))));
    opened = app::ConversationStore::open(m_json);
    QVERIFY2(opened.error.isEmpty(), qPrintable(opened.error));
  }

  void picturesOutsideTheFolderAreRefused_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("link");  // made in c.pictures/ first: "NAME>TARGET"
    QTest::addColumn<QString>("says");
    const QString notOurs = QStringLiteral("not in the conversation’s own folder");
    const QString aLink = QStringLiteral("link that leads out");
    QTest::newRow("absolute path") << m_outsideImage << QString() << notOurs;
    QTest::newRow("/dev/zero") << QStringLiteral("/dev/zero") << QString() << notOurs;
    QTest::newRow("../ at the start") << QStringLiteral("../outside.png") << QString() << notOurs;
    QTest::newRow("../ inside") << QStringLiteral("c.pictures/../outside.png") << QString() << notOurs;
    QTest::newRow("another folder") << QStringLiteral("d.pictures/outside.png") << QString() << notOurs;
    QTest::newRow("deeper folder") << QStringLiteral("c.pictures/sub/1-x.png") << QString() << notOurs;
    QTest::newRow("link to a file outside")
        << QStringLiteral("c.pictures/1-x.png")
        << QStringLiteral("1-x.png>") + m_other.filePath(QStringLiteral("secret.png")) << aLink;
    QTest::newRow("link to /dev/zero") << QStringLiteral("c.pictures/1-x.png") << QStringLiteral("1-x.png>/dev/zero")
                                       << aLink;
  }

  void picturesOutsideTheFolderAreRefused() {
    QFETCH(QString, file);
    QFETCH(QString, link);
    QFETCH(QString, says);
    if (!link.isEmpty()) {
      const QStringList parts = link.split(QLatin1Char('>'));
      QVERIFY(QFile::link(parts[1], m_pictures + QLatin1Char('/') + parts[0]));
    }
    QVERIFY(writeFile(m_json, conversationJson(file)));
    app::OpenedConversation opened;
    {
      AddressSpaceCap cap(kHeadroom);
      QVERIFY(cap.isSet());
      opened = app::ConversationStore::open(m_json);
    }
    QVERIFY2(opened.error.contains(QStringLiteral("c.json")), qPrintable(opened.error));
    QVERIFY2(opened.error.contains(says), qPrintable(opened.error));
    QVERIFY(opened.pictures.isEmpty() && opened.data.pictures.isEmpty());
  }

  // The pictures folder itself a link elsewhere: its files are not the conversation's.
  void aLinkedPicturesFolderIsRefused() {
    QVERIFY(QDir(m_pictures).removeRecursively());
    QVERIFY(QFile::link(m_other.path(), m_pictures));
    QVERIFY(writeFile(m_json, conversationJson(QStringLiteral("c.pictures/secret.png"))));
    const app::OpenedConversation opened = app::ConversationStore::open(m_json);
    QVERIFY2(opened.error.contains(QStringLiteral("link that leads out")), qPrintable(opened.error));
  }

  // A FIFO with no writer would block a plain open() for ever; it is refused at once.
  void aFifoIsRefusedWithoutBlocking() {
    const QString fifo = m_pictures + QStringLiteral("/1-x.png");
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    QVERIFY(writeFile(m_json, conversationJson(QStringLiteral("c.pictures/1-x.png"))));
    const app::OpenedConversation opened = app::ConversationStore::open(m_json);
    QVERIFY2(opened.error.contains(QStringLiteral("pipe, a device or a socket")), qPrintable(opened.error));
    // The JSON itself as a FIFO.
    QVERIFY(QFile::remove(m_json));
    QCOMPARE(::mkfifo(QFile::encodeName(m_json).constData(), 0600), 0);
    const app::OpenedConversation fifoJson = app::ConversationStore::open(m_json);
    QVERIFY2(fifoJson.error.contains(QStringLiteral("pipe, a device or a socket")), qPrintable(fifoJson.error));
  }

  // /dev/zero reports a size of 0 and never ends; dropped as a picture it is refused unread.
  void devicesAreNeverRead() {
    AddressSpaceCap cap(kHeadroom);
    QVERIFY(cap.isSet());
    const app::ReadResult zero = app::FileIo::readRegularFile(QStringLiteral("/dev/zero"), qint64(1) << 40);
    QVERIFY2(zero.error.contains(QStringLiteral("pipe, a device or a socket")), qPrintable(zero.error));
    QVERIFY(zero.bytes.isEmpty());
    app::PictureSource dropped;
    dropped.path = QStringLiteral("/dev/zero");
    const app::ImportResult imported = app::PictureImporter::importOne(dropped);
    QVERIFY2(imported.error.contains(QStringLiteral("/dev/zero")), qPrintable(imported.error));
    QVERIFY2(imported.error.contains(QStringLiteral("not a regular file")), qPrintable(imported.error));
  }

  // A regular file that claims 0 bytes but holds more (/proc) is read no further than the cap.
  void aFileIsReadNoFurtherThanItsCap() {
    const QString proc = QStringLiteral("/proc/self/status");
    if (!QFile::exists(proc)) QSKIP("no /proc here");
    QCOMPARE(QFileInfo(proc).size(), qint64(0));
    const app::ReadResult capped = app::FileIo::readRegularFile(proc, 16);
    QVERIFY2(capped.error.contains(QStringLiteral("larger than")), qPrintable(capped.error));
    QVERIFY(capped.bytes.isEmpty());
    const app::ReadResult whole = app::FileIo::readRegularFile(proc, 1 << 20);
    QVERIFY2(whole.error.isEmpty(), qPrintable(whole.error));
    QVERIFY(whole.bytes.startsWith("Name:"));
  }

  // /etc/passwd copied in as a picture: the message describes it and never quotes it.
  void aTextFileIsDescribedNotQuoted() {
    const QByteArray passwd("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n");
    QVERIFY(writeFile(m_pictures + QStringLiteral("/1-x.png"), passwd));
    QVERIFY(writeFile(m_json, conversationJson(QStringLiteral("c.pictures/1-x.png"))));
    const app::OpenedConversation opened = app::ConversationStore::open(m_json);
    QVERIFY2(opened.error.contains(QStringLiteral("text file")), qPrintable(opened.error));
    for (const char* leak : {"root", "daemon", "/bin/bash", "72 6f", "726f"}) {
      QVERIFY2(!opened.error.contains(QLatin1String(leak)), qPrintable(opened.error));
    }
  }

  // A 400 MB JSON (sparse: no disk, no time) is refused by its size, never read.
  void anOversizedJsonIsRefusedUnread() {
    QFile big(m_json);
    QVERIFY(big.open(QIODevice::WriteOnly));
    QVERIFY(big.resize(qint64(400) << 20));
    big.close();
    AddressSpaceCap cap(kHeadroom);
    QVERIFY(cap.isSet());
    const app::OpenedConversation opened = app::ConversationStore::open(m_json);
    QVERIFY2(opened.error.contains(QStringLiteral("larger than 32 MB")), qPrintable(opened.error));
  }

  // The caps as the store applies them, lowered so that small files test them.
  void theCapsApply() {
    QVERIFY(QFile::copy(test::fixturePicture("chessboard_GRAY.png"), m_pictures + QStringLiteral("/1-x.png")));
    QVERIFY(writeFile(m_json, conversationJson(QStringLiteral("c.pictures/1-x.png"))));
    app::ConversationLimits small;
    small.maxPictureBytes = 100;  // the picture has 418 bytes
    app::OpenedConversation opened = app::ConversationStore::open(m_json, small);
    QVERIFY2(opened.error.contains(QStringLiteral("c.pictures/1-x.png")), qPrintable(opened.error));
    QVERIFY2(opened.error.contains(QStringLiteral("larger than")), qPrintable(opened.error));
    small = {};
    small.maxJsonBytes = 50;
    opened = app::ConversationStore::open(m_json, small);
    QVERIFY2(opened.error.contains(QStringLiteral("larger than")), qPrintable(opened.error));
    QVERIFY(app::ConversationStore::open(m_json).error.isEmpty());
  }

  // The totals over every picture of a conversation: each picture is within its own cap, the
  // sum is not. Two copies of the 418-byte, 200x200 chessboard: 836 bytes and 80,000 pixels together.
  void thePicturesTogetherAreCapped() {
    for (const char* name : {"/1-a.png", "/2-b.png"})
      QVERIFY(QFile::copy(test::fixturePicture("chessboard_GRAY.png"), m_pictures + QLatin1String(name)));
    QVERIFY(writeFile(m_json, QByteArray(R"({"format": "qwenvl-studio-conversation", "version": 1, "pictures": [)"
                                         R"({"id": 1, "file": "c.pictures/1-a.png"},)"
                                         R"({"id": 2, "file": "c.pictures/2-b.png"}]})")));
    app::ConversationLimits limits;
    limits.maxTotalPictureBytes = 836;
    limits.maxTotalPixels = 80000;
    app::OpenedConversation opened = app::ConversationStore::open(m_json, limits);
    QVERIFY2(opened.error.isEmpty(), qPrintable(opened.error));  // exactly at both limits
    QCOMPARE(opened.pictures.size(), 2);
    QCOMPARE(opened.pictures.at(0).picture->width * opened.pictures.at(0).picture->height, 40000);

    limits.maxTotalPictureBytes = 835;  // the second file would pass it: refused unread
    opened = app::ConversationStore::open(m_json, limits);
    QVERIFY2(opened.error.contains(QStringLiteral("pictures together are larger")), qPrintable(opened.error));
    QVERIFY(opened.pictures.isEmpty() && opened.data.pictures.isEmpty());

    limits = {};
    limits.maxTotalPixels = 79999;  // the second picture crosses the line once decoded
    opened = app::ConversationStore::open(m_json, limits);
    QVERIFY2(opened.error.contains(QStringLiteral("pictures together are larger")), qPrintable(opened.error));
    QVERIFY2(opened.error.contains(QLocale().toString(79999) + QStringLiteral(" pixels")), qPrintable(opened.error));

    // A file over its own cap is named as such, whatever the total.
    limits = {};
    limits.maxPictureBytes = 100;
    limits.maxTotalPictureBytes = 50;
    opened = app::ConversationStore::open(m_json, limits);
    QVERIFY2(opened.error.contains(QStringLiteral("c.pictures/1-a.png")), qPrintable(opened.error));
    QVERIFY2(!opened.error.contains(QStringLiteral("together")), qPrintable(opened.error));

    // The defaults: 1 GiB of files, 2^29 pixels.
    QCOMPARE(app::ConversationLimits{}.maxTotalPictureBytes, qint64(1) << 30);
    QCOMPARE(app::ConversationLimits{}.maxTotalPixels, qint64(1) << 29);
    QVERIFY(app::ConversationStore::open(m_json).error.isEmpty());
  }

  // One small file named by many pictures would cost memory the folder does not hold.
  void oneFileForTwoPicturesIsRefused() {
    QVERIFY(QFile::copy(test::fixturePicture("chessboard_GRAY.png"), m_pictures + QStringLiteral("/1-x.png")));
    QVERIFY(writeFile(m_json, QByteArray(R"({"format": "qwenvl-studio-conversation", "version": 1, "pictures": [)"
                                         R"({"id": 1, "file": "c.pictures/1-x.png"},)"
                                         R"({"id": 2, "file": "c.pictures/1-x.png"}]})")));
    const app::OpenedConversation opened = app::ConversationStore::open(m_json);
    QVERIFY2(opened.error.contains(QStringLiteral("same file")), qPrintable(opened.error));
  }

  // The one save helper: all or nothing, and a folder that cannot be synced is an error.
  void theAtomicSaveIsAllOrNothing() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.json"));
    QCOMPARE(app::FileIo::saveAtomically(path, QByteArray("one")), QString());
    const QString error = app::FileIo::saveAtomically(path, [](QIODevice* device) {
      device->write("half of tw");
      return QStringLiteral("the disk said no");
    });
    QCOMPARE(error, QStringLiteral("the disk said no"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("one"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("a.json")});
    const QString missing = dir.filePath(QStringLiteral("gone"));
    QVERIFY(app::FileIo::syncFolder(missing).contains(missing));
    QCOMPARE(app::FileIo::syncFolder(dir.path()), QString());
  }

  // Through the application: the refusal is reported and the conversation shown stays.
  void aRefusedFileLeavesTheConversationAlone() {
    QTemporaryDir home;
    app::AppSettings settings(home.filePath(QStringLiteral("settings.ini")));
    app::StudioAppOptions o;
    o.settings = &settings;
    auto script = std::make_shared<app::ReplyScript>();
    o.backendFactory = [script] { return std::make_unique<app::ScriptedChatBackend>(script); };
    app::StudioApp studio(o);
    studio.addPictureFiles({test::fixturePicture("chessboard_GRAY.png")});
    QVERIFY(QTest::qWaitFor([&] { return studio.conversation()->pictures().size() == 1; }));

    QVERIFY(writeFile(m_json, conversationJson(QStringLiteral("/dev/zero"))));
    QSignalSpy finished(&studio, &app::StudioApp::fileJobFinished);
    studio.openConversation(m_json);
    QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1; }));
    const QString error = finished.at(0).at(2).toString();
    QVERIFY2(error.contains(QStringLiteral("not in the conversation’s own folder")), qPrintable(error));
    QCOMPARE(studio.conversation()->pictures().size(), 1);
    QCOMPARE(studio.conversation()->pictures().at(0).name, QStringLiteral("chessboard_GRAY.png"));
    QVERIFY(studio.conversationPath().isEmpty());
    studio.shutdown();
  }
};

QTEST_GUILESS_MAIN(TestConversationFiles)
#include "tst_conversation_files.moc"
