// The app's direct calls into the engine library; see engine_bridge.h.
#include "app/engine_bridge.h"

#include "app/engine_chat_backend.h"

namespace qwenvl::app {

BackendFactory engineBackendFactory() {
  return [] { return std::unique_ptr<ChatBackend>(new EngineChatBackend()); };
}

CudaStatus cudaStatus() {
  const CudaSupport support = engine_cuda_support();
  CudaStatus s;
  s.compiled = support.compiled;
  s.available = support.available;
  s.reason = QString::fromStdString(support.reason);
  return s;
}

Result<Picture> decodePicture(const QByteArray& bytes, const QString& label) {
  return load_picture_from_memory(std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())),
                                  label.toStdString());
}

GroundingParse parseGroundingMarkup(const std::string& reply, bool finished) {
  return parse_grounding(reply, finished);
}

}  // namespace qwenvl::app
