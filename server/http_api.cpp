// ApiServer: the OpenAI-compatible endpoints over cpp-httplib. A chat request is parsed and its
// pictures decoded on the HTTP thread, then queued for the one engine worker; the HTTP thread
// waits for it and either answers with one JSON object or streams server-sent events.
#include "server/http_api.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

namespace qwenvl::server {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_error(httplib::Response& res, const ApiError& e) {
  res.status = e.status;
  res.set_content(error_json(e), "application/json");
}

bool same_key(const std::string& given, const std::string& key) {
  // Looks at every byte whatever the first difference, so the time taken says nothing of the key.
  size_t diff = given.size() ^ key.size();
  for (size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i]) ^ static_cast<unsigned char>(i < key.size() ? key[i] : 0);
  return diff == 0;
}

json usage_json(const GenerationStats& s) {
  return {{"prompt_tokens", s.prompt_tokens},
          {"completion_tokens", s.generated_tokens},
          {"total_tokens", s.prompt_tokens + s.generated_tokens},
          {"prompt_tokens_details", {{"cached_tokens", s.cached_tokens}}}};
}

json qwenvl_json(const JobOutcome& o) {
  json boxes = json::array();
  for (const ReplyBox& b : o.boxes) {
    json box = {{"ref", b.has_ref ? json(b.ref) : json(nullptr)},
                {"quad", b.quad},
                {"points_1000", b.points_1000},
                {"picture", b.picture >= 0 ? json(b.picture) : json(nullptr)}};
    if (b.picture >= 0) {
      box["points"] = b.points;
      box["picture_size"] = {b.width, b.height};
    }
    boxes.push_back(std::move(box));
  }
  return {{"boxes", std::move(boxes)}, {"raw_text", o.raw}};
}

}  // namespace

struct ApiServer::Impl {
  ApiOptions opt;
  Model& model;
  EngineService& service;
  httplib::Server http;
  int bound_port = -1;
  std::time_t started = std::time(nullptr);
  std::atomic<uint64_t> next_id{1};
  // The chat job behind a request, for its access-log line (written after the response).
  std::mutex log_m;
  std::map<const httplib::Request*, std::shared_ptr<ChatJob>> jobs;

  Impl(ApiOptions o, Model& m, EngineService& s) : opt(std::move(o)), model(m), service(s) {}

  std::string completion_id() {
    char buf[48];
    std::snprintf(buf, sizeof buf, "chatcmpl-%lx%06llx", static_cast<long>(started),
                  static_cast<unsigned long long>(next_id.fetch_add(1)));
    return buf;
  }

  json chunk(const std::string& id, std::time_t created, json delta, json finish, json extra = nullptr) const {
    json choice = {{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}};
    if (!extra.is_null()) choice["qwenvl"] = std::move(extra);
    return {{"id", id},
            {"object", "chat.completion.chunk"},
            {"created", created},
            {"model", opt.model_name},
            {"choices", json::array({std::move(choice)})}};
  }

  void log_line(const httplib::Request& req, const httplib::Response& res) {
    json line = {{"time", static_cast<long long>(std::time(nullptr))},
                 {"remote", req.remote_addr},
                 {"method", req.method},
                 {"path", req.path},
                 {"status", res.status}};
    std::shared_ptr<ChatJob> job;
    {
      std::lock_guard<std::mutex> lock(log_m);
      if (auto it = jobs.find(&req); it != jobs.end()) {
        job = std::move(it->second);
        jobs.erase(it);
      }
    }
    if (job) {
      // A stream whose client went away ends here before its job: the job stops within a token.
      std::unique_lock<std::mutex> lock(job->m);
      job->cv.wait(lock, [&] { return job->done; });
      const JobOutcome& o = job->outcome;
      line["stream"] = res.get_header_value("Content-Type") == "text/event-stream";
      if (o.ok) {
        line["finish_reason"] = o.finish_reason;
        line["prompt_tokens"] = o.stats.prompt_tokens;
        line["cached_tokens"] = o.stats.cached_tokens;
        line["completion_tokens"] = o.stats.generated_tokens;
        line["pictures_encoded"] = o.stats.images_encoded;
        line["queue_s"] = o.queue_seconds;
        line["prompt_s"] = o.stats.prompt_seconds;
        line["generation_s"] = o.stats.generation_seconds;
        line["session_reused"] = o.session_reused;
      } else if (!o.error.message.empty()) {
        line["error"] = o.error.message;
      }
      line["client_gone"] = job->cancel.load() && o.finish_reason == "cancelled";
    } else if (res.status >= 400) {
      auto body = json::parse(res.body, nullptr, false);
      if (!body.is_discarded() && body.contains("error") && body["error"].contains("message"))
        line["error"] = body["error"]["message"];
    }
    std::fprintf(stderr, "%s\n", dump(line).c_str());
    std::fflush(stderr);
  }

  void chat(const httplib::Request& req, httplib::Response& res) {
    auto parsed = parse_chat_request(req.body, opt.request);
    if (auto* e = std::get_if<ApiError>(&parsed)) return send_error(res, *e);
    ChatRequest& r = std::get<ChatRequest>(parsed);
    if (r.model != opt.model_name)
      return send_error(
          res, ApiError{404, "the model '" + r.model + "' does not exist; this server serves '" + opt.model_name + "'",
                        "invalid_request_error", "model", "model_not_found"});
    auto sampling = sampling_for(r, model.default_sampling());
    if (auto* e = std::get_if<ApiError>(&sampling)) return send_error(res, *e);
    auto pictures = prepare_pictures(r, opt.pictures);
    if (auto* e = std::get_if<ApiError>(&pictures)) return send_error(res, *e);
    auto job = std::make_shared<ChatJob>();
    job->pictures = std::move(std::get<std::vector<JobPicture>>(pictures));
    std::vector<std::string> labels;
    for (const JobPicture& p : job->pictures) labels.push_back(p.label);
    auto conv = build_conversation(r, labels);
    if (auto* e = std::get_if<ApiError>(&conv)) return send_error(res, *e);
    job->conversation = std::move(std::get<Conversation>(conv));
    job->params = std::get<SamplingParams>(sampling);
    job->stop = r.stop;
    if (auto refused = service.submit(job)) return send_error(res, *refused);
    {
      std::lock_guard<std::mutex> lock(log_m);
      jobs[&req] = job;
    }
    const std::string id = completion_id();
    const std::time_t created = std::time(nullptr);

    if (!r.stream) {
      std::unique_lock<std::mutex> lock(job->m);
      job->cv.wait(lock, [&] { return job->done; });
      const JobOutcome& o = job->outcome;
      if (!o.ok) return send_error(res, o.error);
      json choice = {{"index", 0},
                     {"message", {{"role", "assistant"}, {"content", o.content}}},
                     {"finish_reason", o.finish_reason},
                     {"qwenvl", qwenvl_json(o)}};
      json body = {{"id", id},
                   {"object", "chat.completion"},
                   {"created", created},
                   {"model", opt.model_name},
                   {"choices", json::array({choice})},
                   {"usage", usage_json(o.stats)}};
      res.set_content(dump(body), "application/json");
      return;
    }

    // Streaming. The status is decided once the turn has begun (its first text) or ended, so that
    // a prompt over the context length is still answered with a 400 instead of a broken stream.
    {
      std::unique_lock<std::mutex> lock(job->m);
      job->cv.wait(lock, [&] { return job->done || !job->deltas.empty(); });
      if (job->done && !job->outcome.ok) return send_error(res, job->outcome.error);
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    auto sent_role = std::make_shared<bool>(false);
    const bool include_usage = r.include_usage;
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, job, id, created, sent_role, include_usage](size_t, httplib::DataSink& sink) {
          auto send = [&](const json& j) {
            const std::string ev = "data: " + dump(j) + "\n\n";
            return sink.write(ev.data(), ev.size());
          };
          auto gone = [&] {
            job->cancel.store(true);  // the engine stops before its next token
            return false;
          };
          if (!*sent_role) {
            *sent_role = true;
            if (!send(chunk(id, created, {{"role", "assistant"}, {"content", ""}}, nullptr))) return gone();
          }
          bool finished = false;
          const std::string delta = job->wait_deltas(std::chrono::milliseconds(1000), finished);
          if (!delta.empty() && !send(chunk(id, created, {{"content", delta}}, nullptr))) return gone();
          if (!finished) {
            // A comment line keeps proxies from timing out and finds a client that went away.
            if (delta.empty() && !sink.write(": waiting\n\n", 11)) return gone();
            return true;
          }
          JobOutcome o;
          {
            std::lock_guard<std::mutex> lock(job->m);
            o = job->outcome;
          }
          if (!o.ok) {
            const std::string ev = "data: " + error_json(o.error) + "\n\n";
            sink.write(ev.data(), ev.size());
          } else {
            if (!send(chunk(id, created, json::object(), o.finish_reason, qwenvl_json(o)))) return gone();
            if (include_usage) {
              json u = {{"id", id},
                        {"object", "chat.completion.chunk"},
                        {"created", created},
                        {"model", opt.model_name},
                        {"choices", json::array()},
                        {"usage", usage_json(o.stats)}};
              if (!send(u)) return gone();
            }
          }
          static const char kDone[] = "data: [DONE]\n\n";
          if (!sink.write(kDone, sizeof kDone - 1)) return gone();
          sink.done();
          return true;
        },
        [job](bool success) {
          if (!success) job->cancel.store(true);
        });
  }

  void routes() {
    http.set_payload_max_length(opt.max_body_bytes);
    const int threads = opt.http_threads > 0 ? opt.http_threads : opt.max_queue + 8;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };

    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (opt.api_key.empty() || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
      const std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Bearer ", 0) == 0 && same_key(auth.substr(7), opt.api_key))
        return httplib::Server::HandlerResponse::Unhandled;
      send_error(res, ApiError{401,
                               auth.empty() ? "this server needs an API key: send \"Authorization: Bearer KEY\""
                                            : "the API key is not valid",
                               "invalid_request_error",
                               {},
                               "invalid_api_key"});
      return httplib::Server::HandlerResponse::Handled;
    });

    http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      const ServiceStats s = service.stats();
      json j = {{"status", "ok"},           {"model", opt.model_name},  {"queued", s.queued}, {"running", s.running},
                {"completed", s.completed}, {"cancelled", s.cancelled}, {"failed", s.failed}, {"sessions", s.sessions}};
      res.set_content(dump(j), "application/json");
    });
    http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      json j = {{"object", "list"},
                {"data", json::array({{{"id", opt.model_name},
                                       {"object", "model"},
                                       {"created", static_cast<long long>(started)},
                                       {"owned_by", "qwenvl-studio"}}})}};
      res.set_content(dump(j), "application/json");
    });
    http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { chat(req, res); });

    // Anything httplib refuses by itself (unknown path, a body over the limit) in the same shape.
    http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      ApiError e{res.status, "", "invalid_request_error", {}, {}};
      if (res.status == 404) {
        e.message = "no such endpoint: " + req.method + " " + req.path;
        e.code = "not_found";
      } else if (res.status == 413) {
        e.message = "the request body is over the limit of " + std::to_string(opt.max_body_bytes) + " bytes";
        e.code = "request_too_large";
      } else {
        e.message = "the request was refused (HTTP " + std::to_string(res.status) + ")";
      }
      send_error(res, e);
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      send_error(res, ApiError{500, "internal error", "server_error", {}, {}});
    });
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) { log_line(req, res); });
  }
};

ApiServer::ApiServer(ApiOptions options, Model& model, EngineService& service)
    : impl_(std::make_unique<Impl>(std::move(options), model, service)) {
  impl_->routes();
}

ApiServer::~ApiServer() = default;

int ApiServer::bind() {
  if (impl_->opt.port == 0)
    impl_->bound_port = impl_->http.bind_to_any_port(impl_->opt.host);
  else
    impl_->bound_port = impl_->http.bind_to_port(impl_->opt.host, impl_->opt.port) ? impl_->opt.port : -1;
  return impl_->bound_port;
}

void ApiServer::serve() { impl_->http.listen_after_bind(); }
void ApiServer::stop() { impl_->http.stop(); }

}  // namespace qwenvl::server
