// EngineService: the FIFO queue, the worker thread and the session LRU.
#include "server/engine_service.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "qwenvl/grounding.h"
#include "server/reply_stream.h"

namespace qwenvl::server {

namespace {
using Clock = std::chrono::steady_clock;
constexpr size_t kMaxPicturesPerSession = 64;  // then the session starts afresh

std::string finish_reason(StopReason r) {
  switch (r) {
    case StopReason::EndOfText:
      return "stop";
    case StopReason::MaxTokens:
    case StopReason::ContextFull:
      return "length";
    case StopReason::Cancelled:
      return "cancelled";
  }
  return "stop";
}

bool same_turn(const Turn& a, const Turn& b) { return a.query == b.query && a.response == b.response; }
}  // namespace

std::string picture_label(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "img-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string ChatJob::wait_deltas(std::chrono::milliseconds timeout, bool& finished) {
  std::unique_lock<std::mutex> lock(m);
  cv.wait_for(lock, timeout, [&] { return done || !deltas.empty(); });
  finished = done;
  return std::exchange(deltas, {});
}

struct EngineService::Slot {
  std::unique_ptr<ChatSession> session;
  std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> pictures;  // label, bytes
  uint64_t last_used = 0;

  const std::string* bytes_of(const std::string& label) const {
    for (const auto& [l, b] : pictures)
      if (l == label) return b.get();
    return nullptr;
  }
  void clear() {
    session->clear();
    pictures.clear();
  }
};

EngineService::EngineService(Model& model, int max_sessions, int max_queue)
    : model_(model), max_sessions_(std::max(1, max_sessions)), max_queue_(std::max(0, max_queue)) {
  worker_ = std::thread([this] { loop(); });
}

EngineService::~EngineService() { shutdown(std::chrono::milliseconds(0)); }

std::optional<ApiError> EngineService::submit(std::shared_ptr<ChatJob> job) {
  std::lock_guard<std::mutex> lock(m_);
  if (stopping_) return ApiError{503, "the server is shutting down", "server_error", {}, "shutting_down"};
  if (static_cast<int>(queue_.size()) >= max_queue_)
    return ApiError{429,
                    "the server is busy: " + std::to_string(queue_.size()) +
                        " requests are waiting already (--max-queue); try again shortly",
                    "rate_limit_error",
                    {},
                    "queue_full"};
  job->queued_at = Clock::now();
  queue_.push_back(std::move(job));
  cv_.notify_all();
  return std::nullopt;
}

void EngineService::shutdown(std::chrono::milliseconds grace) {
  std::deque<std::shared_ptr<ChatJob>> dropped;
  {
    std::unique_lock<std::mutex> lock(m_);
    if (!worker_.joinable()) return;
    stopping_ = true;
    dropped.swap(queue_);
    cv_.notify_all();
    if (current_ && !cv_.wait_for(lock, grace, [&] { return !current_; }) && current_) current_->cancel.store(true);
  }
  for (auto& job : dropped) {
    std::lock_guard<std::mutex> lock(job->m);
    job->outcome.ok = false;
    job->outcome.error = ApiError{503, "the server is shutting down", "server_error", {}, "shutting_down"};
    job->done = true;
    job->cv.notify_all();
  }
  worker_.join();
}

ServiceStats EngineService::stats() const {
  std::lock_guard<std::mutex> lock(m_);
  return {static_cast<int>(queue_.size()), current_ != nullptr, completed_, cancelled_, failed_,
          static_cast<int>(slots_.size())};
}

void EngineService::loop() {
  for (;;) {
    std::shared_ptr<ChatJob> job;
    {
      std::unique_lock<std::mutex> lock(m_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      job = std::move(queue_.front());
      queue_.pop_front();
      current_ = job;
    }
    run(*job);
    {
      std::lock_guard<std::mutex> lock(m_);
      const JobOutcome& o = job->outcome;
      if (!o.ok)
        ++failed_;
      else if (o.stats.stop_reason == StopReason::Cancelled && o.finish_reason == "cancelled")
        ++cancelled_;
      else
        ++completed_;
      current_.reset();
      cv_.notify_all();
    }
    {
      std::lock_guard<std::mutex> lock(job->m);
      job->done = true;
      job->cv.notify_all();
    }
  }
}

EngineService::Slot& EngineService::choose_slot(const ChatJob& job, bool& continued) {
  // Best: a session whose whole history starts the request's (the conversation continues), the
  // longest such; next, one whose history the request's whole history starts (a Regenerate
  // branching off); else a new session while there is room, else the least recently used.
  const Conversation& c = job.conversation;
  Slot* best = nullptr;
  std::tuple<size_t, int, uint64_t> best_key{};
  for (auto& s : slots_) {
    if (s->session->system_prompt() != c.system) continue;
    const auto& h = s->session->history();
    size_t n = 0;
    while (n < h.size() && n < c.history.size() && same_turn(h[n], c.history[n])) ++n;
    const int rank = n == h.size() ? 2 : (n == c.history.size() && n > 0) ? 1 : 0;
    if (rank == 0) continue;
    const std::tuple<size_t, int, uint64_t> key{n, rank, s->last_used};
    if (!best || key > best_key) {
      best = s.get();
      best_key = key;
    }
  }
  continued = best && std::get<0>(best_key) > 0;
  if (best) return *best;
  if (static_cast<int>(slots_.size()) < max_sessions_) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->session = std::make_unique<ChatSession>(model_);
    return *slots_.back();
  }
  // The least recently used conversation goes, pictures and all: nothing of it may reach another.
  Slot& victim = **std::min_element(slots_.begin(), slots_.end(),
                                    [](const auto& a, const auto& b) { return a->last_used < b->last_used; });
  victim.clear();
  return victim;
}

void EngineService::run(ChatJob& job) {
  JobOutcome& out = job.outcome;
  out.queue_seconds = std::chrono::duration<double>(Clock::now() - job.queued_at).count();
  if (job.cancel.load()) {
    out.ok = true;
    out.finish_reason = "cancelled";
    out.stats.stop_reason = StopReason::Cancelled;
    return;
  }
  Slot& slot = choose_slot(job, out.session_reused);
  slot.last_used = ++clock_;

  // Pictures: a label the session knows must name the same bytes, else the session starts over.
  bool collide = slot.pictures.size() + job.pictures.size() > kMaxPicturesPerSession;
  for (const JobPicture& p : job.pictures) {
    const std::string* known = slot.bytes_of(p.label);
    if (known && *known != *p.bytes) collide = true;
  }
  if (collide) slot.clear();
  for (const JobPicture& p : job.pictures) {
    if (slot.bytes_of(p.label)) continue;
    auto added = slot.session->add_picture(p.picture, p.label);
    if (!added || added->label != p.label) {
      out.error = ApiError::bad_request(added ? "internal error: picture label changed" : added.message());
      return;
    }
    slot.pictures.emplace_back(p.label, p.bytes);
  }
  slot.session->set_system_prompt(job.conversation.system);
  slot.session->set_history(job.conversation.history);

  ReplyStream stream(job.stop);
  bool stop_hit = false;
  auto on_text = [&](std::string_view piece) {
    std::string delta = stream.feed(piece);
    if (stream.stopped() && !stop_hit) {
      stop_hit = true;
      job.cancel.store(true);
    }
    if (delta.empty()) return;
    std::lock_guard<std::mutex> lock(job.m);
    job.deltas += delta;
    job.cv.notify_all();
  };
  GenerationStats stats;
  auto reply = slot.session->generate(job.conversation.query, job.params, on_text, &job.cancel, &stats);
  if (!reply) {
    const std::string& msg = reply.message();
    if (msg.rfind("the prompt is ", 0) == 0)
      out.error = ApiError::bad_request(msg, "messages", "context_length_exceeded");
    else
      out.error = ApiError{500, msg, "server_error", {}, {}};
    return;
  }
  out.stats = stats;
  out.raw = stream.raw();
  if (stop_hit) {
    out.content = stream.stopped_reply();
    out.finish_reason = "stop";
    // The session's history keeps what the client is given, so the next request matches it.
    std::vector<Turn> h = slot.session->history();
    if (!h.empty()) h.back().response = out.content;
    slot.session->set_history(std::move(h));
  } else {
    out.content = std::move(*reply);
    out.finish_reason = finish_reason(stats.stop_reason);
  }
  std::string rest = stream.finish(out.content);
  if (!stream.consistent())
    std::fprintf(stderr, "qwenvl-server: internal: streamed text is not a prefix of the reply\n");
  if (!rest.empty()) {
    std::lock_guard<std::mutex> lock(job.m);
    job.deltas += rest;
  }

  const GroundingParse g = parse_grounding(out.content, true);
  const int pic = job.conversation.last_picture;
  for (const GroundingBox& b : g.boxes) {
    ReplyBox rb;
    rb.has_ref = b.ref >= 0;
    if (rb.has_ref) rb.ref = g.refs[static_cast<size_t>(b.ref)].phrase;
    rb.quad = b.quad;
    rb.picture = pic;
    if (pic >= 0) {
      rb.width = job.pictures[static_cast<size_t>(pic)].picture->width;
      rb.height = job.pictures[static_cast<size_t>(pic)].picture->height;
    }
    for (const GroundingPoint& p : b.points) {
      rb.points_1000.push_back({p.x, p.y});
      if (pic >= 0) rb.points.push_back({grounding_to_pixel(p.x, rb.width), grounding_to_pixel(p.y, rb.height)});
    }
    out.boxes.push_back(std::move(rb));
  }
  out.ok = true;
}

}  // namespace qwenvl::server
