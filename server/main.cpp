// qwenvl-server: the engine behind an OpenAI-compatible HTTP API (GET /v1/models,
// POST /v1/chat/completions with or without streaming, GET /health). No Qt.
// SIGTERM or SIGINT: stop accepting, let the running reply finish (or cancel it after
// --shutdown-grace seconds), answer the queued ones with 503, exit 0.
#include <pthread.h>

#include <atomic>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cli/args.h"
#include "server/engine_service.h"
#include "server/http_api.h"
#include "util/parallel.h"

using namespace qwenvl;
using namespace qwenvl::server;

namespace {

int usage(const std::string& message) {
  std::fprintf(stderr,
               "qwenvl-server: %s\n"
               "usage: qwenvl-server --model DIR [--device cpu|cuda] [--host ADDR] [--port N]\n"
               "         [--api-key KEY] [--served-model-name NAME] [--allow-files DIR]\n"
               "         [--max-sessions N] [--max-queue N] [--max-body-mb N] [--max-picture-mb N]\n"
               "         [--max-pictures N] [--max-picture-pixels N] [--max-context N] [--threads N]\n"
               "         [--shutdown-grace S]\n"
               "Binds 127.0.0.1:8080 by default (--port 0: any free port, printed when listening).\n"
               "The API key may also come from $QWENVL_API_KEY.\n",
               message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> argv_list(argv + 1, argv + argc);
  if (!argv_list.empty() && (argv_list[0] == "--help" || argv_list[0] == "-h")) {
    usage("an OpenAI-compatible server for Qwen-VL-Chat-Int4");
    return 0;
  }
  cli::Args args(argv_list);
  if (!args.ok()) return usage(args.error());
  if (auto u = args.unknown({"model", "device", "host", "port", "api-key", "served-model-name", "allow-files",
                             "max-sessions", "max-queue", "max-body-mb", "max-picture-mb", "max-pictures",
                             "max-picture-pixels", "max-context", "threads", "shutdown-grace"});
      !u.empty())
    return usage("unknown option " + u.front());
  if (!args.positional().empty()) return usage("unexpected argument " + args.positional().front());
  if (!args.get("model")) return usage("--model DIR is required");

  LoadOptions lo;
  lo.model_dir = *args.get("model");
  const std::string device = args.get("device").value_or("cpu");
  if (device == "cuda")
    lo.backend = BackendKind::Cuda;
  else if (device != "cpu")
    return usage("--device must be cpu or cuda");

  ApiOptions opt;
  opt.host = args.get("host").value_or("127.0.0.1");
  int max_sessions = 4, body_mb = 64, picture_mb = 32, max_pictures = 8, grace = 10;
  uint64_t max_pixels = 36'000'000;
  std::string bad;
  if (!args.get_number("port", 0, 65535, opt.port, bad) ||
      !args.get_number("max-sessions", 1, 256, max_sessions, bad) ||
      !args.get_number("max-queue", 0, 4096, opt.max_queue, bad) ||
      !args.get_number("max-body-mb", 1, 4096, body_mb, bad) ||
      !args.get_number("max-picture-mb", 1, 512, picture_mb, bad) ||
      !args.get_number("max-pictures", 1, 64, max_pictures, bad) ||
      !args.get_number("max-picture-pixels", max_pixels, bad) ||
      !args.get_number("max-context", 16, 65536, lo.max_context, bad) ||
      !args.get_number("threads", 0, ThreadPool::max_threads(), lo.cpu_threads, bad) ||
      !args.get_number("shutdown-grace", 0, 3600, grace, bad))
    return usage(bad);
  opt.api_key = args.get("api-key").value_or("");
  if (opt.api_key.empty())
    if (const char* k = std::getenv("QWENVL_API_KEY")) opt.api_key = k;
  opt.max_body_bytes = static_cast<size_t>(body_mb) << 20;
  opt.request.max_pictures = static_cast<size_t>(max_pictures);
  opt.request.max_picture_bytes = static_cast<size_t>(picture_mb) << 20;
  opt.pictures.max_bytes = opt.request.max_picture_bytes;
  opt.pictures.max_pixels = max_pixels;
  if (auto dir = args.get("allow-files")) {
    char buf[PATH_MAX];
    if (!::realpath(dir->c_str(), buf) || !std::filesystem::is_directory(buf))
      return usage("--allow-files " + *dir + ": not a folder");
    opt.pictures.allow_dir = buf;
    opt.request.allow_files = true;
  }
  opt.model_name = args.get("served-model-name")
                       .value_or(std::filesystem::path(lo.model_dir).lexically_normal().filename().string());
  if (opt.model_name.empty() || opt.model_name == ".")
    opt.model_name = std::filesystem::absolute(lo.model_dir).lexically_normal().parent_path().filename().string();
  if (opt.model_name.empty()) opt.model_name = "qwen-vl-chat";

  // SIGTERM/SIGINT are taken by one thread with sigwait(); every other thread blocks them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client gone away is a failed write, not a dead server

  std::fprintf(stderr, "qwenvl-server: loading %s on %s...\n", lo.model_dir.c_str(), device.c_str());
  auto model = Model::load(lo);
  if (!model) {
    std::fprintf(stderr, "qwenvl-server: %s\n", model.message().c_str());
    return 1;
  }
  EngineService service(**model, max_sessions, opt.max_queue);
  const std::string host = opt.host;
  const std::string name = opt.model_name;
  ApiServer api(std::move(opt), **model, service);
  const int port = api.bind();
  if (port < 0) {
    std::fprintf(stderr, "qwenvl-server: cannot listen on %s (address in use, or not an address of this machine)\n",
                 host.c_str());
    return 1;
  }
  std::fprintf(stderr, "qwenvl-server: serving '%s' (%s) on http://%s:%d\n", name.c_str(),
               (*model)->info().device.c_str(),
               host.find(':') != std::string::npos ? ("[" + host + "]").c_str() : host.c_str(), port);
  std::fflush(stderr);

  std::atomic<bool> signalled{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    signalled.store(true);
    std::fprintf(stderr, "qwenvl-server: %s: stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    service.shutdown(std::chrono::seconds(grace));
    api.stop();
  });
  api.serve();
  // serve() also returns when listening fails; then the waiter is woken by our own signal.
  if (!signalled.load()) pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  std::fprintf(stderr, "qwenvl-server: stopped\n");
  return 0;
}
