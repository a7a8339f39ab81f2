// The app's direct calls into the engine library; see engine_bridge.h. Each part is switched
// by a compile definition set in app/CMakeLists.txt, so that a half-built engine never stops
// the app from linking: QWENVL_APP_ENGINE_MODEL (Model/ChatSession, CUDA probing) and
// QWENVL_APP_ENGINE_PICTURE (load_picture_from_memory).
#include "app/engine_bridge.h"

#include <QBuffer>
#include <QImage>
#include <QImageReader>

#if QWENVL_APP_ENGINE_MODEL
#include "app/engine_chat_backend.h"
#endif

namespace qwenvl::app {

BackendFactory engineBackendFactory() {
#if QWENVL_APP_ENGINE_MODEL
  return [] { return std::unique_ptr<ChatBackend>(new EngineChatBackend()); };
#else
  return {};
#endif
}

CudaStatus cudaStatus() {
  CudaStatus s;
#if QWENVL_APP_ENGINE_MODEL
  const CudaSupport support = engine_cuda_support();
  s.compiled = support.compiled;
  s.available = support.available;
  s.reason = QString::fromStdString(support.reason);
#endif
  return s;
}

Result<Picture> decodePicture(const QByteArray& bytes, const QString& label) {
#if QWENVL_APP_ENGINE_PICTURE
  return load_picture_from_memory(std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())),
                                  label.toStdString());
#else
  // Until the engine's decoder is linked: Qt's JPEG/PNG readers, EXIF ignored like Pillow.
  QByteArray copy = bytes;
  QBuffer buffer(&copy);
  QImageReader reader(&buffer);
  reader.setAutoTransform(false);
  const QByteArray format = reader.format();
  if (format != "jpeg" && format != "png") {
    return Result<Picture>::error(label.toStdString() + ": not a JPEG or PNG picture");
  }
  QImage image = reader.read();
  if (image.isNull()) {
    return Result<Picture>::error(label.toStdString() + ": cannot be decoded (" + reader.errorString().toStdString() +
                                  ")");
  }
  image = image.convertToFormat(QImage::Format_RGB888);
  Picture p;
  p.label = label.toStdString();
  p.width = image.width();
  p.height = image.height();
  p.rgb.resize(static_cast<size_t>(p.width) * p.height * 3);
  for (int y = 0; y < p.height; ++y) {
    std::copy_n(image.constScanLine(y), p.width * 3, p.rgb.data() + static_cast<size_t>(y) * p.width * 3);
  }
  return p;
#endif
}

GroundingParse parseGroundingMarkup(const std::string& reply, bool finished) {
  return parse_grounding(reply, finished);
}

}  // namespace qwenvl::app
