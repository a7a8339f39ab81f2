// The few places where the app calls into the engine library directly: the real backend's
// factory, CUDA availability (the app's one struct for it, filled from qwenvl::cuda_compiled()
// and cuda_available()) and picture decoding (so the picture shown is exactly the one the model
// sees). Queries are in chat_query.h, grounding in grounding.h.
#pragma once

#include <QByteArray>
#include <QString>

#include "app/chat_backend.h"
#include "qwenvl/picture.h"

namespace qwenvl::app {

BackendFactory engineBackendFactory();

// Whether the CUDA backend can be offered: the settings dialog, the model strip and the backend
// choice all read this one struct.
struct CudaStatus {
  bool compiled = false;   // this build has the CUDA backend
  bool available = false;  // and a GPU can run it
  QString reason;          // why not, when not available
};
CudaStatus cudaStatus();

// What the CPU backend should reach on this machine, from qwenvl::measure_cpu_speed (about a
// second of measuring; blocking, so run it off the GUI thread). modelDir may be empty.
struct CpuSpeedEstimate {
  bool measured = false;
  double tokensPerSecond = 0;
  double memoryGBs = 0;  // copy bandwidth, GB/s
  int threads = 0;
};
CpuSpeedEstimate measureCpuSpeed(const QString& modelDir);

// Decodes a JPEG, PNG, GIF, BMP, WebP or TIFF exactly as the model will see it (no EXIF rotation, alpha dropped).
Result<Picture> decodePicture(const QByteArray& bytes, const QString& label, const DecodeLimits& limits = {});

}  // namespace qwenvl::app
