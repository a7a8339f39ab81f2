// The picture formats the engine reads (JPEG, PNG, GIF, BMP, WebP, TIFF), as the app offers them:
// the file dialog's filter, the clipboard and drop MIME types, the extension to store a picture's
// bytes under, and a note when what the model sees differs from what a viewer would show (a JPEG,
// PNG or WebP with an EXIF rotation, which the official pipeline does not apply; an animation, of
// which only the first frame counts). Sniffs bytes, never names.
#pragma once

#include <QByteArray>
#include <QCoreApplication>
#include <QString>
#include <QStringList>

namespace qwenvl::app {

class PictureFormats {
  Q_DECLARE_TR_FUNCTIONS(PictureFormats)
 public:
  // "Pictures (*.jpg ... *.tiff);;All files (*)" for QFileDialog.
  static QString fileDialogFilter();
  // Encoded-picture MIME types taken from drops and the clipboard, most preferred first.
  static QStringList mimeTypes();
  // "png", "jpg", "gif", "bmp", "webp", "tif", or an empty string when the bytes are none of them.
  static QString extensionFor(const QByteArray& bytes);
  // The EXIF orientation (1..8) a JPEG, PNG or WebP asks for; 0 when it has none (or is a TIFF,
  // whose orientation Pillow does apply, and so does the engine).
  static int exifOrientation(const QByteArray& bytes);
  // True for a GIF with more than one image, or a WebP with the animation flag.
  static bool isAnimated(const QByteArray& bytes);
  // A sentence for the user when the picture shown (the model's view) differs from what a
  // picture viewer would show; empty otherwise.
  static QString modelViewNote(const QByteArray& bytes);
};

}  // namespace qwenvl::app
