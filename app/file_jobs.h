// File work that can take a while (big pictures, many of them) run off the GUI thread with
// QtConcurrent; each ends in one signal with an error message a person can act on, or none.
#pragma once

#include <QFutureWatcher>
#include <QImage>
#include <QObject>
#include <QString>
#include <QVector>

#include "app/annotation_painter.h"
#include "app/conversation.h"
#include "app/conversation_store.h"

namespace qwenvl::app {

class FileJobs : public QObject {
  Q_OBJECT
 public:
  enum class Kind { Open, Save, ExportMarkdown, SaveAnnotated };
  Q_ENUM(Kind)

  explicit FileJobs(QObject* parent = nullptr);
  ~FileJobs() override;

  void open(const QString& path);
  void save(const ConversationData& data, const QString& path);
  void exportMarkdown(const ConversationData& data, const QVector<QImage>& images, const QString& path);
  void saveAnnotated(const QImage& original, const QVector<AnnotationBox>& boxes, const QString& path);
  bool isBusy() const { return m_running > 0; }
  void waitForAll();

  // The picture with its boxes at its own resolution, as PNG or JPEG (by the file's suffix),
  // written atomically. Returns an error message or an empty string.
  static QString writeAnnotated(const QImage& original, const QVector<AnnotationBox>& boxes, const QString& path);

 signals:
  void opened(const qwenvl::app::OpenedConversation& conversation, const QString& path);
  void finished(qwenvl::app::FileJobs::Kind kind, const QString& path, const QString& error);

 private:
  template <class T, class Fn>
  void run(Fn job, std::function<void(const T&)> done);
  int m_running = 0;
  QList<QFutureWatcherBase*> m_watchers;
};

}  // namespace qwenvl::app

Q_DECLARE_METATYPE(qwenvl::app::OpenedConversation)
