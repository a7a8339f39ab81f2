// ChatBackend over the real engine: qwenvl::Model plus one qwenvl::ChatSession. Lives on the
// inference worker's thread; only the cancel flag is touched from elsewhere.
#pragma once

#include <memory>

#include "app/chat_backend.h"

namespace qwenvl::app {

class EngineChatBackend : public ChatBackend {
 public:
  EngineChatBackend();
  ~EngineChatBackend() override;

  Status load(const BackendLoadRequest& request, const LoadProgressFn& progress) override;
  std::string device_description() const override;
  SamplingParams default_sampling() const override;
  void set_system_prompt(const std::string& prompt) override;
  Result<std::string> add_picture(const Picture& picture) override;
  std::string format_query(const std::vector<ContentItem>& items) const override;
  void set_history(std::vector<Turn> history) override;
  const std::vector<Turn>& history() const override;
  void clear() override;
  Result<Turn> pop_last_turn() override;
  Result<std::string> generate(const std::string& query, const SamplingParams& params, const TextFn& on_text,
                               const std::atomic<bool>* cancel, GenerationStats* stats) override;

 private:
  // The session refers to the model, so it is declared after it and destroyed first.
  std::unique_ptr<Model> model_;
  std::unique_ptr<ChatSession> session_;
};

// Whether this build has the CUDA backend and whether a GPU can be used (message says why not).
struct CudaSupport {
  bool compiled = false;
  bool available = false;
  std::string reason;
};
CudaSupport engine_cuda_support();

}  // namespace qwenvl::app
