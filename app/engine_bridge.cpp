// The app's direct calls into the engine library; see engine_bridge.h. decodePicture is in
// picture_decode.cpp, so that code reading pictures (the conversation store and its fuzz target)
// needs the image module only, not the engine.
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

}  // namespace qwenvl::app
