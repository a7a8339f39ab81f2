// What a loaded model holds (behind qwenvl::Model): weights, tokenizer, backend, and which
// session's tokens the backend's KV cache currently holds, so sessions can reuse a prefix.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "engine/backend.h"
#include "model/weights.h"
#include "qwenvl/engine.h"
#include "tokenizer/tokenizer.h"

namespace qwenvl {

struct Model::Impl {
  ModelInfo info;
  std::unique_ptr<ModelWeights> weights;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<Backend> backend;

  // One turn at a time runs on the backend.
  std::mutex busy;
  // The tokens whose keys and values are in the backend's cache, the alpha they were computed
  // with, and the session they belong to.
  const void* kv_owner = nullptr;
  std::vector<int32_t> kv_tokens;
  double kv_alpha = 1.0;

  const ModelConfig& config() const { return weights->config; }
};

}  // namespace qwenvl
