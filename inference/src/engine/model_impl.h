// What a loaded model holds (behind qwenvl::Model): weights, tokenizer and the backend with its
// shared compute resources. Per-conversation state (KV caches) lives in the sessions.
#pragma once

#include <memory>
#include <mutex>

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

  // One call at a time runs on the backend (passes, and caches made or given back).
  std::mutex busy;

  const ModelConfig& config() const { return weights->config; }
};

}  // namespace qwenvl
