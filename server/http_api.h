// The HTTP side of qwenvl-server (cpp-httplib): routes, the API key, limits, the OpenAI JSON and
// server-sent events, and one JSON line per request on stderr (the access log).
#pragma once

#include <ctime>
#include <memory>
#include <string>

#include "server/chat_request.h"
#include "server/engine_service.h"
#include "server/pictures.h"

namespace qwenvl::server {

struct ApiOptions {
  std::string host = "127.0.0.1";
  int port = 8080;      // 0: any free port (printed when listening)
  std::string api_key;  // empty: none asked
  std::string model_name;
  size_t max_body_bytes = 64u << 20;
  int http_threads = 0;  // 0: max_queue + 8
  int max_queue = 16;
  RequestLimits request;
  PictureLimits pictures;
};

class ApiServer {
 public:
  ApiServer(ApiOptions options, Model& model, EngineService& service);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds the socket; the port actually bound (for --port 0), or -1.
  int bind();
  void serve();  // until stop()
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qwenvl::server
