// Scratch files for the fuzz targets; see fuzz_files.h. Plain POSIX and <filesystem> with
// error codes, so a file-system problem is reported instead of thrown.
#include "fuzz_files.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

namespace qwenvl::fuzz {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMarker = "\n--8<-- ";

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > 64 || n == "." || n == "..") return false;
  for (char c : n) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void clear_scratch() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(scratch_dir(), ec)) fs::remove_all(e.path(), ec);
}

std::string write_file(std::string_view name, std::string_view bytes) {
  const std::string path = scratch_dir() + "/" + std::string(name);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();  // a broken harness must not pass as "no crash"
  }
  return path;
}

}  // namespace

const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/qwenvl-fuzz-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) {
      std::perror("fuzz: mkdtemp");
      std::abort();
    }
    std::string d(buf.data());
    static const std::string keep = d;
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(keep, ec);
    });
    return d;
  }();
  return dir;
}

std::string write_scratch_file(std::string_view name, std::string_view bytes) {
  clear_scratch();
  return write_file(name, bytes);
}

void write_bundle(std::string_view bytes, std::string_view first_name) {
  clear_scratch();
  std::string_view name = first_name;
  size_t begin = 0, search = 0;
  while (true) {
    const size_t m = bytes.find(kMarker, search);
    if (m == std::string_view::npos) break;
    const size_t name_begin = m + kMarker.size();
    const size_t eol = bytes.find('\n', name_begin);
    if (eol == std::string_view::npos) break;
    const std::string_view next = bytes.substr(name_begin, eol - name_begin);
    if (!valid_name(next)) {
      search = m + 1;
      continue;
    }
    write_file(name, bytes.substr(begin, m - begin));
    name = next;
    begin = search = eol + 1;
  }
  write_file(name, bytes.substr(begin));
}

std::string required_env(const char* name, const char* what) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    std::fprintf(stderr, "fuzz: set %s to %s\n", name, what);
    std::exit(2);
  }
  return v;
}

}  // namespace qwenvl::fuzz
