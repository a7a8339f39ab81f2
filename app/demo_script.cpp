// Reading demo scripts; see demo_script.h.
#include "app/demo_script.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "app/conversation_library.h"
#include "app/conversation_store.h"

namespace qwenvl::app {

DemoScript DemoScriptReader::read(const QString& path) {
  DemoScript s;
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    s.error = tr("Cannot read the demo script “%1”: %2").arg(path, file.errorString());
    return s;
  }
  QJsonParseError err;
  const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &err);
  if (!doc.isObject()) {
    s.error = tr("The demo script “%1” is not a JSON object (%2).").arg(path, err.errorString());
    return s;
  }
  const QJsonObject o = doc.object();
  const QDir base = QFileInfo(path).absoluteDir();
  s.language = o.value(QStringLiteral("language")).toString();
  for (const QJsonValue& v : o.value(QStringLiteral("pictures")).toArray())
    s.pictures << base.absoluteFilePath(v.toString());
  s.question = o.value(QStringLiteral("question")).toString();
  s.reply = o.value(QStringLiteral("reply")).toString();
  s.tokenDelayMs = qBound(0, o.value(QStringLiteral("token_delay_ms")).toInt(10), 1000);
  const QJsonArray size = o.value(QStringLiteral("window_size")).toArray();
  if (size.size() == 2) s.windowSize = QSize(size[0].toInt(), size[1].toInt());
  s.theme = o.value(QStringLiteral("theme")).toString();
  s.fontPoints = o.value(QStringLiteral("font_points")).toInt(0);
  for (const QJsonValue& v : o.value(QStringLiteral("earlier_questions")).toArray()) s.earlierQuestions << v.toString();
  if (s.question.isEmpty() || s.reply.isEmpty()) {
    s.error = tr("The demo script “%1” needs a \"question\" and a \"reply\".").arg(path);
  }
  return s;
}

QString DemoScriptReader::seedLibrary(const DemoScript& script, const QString& libraryDir) {
  const ConversationLibrary library(libraryDir);
  QDateTime time = QDateTime::currentDateTime().addDays(-int(script.earlierQuestions.size()));
  for (const QString& question : script.earlierQuestions) {
    ConversationData data;
    Message q;
    q.id = 1;
    q.role = Role::User;
    q.text = question;
    q.time = time;
    Message a;
    a.id = 2;
    a.role = Role::Assistant;
    a.text = tr("(an earlier reply)");
    a.time = time;
    data.messages = {q, a};
    const QString path = library.createEntry();
    if (const QString error = ConversationStore::save(data, path); !error.isEmpty()) return error;
    QFile(path).setFileTime(time, QFileDevice::FileModificationTime);
    time = time.addDays(1);
  }
  return {};
}

}  // namespace qwenvl::app
