// decodePicture (engine_bridge.h): the image module only, no engine; see engine_bridge.cpp.
#include "app/engine_bridge.h"

namespace qwenvl::app {

Result<Picture> decodePicture(const QByteArray& bytes, const QString& label, const DecodeLimits& limits) {
  return load_picture_from_memory(std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())),
                                  label.toStdString(), limits);
}

}  // namespace qwenvl::app
