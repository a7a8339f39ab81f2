// The request's pictures made ready for the engine: file:// pictures read from inside the
// --allow-files folder only (resolved with realpath, so neither ".." nor a symbolic link leads
// out of it), every picture decoded with the engine's own decoder under the server's limits.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "qwenvl/picture.h"
#include "server/chat_request.h"
#include "server/engine_service.h"

namespace qwenvl::server {

struct PictureLimits {
  std::string allow_dir;  // realpath of --allow-files; empty: file:// refused
  size_t max_bytes = 32u << 20;
  uint64_t max_pixels = 36'000'000;
};

using PicturesResult = std::variant<std::vector<JobPicture>, ApiError>;
PicturesResult prepare_pictures(ChatRequest& request, const PictureLimits& limits);

}  // namespace qwenvl::server
