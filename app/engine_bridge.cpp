// The app's direct calls into the engine library; see engine_bridge.h. decodePicture is in
// picture_decode.cpp, so that code reading pictures (the conversation store and its fuzz target)
// needs the image module only, not the engine.
#include "app/engine_bridge.h"

#include "app/engine_chat_backend.h"
#include "app/engine_text.h"
#include "qwenvl/engine.h"

namespace qwenvl::app {

BackendFactory engineBackendFactory() {
  return [] { return std::unique_ptr<ChatBackend>(new EngineChatBackend()); };
}

CpuSpeedEstimate measureCpuSpeed(const QString& modelDir) {
  CpuSpeedEstimate e;
  auto s = qwenvl::measure_cpu_speed(modelDir.toStdString());
  if (!s) return e;
  e.measured = true;
  e.tokensPerSecond = s->tokens_per_second;
  e.memoryGBs = s->memory_bandwidth / 1e9;
  e.threads = s->threads;
  return e;
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
