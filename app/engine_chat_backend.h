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

  Status load(const LoadOptions& options) override;
  std::string device_description() const override;
  void set_system_prompt(std::string prompt) override;
  Result<PictureInfo> add_picture(std::shared_ptr<const Picture> picture, std::string_view label) override;
  const PictureInfo* picture(PictureId id) const override;
  const std::vector<Turn>& history() const override;
  void set_history(std::vector<Turn> history) override;
  Result<Turn> pop_last_turn() override;
  void clear() override;
  Result<std::string> generate(const std::string& query, const SamplingParams& params, const TextFn& on_text,
                               const std::atomic<bool>* cancel, GenerationStats* stats) override;

 private:
  // The session refers to the model, so it is declared after it and destroyed first.
  std::unique_ptr<Model> model_;
  std::unique_ptr<ChatSession> session_;
};

}  // namespace qwenvl::app
