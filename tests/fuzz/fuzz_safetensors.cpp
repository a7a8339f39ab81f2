// libFuzzer target: one safetensors file (SafetensorsArchive::open_file on a scratch copy of
// the input). An archive that opens must describe itself truthfully: every tensor's byte count
// is its element count times its dtype size, and its bytes lie inside the file.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz_files.h"
#include "model/safetensors.h"

namespace {

void check(bool ok, const char* what, const std::string& name) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_safetensors: tensor '%s': invariant broken: %s\n", name.c_str(), what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      qwenvl::fuzz::write_scratch_file("model.safetensors", {reinterpret_cast<const char*>(data), size});
  auto archive = qwenvl::SafetensorsArchive::open_file(path);
  if (!archive.ok()) return 0;
  volatile uint8_t sink = 0;
  for (const auto& [name, t] : (*archive)->tensors()) {
    unsigned __int128 elements = 1;
    for (int64_t d : t.shape) {
      check(d >= 0, "dimensions are non-negative", name);
      elements *= static_cast<uint64_t>(d);
      if (elements > (static_cast<unsigned __int128>(1) << 64)) elements = static_cast<unsigned __int128>(1) << 64;
    }
    check(elements * qwenvl::dtype_size(t.dtype) == t.nbytes, "nbytes = numel x dtype size", name);
    check(t.nbytes <= size, "the tensor fits in the file", name);
    check(t.numel() >= 0 && static_cast<uint64_t>(t.numel()) == elements, "numel() is the element count", name);
    // A view past its mapping faults here rather than in the engine later.
    if (t.nbytes) sink = sink + t.data[0] + t.data[t.nbytes - 1];
  }
  return 0;
}
