// The app's direct calls into the engine library; see engine_bridge.h.
#include "app/engine_bridge.h"

#include "app/engine_chat_backend.h"
#include "app/engine_text.h"

namespace qwenvl::app {

BackendFactory engineBackendFactory() {
  return [] { return std::unique_ptr<ChatBackend>(new EngineChatBackend()); };
}

CudaStatus cudaStatus() {
  CudaStatus s;
  s.compiled = cuda_compiled();
  if (s.compiled) {
    const Status available = cuda_available();
    s.available = available.ok();
    s.reason = EngineText::describe(available);
  }
  return s;
}

Result<Picture> decodePicture(const QByteArray& bytes, const QString& label) {
  return load_picture_from_memory(std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())),
                                  label.toStdString());
}

}  // namespace qwenvl::app
