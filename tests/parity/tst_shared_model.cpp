// One loaded Model, two conversations used in turn (different pictures, system prompts and
// histories, switching at every turn): each gets, token for token, what a Model of its own
// gives, and keeps its KV-cache prefix across switches (CPU backend, tiny checkpoint).
#include <QtTest>

#include "support/shared_sessions.h"

using namespace qwenvl;

class TestSharedModel : public QObject {
  Q_OBJECT

 private slots:
  void alternatingSessionsMatchSeparateModels() {
    std::string log;
    const Status s = test::check_shared_model_sessions(BackendKind::Cpu, &log);
    qInfo("%s", log.c_str());
    QVERIFY2(s.ok(), s.message().c_str());
  }
};

QTEST_GUILESS_MAIN(TestSharedModel)
#include "tst_shared_model.moc"
