// Reads and decodes pictures off the GUI thread (QtConcurrent + QFutureWatcher): files dropped
// or chosen, clipboard bytes or images. Each result carries the decoded picture exactly as the
// model sees it, or an error naming the file; results come back in the order they were given.
#pragma once

#include <QFutureWatcher>
#include <QImage>
#include <QList>
#include <QObject>
#include <QString>

#include "app/conversation.h"

namespace qwenvl::app {

struct PictureSource {
  QString path;      // a file to read, or
  QByteArray bytes;  // encoded bytes (clipboard "image/png"), or
  QImage image;      // a clipboard image without encoded bytes: stored as PNG
  QString name;      // shown to the user; defaults to the file name
};

struct ImportResult {
  PictureItem item;  // valid when error is empty
  QString error;
  QString note;  // PictureFormats::modelViewNote: what the model sees differs from a viewer's
};

// A QImage that shares the decoded RGB (kept alive by the image), without a copy.
QImage imageView(const std::shared_ptr<const Picture>& picture);

class PictureImporter : public QObject {
  Q_OBJECT
 public:
  explicit PictureImporter(QObject* parent = nullptr);
  ~PictureImporter() override;

  // Starts a batch; batches finish in the order they were started.
  void import(const QList<PictureSource>& sources);
  bool isBusy() const { return !m_jobs.isEmpty(); }
  // Reads, decodes and makes the thumbnail of one picture; safe on any thread. `limits` bound
  // the file read (for a path) and the decoded size; the defaults are the engine's.
  static ImportResult importOne(const PictureSource& source, const DecodeLimits& limits = {});

 signals:
  void imported(const QList<qwenvl::app::ImportResult>& results);

 private:
  void onJobFinished();
  QList<QFutureWatcher<ImportResult>*> m_jobs;
};

}  // namespace qwenvl::app
