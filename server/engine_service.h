// The one engine worker behind the HTTP threads: a FIFO queue of chat jobs (fair: first come,
// first served, one at a time on the shared Model), and a small LRU of ChatSessions so that a
// conversation that continues reuses its KV-cache prefix instead of prefilling again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "qwenvl/engine.h"
#include "qwenvl/picture.h"
#include "server/api_error.h"
#include "server/chat_request.h"

namespace qwenvl::server {

struct JobPicture {
  std::string label;                         // "img-<hash of the file>"
  std::shared_ptr<const std::string> bytes;  // the file, to tell pictures apart exactly
  std::shared_ptr<const Picture> picture;    // decoded
};

struct ReplyBox {
  std::string ref;  // empty: unlabelled
  bool has_ref = false;
  bool quad = false;
  std::vector<std::array<int, 2>> points_1000;  // as the model wrote them
  std::vector<std::array<int, 2>> points;       // pixels of `picture`
  int picture = -1;                             // index of the request's picture, -1: none
  int width = 0, height = 0;
};

struct JobOutcome {
  bool ok = false;
  ApiError error;
  std::string content;        // the reply, markup kept
  std::string raw;            // every generated piece joined, before the official trimming
  std::string finish_reason;  // stop, length, cancelled
  GenerationStats stats;
  std::vector<ReplyBox> boxes;
  bool session_reused = false;  // the request continued a kept conversation
  double queue_seconds = 0;
};

// One request on its way through the worker. The HTTP thread waits on it; the worker appends
// deltas and finally sets `done`.
struct ChatJob {
  Conversation conversation;
  std::vector<JobPicture> pictures;  // in the request's order (index = ChatRequest::images)
  SamplingParams params;
  std::vector<std::string> stop;

  std::atomic<bool> cancel{false};  // the client went away (or the server is stopping)

  std::mutex m;
  std::condition_variable cv;
  std::string deltas;  // not yet taken by the HTTP thread
  bool done = false;
  JobOutcome outcome;
  std::chrono::steady_clock::time_point queued_at;

  // Waits up to `timeout` for deltas or the end; returns the deltas taken.
  std::string wait_deltas(std::chrono::milliseconds timeout, bool& finished);
};

struct ServiceStats {
  int queued = 0;
  bool running = false;
  uint64_t completed = 0;
  uint64_t cancelled = 0;
  uint64_t failed = 0;
  int sessions = 0;
};

class EngineService {
 public:
  EngineService(Model& model, int max_sessions, int max_queue);
  ~EngineService();
  EngineService(const EngineService&) = delete;
  EngineService& operator=(const EngineService&) = delete;

  // Queues the job; an error (429 when the queue is full, 503 when stopping) otherwise.
  std::optional<ApiError> submit(std::shared_ptr<ChatJob> job);
  // Refuses new jobs, cancels the queued ones, lets the running one finish for up to `grace`
  // and then cancels it; returns once the worker has stopped.
  void shutdown(std::chrono::milliseconds grace);
  ServiceStats stats() const;

 private:
  struct Slot;
  void loop();
  void run(ChatJob& job);
  Slot& choose_slot(const ChatJob& job, bool& continued);

  Model& model_;
  const int max_sessions_;
  const int max_queue_;
  std::vector<std::unique_ptr<Slot>> slots_;
  uint64_t clock_ = 0;

  mutable std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<ChatJob>> queue_;
  std::shared_ptr<ChatJob> current_;
  bool stopping_ = false;
  uint64_t completed_ = 0, cancelled_ = 0, failed_ = 0;
  std::thread worker_;
};

// "img-" and 16 hex digits of the file's FNV-1a hash: a label that names the content, so a
// cached prefix can only ever be reused for the same picture (the bytes are compared too).
std::string picture_label(std::string_view bytes);

}  // namespace qwenvl::server
