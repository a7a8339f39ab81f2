// The CUDA module loader: the search order, dlopen() with RTLD_LOCAL, and a message for each
// way it can fail (not installed, CUDA libraries missing, a module from another build).
#include "backends/cuda_module.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

namespace qwenvl {

namespace {

namespace fs = std::filesystem;

constexpr const char* kModuleFile = "libqwenvl-cuda.so";
constexpr const char* kCudaLibraries = "libcudart.so.13, libcublas.so.13 and libcublasLt.so.13";

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

Result<const CudaModuleApi*> open_module() {
  using R = Result<const CudaModuleApi*>;
  const std::string path = find_cuda_module();
  if (path.empty()) {
    const char* env = std::getenv("QWENVL_CUDA_MODULE");
    if (env && *env)
      return Status::coded(
          ErrorCode::kCudaNotInstalled, {},
          "the CUDA backend is not installed: QWENVL_CUDA_MODULE names " + std::string(env) + ", which does not exist");
    return Status::coded(ErrorCode::kCudaNotInstalled, {},
                         "the CUDA backend is not installed (none of " + join(cuda_module_candidates()) +
                             " exists): install the qwenvl-studio-cuda package, or use the CPU backend");
  }
  // RTLD_LOCAL: the module's symbols never serve later libraries; RTLD_NOW: a missing CUDA
  // symbol shows here, not in the middle of a reply.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* e = dlerror();
    const std::string why = e ? e : "unknown error";
    // A dependency that cannot be found is named first in the message; the module itself exists.
    if (why.find("cannot open shared object file") != std::string::npos && why.rfind(path, 0) != 0) {
      return Status::coded(ErrorCode::kCudaLibrariesMissing, {why},
                           "CUDA libraries not found: " + why + " (" + path +
                               " needs NVIDIA's CUDA 13 runtime: " + kCudaLibraries +
                               " on the library path): install the CUDA runtime, or use the CPU backend");
    }
    return R::error("cannot load the CUDA backend " + path + ": " + why + ": reinstall the qwenvl-studio-cuda package");
  }
  using Entry = const CudaModuleApi* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, QWENVL_CUDA_MODULE_ENTRY));
  const CudaModuleApi* api = entry ? entry() : nullptr;
  const std::string reinstall = ": install the qwenvl-studio-cuda package of version " QWENVL_ENGINE_VERSION;
  // A rejected library stays loaded: its constructors (a CUDA runtime's among them) have run,
  // and unloading it mid-process gains nothing; the outcome is kept, so it happens once.
  if (!api || api->abi != kCudaModuleAbi) {
    return R::error(path + " is not a CUDA backend for this version of QwenVL (no " QWENVL_CUDA_MODULE_ENTRY ")" +
                    reinstall);
  }
  if (std::string(api->version) != QWENVL_ENGINE_VERSION || !(api->layout == CudaModuleLayout{})) {
    const std::string found = api->version;
    return R::error(path + " comes from another build of QwenVL (version " + found + ", this program is " +
                    QWENVL_ENGINE_VERSION ")" + reinstall);
  }
  return api;
}

const Result<const CudaModuleApi*>& module_once() {
  static const Result<const CudaModuleApi*> loaded = open_module();
  return loaded;
}

}  // namespace

std::vector<std::string> cuda_module_candidates() {
  if (const char* env = std::getenv("QWENVL_CUDA_MODULE"); env && *env) return {env};
  std::vector<std::string> dirs;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && exe.has_parent_path())
    dirs.push_back((exe.parent_path() / QWENVL_MODULE_RELDIR).lexically_normal().string());
  dirs.push_back(QWENVL_MODULE_INSTALL_DIR);
  std::vector<std::string> files;
  for (const std::string& d : dirs) {
    const std::string f = (fs::path(d) / kModuleFile).string();
    bool seen = false;
    for (const std::string& x : files) seen = seen || x == f;
    if (!seen) files.push_back(f);
  }
  return files;
}

std::string find_cuda_module() {
  for (const std::string& f : cuda_module_candidates()) {
    std::error_code ec;
    if (fs::is_regular_file(f, ec)) return f;
  }
  return {};
}

Result<const CudaModuleApi*> load_cuda_module() { return module_once(); }

}  // namespace qwenvl
