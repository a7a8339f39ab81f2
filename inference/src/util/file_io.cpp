// Whole-file reads (plain, or bounded and regular files only), existence checks that never
// throw, and atomic writes.
#include "util/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace qwenvl {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<std::string>::error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Result<std::string>::error(path + ": read error");
  return ss.str();
}

Result<std::string> read_file_limited(const std::string& path, size_t max_bytes) {
  using R = Result<std::string>;
  // O_NONBLOCK so that opening a FIFO cannot stall; it is refused just below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return R::error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return R::error(path + ": not a regular file");
  }
  auto too_big = [&](uint64_t size) {
    return R::error(path + ": " + std::to_string(size) + " bytes is over the limit of " + std::to_string(max_bytes) +
                    " bytes for this file (a damaged or hostile file?)");
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return too_big(static_cast<uint64_t>(st.st_size));
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  // One byte past the limit is asked for, so that a file that grew since fstat is still refused.
  for (;;) {
    if (done == data.size()) {
      if (data.size() > max_bytes) break;
      data.resize(std::min<size_t>(max_bytes + 1, data.size() + 4096 + data.size() / 2));
    }
    ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return R::error(path + ": read error: " + std::strerror(e));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done > max_bytes) return too_big(done);
  data.resize(done);
  return data;
}

Result<bool> path_exists(const std::string& path) {
  std::error_code ec;
  const bool found = std::filesystem::exists(std::filesystem::path(path), ec);
  if (ec) return Result<bool>::error(path + ": cannot check whether it exists: " + ec.message());
  return found;
}

Status write_file_atomic(const std::string& path, std::string_view bytes) {
  std::string tmpl = path + ".tmp-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) return Status::error(path + ": cannot create a temporary file: " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(name.data());
      return Status::error(path + ": write failed: " + std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(name.data());
    return Status::error(path + ": cannot flush: " + std::strerror(errno));
  }
  ::chmod(name.data(), 0644);
  if (std::rename(name.data(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(name.data());
    return Status::error(path + ": cannot rename into place: " + std::strerror(e));
  }
  return Status();
}

}  // namespace qwenvl
