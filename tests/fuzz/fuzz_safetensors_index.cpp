// libFuzzer target: a sharded checkpoint folder (SafetensorsArchive::open_dir). The input is a
// bundle (fuzz_files.h): model.safetensors.index.json first, then the shards by name. What opens
// must agree with the index: every tensor comes from a shard file that exists.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "fuzz_files.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qwenvl::fuzz::write_bundle({reinterpret_cast<const char*>(data), size}, "model.safetensors.index.json");
  auto archive = qwenvl::SafetensorsArchive::open_dir(qwenvl::fuzz::scratch_dir());
  if (!archive.ok()) {
    if (archive.message().empty()) std::abort();  // an error must say what is wrong
    return 0;
  }
  size_t total = 0;
  for (const auto& [name, t] : (*archive)->tensors()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(qwenvl::fuzz::scratch_dir() + "/" + t.file, ec)) {
      std::fprintf(stderr, "fuzz_safetensors_index: tensor '%s' from a missing shard '%s'\n", name.c_str(),
                   t.file.c_str());
      std::abort();
    }
    total += t.nbytes;
  }
  if (total != (*archive)->total_bytes()) std::abort();
  return 0;
}
