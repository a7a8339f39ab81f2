// Off-thread file jobs; see file_jobs.h.
#include "app/file_jobs.h"

#include <QFileInfo>
#include <QImageWriter>
#include <QtConcurrent/QtConcurrentRun>

#include "app/file_io.h"
#include "app/markdown_export.h"

namespace qwenvl::app {

FileJobs::FileJobs(QObject* parent) : QObject(parent) { qRegisterMetaType<OpenedConversation>(); }

FileJobs::~FileJobs() { waitForAll(); }

void FileJobs::waitForAll() {
  for (QFutureWatcherBase* w : m_watchers) w->waitForFinished();
}

template <class T, class Fn>
void FileJobs::run(Fn job, std::function<void(const T&)> done) {
  auto* watcher = new QFutureWatcher<T>(this);
  ++m_running;
  m_watchers.push_back(watcher);
  connect(watcher, &QFutureWatcher<T>::finished, this, [this, watcher, done] {
    --m_running;
    m_watchers.removeOne(watcher);
    watcher->deleteLater();
    done(watcher->result());
  });
  watcher->setFuture(QtConcurrent::run(std::move(job)));
}

void FileJobs::open(const QString& path) {
  run<OpenedConversation>([path] { return ConversationStore::open(path); },
                          [this, path](const OpenedConversation& c) {
                            if (c.error.isEmpty()) emit opened(c, path);
                            emit finished(Kind::Open, path, c.error);
                          });
}

void FileJobs::save(const ConversationData& data, const QString& path) {
  run<QString>([data, path] { return ConversationStore::save(data, path); },
               [this, path](const QString& error) { emit finished(Kind::Save, path, error); });
}

void FileJobs::exportMarkdown(const ConversationData& data, const QVector<QImage>& images, const QString& path) {
  run<QString>([data, images, path] { return MarkdownExport::write(data, images, path); },
               [this, path](const QString& error) { emit finished(Kind::ExportMarkdown, path, error); });
}

void FileJobs::saveAnnotated(const QImage& original, const QVector<AnnotationBox>& boxes, const QString& path) {
  run<QString>([original, boxes, path] { return writeAnnotated(original, boxes, path); },
               [this, path](const QString& error) { emit finished(Kind::SaveAnnotated, path, error); });
}

QString FileJobs::writeAnnotated(const QImage& original, const QVector<AnnotationBox>& boxes, const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  QByteArray format;
  if (suffix == QLatin1String("png"))
    format = "png";
  else if (suffix == QLatin1String("jpg") || suffix == QLatin1String("jpeg"))
    format = "jpeg";
  else
    return tr("“%1”: choose a file name ending in .png or .jpg.").arg(QFileInfo(path).fileName());
  if (original.isNull()) return tr("There is no picture to save.");

  const QImage annotated = renderAnnotated(original, boxes);
  const QString error = FileIo::saveAtomically(path, [&](QIODevice* device) {
    QImageWriter writer(device, format);
    if (format == "jpeg") writer.setQuality(95);
    return writer.write(annotated) ? QString() : writer.errorString();
  });
  if (!error.isEmpty()) return tr("Cannot write “%1”: %2").arg(path, error);
  return {};
}

}  // namespace qwenvl::app
