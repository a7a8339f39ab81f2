// Pictures inside drag-and-drop or clipboard data: local file URLs first (the file is read as
// is), then encoded image bytes (app::PictureFormats::mimeTypes: PNG, JPEG, WebP, GIF, BMP, TIFF),
// then a bare image (stored as PNG).
#pragma once

#include <QList>

#include "app/picture_importer.h"

class QMimeData;

namespace qwenvl::ui {

QList<app::PictureSource> picturesFromMime(const QMimeData* mime);
bool mimeHasPictures(const QMimeData* mime);

}  // namespace qwenvl::ui
