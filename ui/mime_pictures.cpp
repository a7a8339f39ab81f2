// Pictures from drops and the clipboard; see mime_pictures.h.
#include "ui/mime_pictures.h"

#include <QImage>
#include <QMimeData>
#include <QUrl>

#include "app/picture_formats.h"

namespace qwenvl::ui {

QList<app::PictureSource> picturesFromMime(const QMimeData* mime) {
  QList<app::PictureSource> out;
  if (!mime) return out;
  if (mime->hasUrls()) {
    for (const QUrl& url : mime->urls()) {
      if (!url.isLocalFile()) continue;
      app::PictureSource s;
      s.path = url.toLocalFile();
      out << s;
    }
    if (!out.isEmpty()) return out;
  }
  for (const QString& t : app::PictureFormats::mimeTypes()) {
    if (mime->hasFormat(t)) {
      app::PictureSource s;
      s.bytes = mime->data(t);
      if (!s.bytes.isEmpty()) return {s};
    }
  }
  if (mime->hasImage()) {
    app::PictureSource s;
    s.image = qvariant_cast<QImage>(mime->imageData());
    if (!s.image.isNull()) out << s;
  }
  return out;
}

bool mimeHasPictures(const QMimeData* mime) {
  if (!mime) return false;
  if (mime->hasUrls()) {
    for (const QUrl& url : mime->urls()) {
      if (url.isLocalFile()) return true;
    }
  }
  if (mime->hasImage()) return true;
  for (const QString& t : app::PictureFormats::mimeTypes())
    if (mime->hasFormat(t)) return true;
  return false;
}

}  // namespace qwenvl::ui
