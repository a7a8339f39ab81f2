// ChatBackend over an OpenAI-compatible server (qwenvl-server, or vLLM serving Qwen-VL-Chat):
// the conversation is sent whole with every question (pictures as PNG data: URLs of exactly the
// pixels the app shows, so the server sees what the local engine would), and the answer streams
// back as server-sent events into the same pieces the local engine gives, markup included, so
// boxes appear live. The HTTP exchange runs on a thread of its own (QNetworkAccessManager);
// generate() waits for it on the inference worker's thread and polls the cancel flag.
#pragma once

#include <QString>
#include <memory>

#include "app/chat_backend.h"

namespace qwenvl::app {

struct RemoteServer {
  QString url;             // "http://host:port" (with or without a trailing /v1)
  QString apiKey;          // empty: none sent
  QString model;           // empty: the first model the server lists
  int timeoutMs = 180000;  // no byte from the server for this long: the request fails
  bool operator==(const RemoteServer&) const = default;
};

class RemoteChatBackend : public ChatBackend {
 public:
  explicit RemoteChatBackend(RemoteServer server);
  ~RemoteChatBackend() override;

  // Asks the server for its models (GET /v1/models): reachable, key accepted, model served.
  // The model folder of `options` is not used.
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
  std::string take_warning() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

BackendFactory remoteBackendFactory(const RemoteServer& server);

}  // namespace qwenvl::app
