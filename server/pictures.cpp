// prepare_pictures: confinement of file:// pictures and decoding.
#include "server/pictures.h"

#include <sys/stat.h>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <memory>

namespace qwenvl::server {

namespace {

std::optional<std::string> real_path(const std::string& p) {
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf)) return std::nullopt;
  return std::string(buf);
}

}  // namespace

PicturesResult prepare_pictures(ChatRequest& request, const PictureLimits& limits) {
  std::vector<JobPicture> out;
  for (ImageRef& ref : request.images) {
    if (!ref.file_path.empty()) {
      if (limits.allow_dir.empty())
        return ApiError::bad_request("'" + ref.param + "' is a file:// URL, which this server does not read", ref.param,
                                     "invalid_image_url");
      auto real = real_path(ref.file_path);
      const std::string root = limits.allow_dir == "/" ? "/" : limits.allow_dir + "/";
      if (!real || real->compare(0, root.size(), root) != 0)
        return ApiError::bad_request("'" + ref.param +
                                         "' names a file that does not exist inside the folder this "
                                         "server may read pictures from (--allow-files)",
                                     ref.param, "invalid_image_url");
      struct stat st {};
      if (::stat(real->c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return ApiError::bad_request("'" + ref.param + "' is not a regular file", ref.param, "invalid_image_url");
      if (static_cast<uint64_t>(st.st_size) > limits.max_bytes)
        return ApiError::too_large("'" + ref.param + "' is a picture of " + std::to_string(st.st_size) +
                                       " bytes; at most " + std::to_string(limits.max_bytes) + " are accepted",
                                   ref.param, "picture_too_large");
      std::ifstream f(*real, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      if (!f.good() && !f.eof())
        return ApiError::bad_request("'" + ref.param + "' could not be read", ref.param, "invalid_image_url");
      ref.bytes = std::move(bytes);
    }
    DecodeLimits dl;
    dl.max_pixels = limits.max_pixels;
    dl.max_file_bytes = limits.max_bytes;
    const std::string label = picture_label(ref.bytes);
    auto pic = load_picture_from_memory(ref.bytes, label, dl);
    if (!pic) {
      const bool too_big =
          pic.message().find("pixels") != std::string::npos && pic.message().find("limit") != std::string::npos;
      ApiError e = ApiError::bad_request("'" + ref.param + "' is not a picture the server can read: " + pic.message(),
                                         ref.param, "invalid_image");
      if (too_big) e.status = 413;
      return e;
    }
    JobPicture jp;
    jp.label = label;
    jp.bytes = std::make_shared<const std::string>(std::move(ref.bytes));
    jp.picture = std::make_shared<const Picture>(std::move(pic.value()));
    ref.bytes.clear();
    out.push_back(std::move(jp));
  }
  return out;
}

}  // namespace qwenvl::server
