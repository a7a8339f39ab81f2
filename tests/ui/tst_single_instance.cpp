// One running instance per user (app::SingleInstance): the first start listens, a later one
// hands its files over and is told to exit, a lock left by a crashed instance is taken over,
// and of two launches racing, exactly one runs and the other's files reach it.
#include <QLocalSocket>
#include <QLockFile>
#include <QMutex>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>
#include <atomic>

#include "app/single_instance.h"

using namespace qwenvl;
using Role = app::SingleInstance::Role;

namespace {
// Runs a whole later launch on another thread: its hand-over blocks until the running
// instance, served by this thread's event loop, answers.
QFuture<Role> launchElsewhere(const QString& base, const QStringList& files) {
  return QtConcurrent::run([base, files] {
    app::SingleInstance later(base);
    return later.start(files);
  });
}
}  // namespace

class TestSingleInstance : public QObject {
  Q_OBJECT
 private slots:
  void aLaterLaunchHandsItsFilesOver() {
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("studio"));
    app::SingleInstance first(base);
    QCOMPARE(first.start({}), Role::Primary);
    QSignalSpy received(&first, &app::SingleInstance::filesReceived);
    const QStringList files{QStringLiteral("/pictures/a cat.png"), QStringLiteral("/pictures/狗.jpg")};
    QFuture<Role> later = launchElsewhere(base, files);
    QVERIFY(received.wait());
    QCOMPARE(received.at(0).at(0).toStringList(), files);
    QVERIFY(QTest::qWaitFor([&] { return later.isFinished(); }));
    QCOMPARE(later.result(), Role::Secondary);
    // A launch with no files only asks the window to come forward.
    QFuture<Role> bare = launchElsewhere(base, {});
    QVERIFY(received.wait());
    QCOMPARE(received.at(1).at(0).toStringList(), QStringList());
    QVERIFY(QTest::qWaitFor([&] { return bare.isFinished(); }));
    QCOMPARE(bare.result(), Role::Secondary);
  }

  void theNextStartRunsOnceTheFirstHasEnded() {
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("studio"));
    {
      app::SingleInstance first(base);
      QCOMPARE(first.start({}), Role::Primary);
    }
    app::SingleInstance next(base);
    QCOMPARE(next.start({QStringLiteral("/x.png")}), Role::Primary);
  }

  void aCrashedInstanceLeavesNothingInTheWay() {
    QTemporaryDir dir;
    const QString base = dir.filePath(QStringLiteral("studio"));
    // What a killed instance leaves: a lock naming a process that is gone, a socket file nobody
    // listens on.
    QProcess gone;
    qint64 pid = 0;
    connect(&gone, &QProcess::started, this, [&] { pid = gone.processId(); });
    gone.start(QStringLiteral("true"));
    QVERIFY(gone.waitForFinished());
    QVERIFY(pid > 0);
    QFile lock(base + QStringLiteral(".lock"));
    QVERIFY(lock.open(QIODevice::WriteOnly));
    lock.write(QByteArray::number(pid) + "\nqwenvl-studio\n" + QSysInfo::machineHostName().toUtf8() + "\n");
    lock.close();
    QFile socketFile(base);
    QVERIFY(socketFile.open(QIODevice::WriteOnly));
    socketFile.close();
    app::SingleInstance next(base);
    QString error;
    QCOMPARE(next.start({}, &error), Role::Primary);
    QVERIFY2(error.isEmpty(), qPrintable(error));
  }

  void ofTwoRacingLaunchesOneRunsAndGetsTheOthersFiles() {
    for (int round = 0; round < 10; ++round) {
      QTemporaryDir dir;
      const QString base = dir.filePath(QStringLiteral("studio"));
      // One launch lives on a thread with its own event loop, so it can serve if it wins.
      QThread thread;
      thread.start();
      auto* racer = new app::SingleInstance(base);
      racer->moveToThread(&thread);
      std::atomic<int> racerRole{-1};
      QMutex mutex;
      QStringList racerGot;  // guarded by mutex: written on the racer's thread
      connect(
          racer, &app::SingleInstance::filesReceived, racer,
          [&](const QStringList& files) {
            QMutexLocker lock(&mutex);
            racerGot = files;
          },
          Qt::DirectConnection);
      QMetaObject::invokeMethod(racer, [&] { racerRole = int(racer->start({QStringLiteral("/from/racer.png")})); });
      app::SingleInstance here(base);
      QSignalSpy hereReceived(&here, &app::SingleInstance::filesReceived);
      const Role hereRole = here.start({QStringLiteral("/from/here.png")});
      if (hereRole == Role::Primary) {
        QVERIFY(hereReceived.wait());
        QCOMPARE(hereReceived.at(0).at(0).toStringList(), QStringList{QStringLiteral("/from/racer.png")});
        QVERIFY(QTest::qWaitFor([&] { return racerRole != -1; }));
        QCOMPARE(Role(racerRole.load()), Role::Secondary);
      } else {
        QCOMPARE(hereRole, Role::Secondary);  // its receipt came, so the racer has the files
        QVERIFY(QTest::qWaitFor([&] { return racerRole != -1; }));
        QCOMPARE(Role(racerRole.load()), Role::Primary);
        QMutexLocker lock(&mutex);
        QCOMPARE(racerGot, QStringList{QStringLiteral("/from/here.png")});
      }
      QMetaObject::invokeMethod(racer, &QObject::deleteLater);
      thread.quit();
      thread.wait();
    }
  }
};

QTEST_GUILESS_MAIN(TestSingleInstance)
#include "tst_single_instance.moc"
