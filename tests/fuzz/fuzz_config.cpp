// libFuzzer target: the model folder's JSON files (load_model_config). The input is a bundle
// (fuzz_files.h): config.json first, then quantize_config.json / generation_config.json by name.
// A config that loads must hold the invariants the engine relies on when it sizes buffers.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz_files.h"
#include "model/config.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_config: accepted a config that breaks: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qwenvl::fuzz::write_bundle({reinterpret_cast<const char*>(data), size}, "config.json");
  auto cfg = qwenvl::load_model_config(qwenvl::fuzz::scratch_dir());
  if (!cfg.ok()) {
    check(!cfg.message().empty(), "an error has a message");
    return 0;
  }
  const qwenvl::ModelConfig& c = *cfg;
  check(c.hidden_size > 0 && c.num_layers > 0 && c.num_heads > 0 && c.kv_channels > 0, "positive sizes");
  check(int64_t{c.num_heads} * c.kv_channels == c.hidden_size, "heads x head_dim = hidden");
  check(c.ffn_size > 0 && c.vocab_size >= 151860, "ffn and vocabulary");
  // The products the engine forms in int for shapes and buffers.
  const int64_t kIntMax = INT32_MAX;
  check(int64_t{c.vocab_size} * c.hidden_size <= kIntMax, "vocab x hidden fits int");
  check(int64_t{c.ffn_size} * c.hidden_size <= kIntMax, "ffn x hidden fits int");
  const auto& v = c.visual;
  check(v.width > 0 && v.heads > 0 && v.width % v.heads == 0, "ViT heads divide the width");
  check(v.patch_size > 0 && v.image_size % v.patch_size == 0 && v.grid() > 0, "patches tile the image");
  check(int64_t{v.width} * v.mlp_width <= kIntMax, "ViT width x mlp fits int");
  check(int64_t{v.grid()} * v.grid() * v.width <= kIntMax, "patches x width fits int");
  check(v.output_dim == c.hidden_size, "resampler output = hidden");
  check(v.image_start_id >= 0 && v.image_start_id + 2 < c.vocab_size, "image ids inside the vocabulary");
  check(c.quant.bits == 4 && c.quant.group_size != 0, "4-bit GPTQ");
  const auto& g = c.generation;
  check(g.eos_token_id >= 0 && g.eos_token_id < c.vocab_size, "eos inside the vocabulary");
  check(g.top_p > 0 && g.top_p <= 1 && g.temperature > 0 && g.repetition_penalty > 0, "sampling ranges");
  return 0;
}
