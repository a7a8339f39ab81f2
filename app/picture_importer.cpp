// Off-thread picture reading and decoding; see picture_importer.h.
#include "app/picture_importer.h"

#include <QBuffer>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentMap>
#include <algorithm>

#include "app/engine_bridge.h"
#include "app/file_io.h"
#include "app/picture_formats.h"

namespace qwenvl::app {

namespace {

// The engine refuses larger files anyway; reading one would only spend memory.
constexpr qint64 kMaxFileBytes = static_cast<qint64>(DecodeLimits{}.max_file_bytes);
constexpr int kThumbnailSize = 160;

struct PictureHolder {
  std::shared_ptr<const Picture> picture;
};

void releasePicture(void* info) { delete static_cast<PictureHolder*>(info); }

}  // namespace

QImage imageView(const std::shared_ptr<const Picture>& picture) {
  if (!picture || picture->width <= 0 || picture->height <= 0) return {};
  auto* holder = new PictureHolder{picture};
  return QImage(picture->rgb.data(), picture->width, picture->height, static_cast<qsizetype>(picture->width) * 3,
                QImage::Format_RGB888, &releasePicture, holder);
}

ImportResult PictureImporter::importOne(const PictureSource& source, const DecodeLimits& limits) {
  ImportResult r;
  QByteArray bytes = source.bytes;
  QString name = source.name;
  if (!source.path.isEmpty()) {
    if (name.isEmpty()) name = QFileInfo(source.path).fileName();
    // Bounded and regular files only: a dropped /dev/zero or FIFO is refused, not read forever.
    ReadResult read =
        FileIo::readRegularFile(source.path, std::min(kMaxFileBytes, static_cast<qint64>(limits.max_file_bytes)));
    if (!read.error.isEmpty()) {
      r.error = tr("“%1” cannot be used as a picture: %2").arg(source.path, read.error);
      return r;
    }
    bytes = std::move(read.bytes);
  } else if (bytes.isEmpty() && !source.image.isNull()) {
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    source.image.save(&buffer, "PNG");
  }
  if (name.isEmpty()) name = tr("pasted picture");
  if (bytes.isEmpty()) {
    r.error = tr("“%1” is empty.").arg(name);
    return r;
  }
  Result<Picture> decoded = decodePicture(bytes, name, limits);
  if (!decoded) {
    r.error = tr("“%1” cannot be used as a picture: %2").arg(name, QString::fromStdString(decoded.message()));
    return r;
  }
  auto picture = std::make_shared<const Picture>(std::move(decoded.value()));
  r.item.name = name;
  r.item.sourcePath = source.path;
  r.item.bytes = bytes;
  r.item.picture = picture;
  r.item.image = imageView(picture);
  r.item.thumbnail = r.item.image.scaled(kThumbnailSize, kThumbnailSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  if (const QString note = PictureFormats::modelViewNote(bytes); !note.isEmpty())
    r.note = tr("“%1”: %2").arg(name, note);
  return r;
}

PictureImporter::PictureImporter(QObject* parent) : QObject(parent) {}

PictureImporter::~PictureImporter() {
  // Decoding holds no resources of ours, so waiting for it on exit is short and safe.
  for (auto* job : m_jobs) {
    job->disconnect(this);
    job->waitForFinished();
    delete job;
  }
}

void PictureImporter::import(const QList<PictureSource>& sources) {
  if (sources.isEmpty()) return;
  auto* watcher = new QFutureWatcher<ImportResult>(this);
  connect(watcher, &QFutureWatcher<ImportResult>::finished, this, &PictureImporter::onJobFinished);
  m_jobs.push_back(watcher);
  watcher->setFuture(QtConcurrent::mapped(sources, [](const PictureSource& s) { return importOne(s); }));
}

void PictureImporter::onJobFinished() {
  // Deliver finished batches from the front only, so results keep the order of the drops.
  while (!m_jobs.isEmpty() && m_jobs.front()->isFinished()) {
    QFutureWatcher<ImportResult>* job = m_jobs.takeFirst();
    const QList<ImportResult> results = job->future().results();
    job->deleteLater();
    emit imported(results);
  }
}

}  // namespace qwenvl::app
