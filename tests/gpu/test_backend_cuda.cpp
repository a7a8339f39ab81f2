// The CUDA backend against the CPU backend (the reference) on checkpoints the goldens never saw:
// asymmetric zero points (seed 7) and a 3-layer sharded one (seed 99). Covers picture encoding,
// multi-chunk prompts with image splices, all-position logits, the few-token GEMV path, greedy
// decoding through the CUDA graph, two KV caches used in turn, KV-cache truncation and reuse,
// and a 2300-token prompt with dynamic NTK and logn attention. Run: ctest -R test_backend_cuda
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>

#include "cpu/cpu_backend.h"
#include "cuda/cuda_backend.h"
#include "engine/backend.h"
#include "engine/sampler.h"
#include "gpu_test.h"
#include "model/rotary.h"
#include "support/compare.h"
#include "support/test_env.h"

using namespace qwenvl;
using namespace qwenvl::gputest;

namespace {

int argmax(const std::vector<float>& v) { return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin()); }

struct Logits {
  std::vector<std::vector<float>> rows;  // by index within the pass
};

Status run(Backend& b, KvCache& kv, const std::vector<int32_t>& ids, const std::vector<EmbeddingSplice>& splices,
           double alpha, LogitsMode mode, Logits& out) {
  ForwardRequest r;
  r.ids = ids.data();
  r.n_tokens = static_cast<int>(ids.size());
  r.splices = splices;
  r.ntk_alpha = alpha;
  r.logits = mode;
  out.rows.assign(ids.size(), {});
  r.on_logits = [&](int index, const float* l) { out.rows[index].assign(l, l + 151936); };
  return b.forward(kv, r);
}

void compare_rows(const std::string& tag, const Logits& cpu, const Logits& gpu) {
  int n = 0, agree = 0;
  double worst = 0, last = 0;
  for (size_t i = 0; i < cpu.rows.size(); ++i) {
    if (cpu.rows[i].empty()) continue;
    GPU_CHECK(!gpu.rows[i].empty(), "%s: no logits from the GPU at %zu", tag.c_str(), i);
    if (gpu.rows[i].empty()) continue;
    ++n;
    // Top-1 agrees when both pick the same id, or when the CPU's logits of the two picks differ
    // by less than twice the largest element error of this row: then the two are a tie within
    // the fp16 error the rel-L2 bounds below already allow (random tokens on a tiny model make
    // such near-ties; a wrong cache or table would fail rel-L2 by orders of magnitude).
    const int ic = argmax(cpu.rows[i]), ig = argmax(gpu.rows[i]);
    double err = 0;
    for (size_t k = 0; k < cpu.rows[i].size(); ++k)
      err = std::max(err, std::fabs(static_cast<double>(cpu.rows[i][k]) - gpu.rows[i][k]));
    agree += ic == ig || static_cast<double>(cpu.rows[i][ic]) - cpu.rows[i][ig] <= 2 * err;
    last = test::relative_l2(gpu.rows[i], cpu.rows[i]);
    worst = std::max(worst, std::isnan(last) ? INFINITY : last);
  }
  const double top1 = n ? static_cast<double>(agree) / n : 0;
  std::printf("  %-44s %4d rows  top-1 %.4f  last rel-L2 %.2e  worst %.2e\n", tag.c_str(), n, top1, last, worst);
  GPU_CHECK(n > 0, "%s: no logits", tag.c_str());
  GPU_CHECK(top1 >= 0.99, "%s: top-1 agreement %.4f < 0.99", tag.c_str(), top1);
  GPU_CHECK(last <= 3e-3, "%s: last logits rel-L2 %.2e > 3e-3", tag.c_str(), last);
  GPU_CHECK(worst <= 1e-2, "%s: worst row rel-L2 %.2e > 1e-2", tag.c_str(), worst);
}

void check_checkpoint(const std::string& name) {
  std::printf(" checkpoint %s\n", name.c_str());
  auto weights = load_model_weights(test::checkpoint_dir(name));
  GPU_CHECK(weights.ok(), "%s", weights.message().c_str());
  if (!weights.ok()) return;
  const ModelConfig& c = (*weights)->config;
  LoadOptions opt;
  opt.max_context = 4096;
  auto cpu = make_cpu_backend(**weights, opt);
  auto gpu = make_cuda_backend(**weights, opt);
  GPU_CHECK(cpu.ok(), "%s", cpu.message().c_str());
  GPU_CHECK(gpu.ok(), "%s", gpu.message().c_str());
  if (!cpu.ok() || !gpu.ok()) return;
  Backend& C = **cpu;
  Backend& G = **gpu;
  const std::unique_ptr<KvCache> kc = C.new_kv_cache(), kg = G.new_kv_cache();
  std::printf("  device: %s\n", G.device_description().c_str());
  Rng rng(name.size() * 7919);

  // Pictures.
  const int S = c.visual.image_size, H = c.hidden_size, Q = c.visual.n_queries;
  const auto pixels = rng.normal(static_cast<size_t>(2) * 3 * S * S);
  std::vector<float> fc(static_cast<size_t>(2) * Q * H), fg(fc.size(), NAN);
  Status s = C.encode_images(pixels.data(), 2, fc.data());
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  s = G.encode_images(pixels.data(), 2, fg.data());
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  for (int i = 0; i < 2; ++i) {
    const std::vector<float> a(fg.begin() + i * Q * H, fg.begin() + (i + 1) * Q * H);
    const std::vector<float> b(fc.begin() + i * Q * H, fc.begin() + (i + 1) * Q * H);
    const double e = test::relative_l2(a, b);
    std::printf("  %-44s rel-L2 %.2e\n", ("vision features, picture " + std::to_string(i + 1)).c_str(), e);
    GPU_CHECK(e <= 2e-3, "vision features rel-L2 %.2e > 2e-3", e);
  }

  // Low-memory mode (the ViT layers streamed from pinned host memory through two device slots):
  // the same kernels on the same inputs, so the same features, bit for bit.
  {
    LoadOptions lean = opt;
    lean.low_memory = true;
    auto low = make_cuda_backend(**weights, lean);
    GPU_CHECK(low.ok(), "%s", low.message().c_str());
    if (low.ok()) {
      std::vector<float> fl(fc.size(), NAN);
      s = (*low)->encode_images(pixels.data(), 2, fl.data());
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      const bool same = std::equal(fl.begin(), fl.end(), fg.begin());
      std::printf("  %-44s %s (%s)\n", "vision features, low-memory mode", same ? "identical" : "DIFFERENT",
                  (*low)->device_description().c_str());
      GPU_CHECK(same, "low-memory vision features differ from the resident ones");
    }
  }

  // A 600-token prompt (two chunks) with both pictures spliced in, logits everywhere.
  std::vector<int32_t> ids(600);
  for (auto& t : ids) t = rng.uniform_int(0, 151642);
  const std::vector<EmbeddingSplice> splices = {{21, Q, fc.data()}, {300, Q, fc.data() + static_cast<size_t>(Q) * H}};
  Logits lc, lg;
  s = run(C, *kc, ids, splices, 1.0, LogitsMode::All, lc);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  s = run(G, *kg, ids, splices, 1.0, LogitsMode::All, lg);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  compare_rows("600-token prompt, 2 pictures", lc, lg);

  // Kept features: the GPU's own fp16 copy, spliced on the device, gives the logits of the host
  // copy bit for bit (the host path rounds the same fp16 values back from fp32), in the prompt's
  // GEMM chunks and in a few-row pass that ends inside a picture (its rows fetched for the GEMV).
  {
    GPU_CHECK(G.keeps_features() && !C.keeps_features(), "keeps_features: gpu %d, cpu %d", G.keeps_features(),
              C.keeps_features());
    const uint16_t* kept = nullptr;
    s = G.encode_images_kept(pixels.data(), 2, &kept);
    GPU_CHECK(s.ok() && kept, "%s", s.message().c_str());
    std::vector<float> fk(fc.size(), NAN);
    s = G.copy_kept_features(fk.data());
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
    const bool same_features = std::equal(fk.begin(), fk.end(), fg.begin());
    std::printf("  %-44s %s\n", "kept features vs encode_images", same_features ? "identical" : "DIFFERENT");
    GPU_CHECK(same_features, "kept features differ from encode_images' features");
    if (kept) {
      const size_t QH = static_cast<size_t>(Q) * H;
      auto identical = [&](const std::string& tag, const Logits& a, const Logits& b) {
        size_t rows = 0, differ = 0;
        for (size_t i = 0; i < a.rows.size(); ++i) {
          if (a.rows[i].empty() && b.rows[i].empty()) continue;
          ++rows;
          differ += a.rows[i] != b.rows[i];
        }
        std::printf("  %-44s %zu rows, %zu differ\n", tag.c_str(), rows, differ);
        GPU_CHECK(rows > 0 && differ == 0, "%s: %zu of %zu rows differ", tag.c_str(), differ, rows);
      };
      const std::unique_ptr<KvCache> ka = G.new_kv_cache(), kb = G.new_kv_cache();
      const std::vector<EmbeddingSplice> host = {{21, Q, fg.data()}, {300, Q, fg.data() + QH}};
      const std::vector<EmbeddingSplice> dev = {{21, Q, nullptr, kept}, {300, Q, nullptr, kept + QH}};
      Logits la, lb;
      s = run(G, *ka, ids, host, 1.0, LogitsMode::All, la);
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      s = run(G, *kb, ids, dev, 1.0, LogitsMode::All, lb);
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      identical("600-token prompt, kept vs host features", la, lb);
      const int at = 300 + Q - 6;  // 5 rows inside picture 2 [300, 300 + Q), its rows Q - 6 ..
      ka->truncate(at);
      kb->truncate(at);
      const std::vector<int32_t> tail(ids.begin() + at, ids.begin() + at + 5);
      const size_t skip = QH + static_cast<size_t>(Q - 6) * H;
      s = run(G, *ka, tail, {{0, 5, fg.data() + skip}}, 1.0, LogitsMode::All, la);
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      s = run(G, *kb, tail, {{0, 5, nullptr, kept + skip}}, 1.0, LogitsMode::All, lb);
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      identical("5 rows inside a picture, kept vs host", la, lb);
      // A backend that keeps nothing refuses a kept splice with a message.
      const std::unique_ptr<KvCache> kx = C.new_kv_cache();
      s = run(C, *kx, tail, {{0, 5, nullptr, kept}}, 1.0, LogitsMode::Last, la);
      GPU_CHECK(!s.ok() && s.message().find("keeps no picture features") != std::string::npos,
                "the CPU backend accepted a kept splice: %s", s.message().c_str());
    }
  }

  // Without the vision encoder's CUDA graph (QWENVL_VISION_GRAPH=0, the lead's A/B switch) the
  // same kernels give the same features, bit for bit.
  {
    setenv("QWENVL_VISION_GRAPH", "0", 1);
    auto eager = make_cuda_backend(**weights, opt);
    unsetenv("QWENVL_VISION_GRAPH");
    GPU_CHECK(eager.ok(), "%s", eager.message().c_str());
    if (eager.ok()) {
      std::vector<float> fe(fc.size(), NAN);
      s = (*eager)->encode_images(pixels.data(), 2, fe.data());
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      const bool same_eager = std::equal(fe.begin(), fe.end(), fg.begin());
      std::printf("  %-44s %s\n", "vision features without the CUDA graph", same_eager ? "identical" : "DIFFERENT");
      GPU_CHECK(same_eager, "vision features without the graph differ from the graph's");
    }
  }

  // The earlier bias path (QWENVL_VIT_LT_BIAS=0: the GEMMs rounded to fp16, the biases added by
  // the next kernel) stays within the same bound of the CPU backend; both distances printed.
  {
    setenv("QWENVL_VIT_LT_BIAS", "0", 1);
    auto twice = make_cuda_backend(**weights, opt);
    unsetenv("QWENVL_VIT_LT_BIAS");
    GPU_CHECK(twice.ok(), "%s", twice.message().c_str());
    if (twice.ok()) {
      std::vector<float> ft(fc.size(), NAN);
      s = (*twice)->encode_images(pixels.data(), 2, ft.data());
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      const double e_old = test::relative_l2(ft, fc), e_lt = test::relative_l2(fg, fc);
      std::printf("  %-44s rel-L2 to the CPU %.2e (bias epilogue: %.2e)\n", "vision features, QWENVL_VIT_LT_BIAS=0",
                  e_old, e_lt);
      GPU_CHECK(e_old <= 2e-3, "vision features with QWENVL_VIT_LT_BIAS=0: rel-L2 %.2e > 2e-3", e_old);
    }
  }

  // Greedy decoding, each backend from its own logits (the GPU's through the CUDA graph).
  int tc = argmax(lc.rows.back()), tg = argmax(lg.rows.back());
  int same = 0;
  for (int step = 0; step < 8; ++step) {
    same += tc == tg;
    GPU_CHECK(tc == tg, "greedy step %d: cpu %d, gpu %d", step, tc, tg);
    Logits a, b;
    s = run(C, *kc, {tc}, {}, 1.0, LogitsMode::Last, a);
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
    s = run(G, *kg, {tg}, {}, 1.0, LogitsMode::Last, b);
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
    if (step == 7) compare_rows("decode step 8", a, b);
    tc = argmax(a.rows[0]);
    tg = argmax(b.rows[0]);
  }
  std::printf("  %-44s %d of 8 equal\n", "greedy ids", same);
  GPU_CHECK(kc->length() == 608 && kg->length() == 608, "kv_length %d / %d, want 608", kc->length(), kg->length());

  // Few tokens at once (the GEMV path with causal attention inside the step).
  std::vector<int32_t> three = {rng.uniform_int(0, 151642), rng.uniform_int(0, 151642), rng.uniform_int(0, 151642)};
  s = run(C, *kc, three, {}, 1.0, LogitsMode::All, lc);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  s = run(G, *kg, three, {}, 1.0, LogitsMode::All, lg);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  compare_rows("3 tokens at once", lc, lg);

  // A second cache on each backend, used in turn with the first one token at a time: the GPU's
  // page table must follow the cache under the captured decode graph.
  {
    const std::unique_ptr<KvCache> kc2 = C.new_kv_cache(), kg2 = G.new_kv_cache();
    std::vector<int32_t> other(130);
    for (auto& t : other) t = rng.uniform_int(0, 151642);
    s = run(C, *kc2, other, {}, 1.0, LogitsMode::Last, lc);
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
    s = run(G, *kg2, other, {}, 1.0, LogitsMode::Last, lg);
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
    compare_rows("second cache, 130-token prompt", lc, lg);
    for (int step = 0; step < 6; ++step) {
      KvCache& c = step % 2 ? *kc : *kc2;
      KvCache& g = step % 2 ? *kg : *kg2;
      const int32_t t = rng.uniform_int(0, 151642);
      s = run(C, c, {t}, {}, 1.0, LogitsMode::Last, lc);
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      s = run(G, g, {t}, {}, 1.0, LogitsMode::Last, lg);
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      compare_rows("alternating caches, step " + std::to_string(step + 1), lc, lg);
    }
    GPU_CHECK(kg->length() == 614 && kg2->length() == 133, "cache lengths %d / %d, want 614 / 133", kg->length(),
              kg2->length());
  }

  // Truncate into the prompt and continue (a regenerated reply reuses the prefix).
  kc->truncate(290);
  kg->truncate(290);
  std::vector<int32_t> more(50);
  for (auto& t : more) t = rng.uniform_int(0, 151642);
  s = run(C, *kc, more, {}, 1.0, LogitsMode::Last, lc);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  s = run(G, *kg, more, {}, 1.0, LogitsMode::Last, lg);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  compare_rows("after kv_truncate(290), 50 tokens", lc, lg);

  // A long prompt: dynamic NTK (alpha 3) and logn scaling of queries past 2048.
  kc->truncate(0);
  kg->truncate(0);
  std::vector<int32_t> long_ids(2300);
  for (auto& t : long_ids) t = rng.uniform_int(0, 151642);
  const double alpha = ntk_alpha_for_length(2300, c.seq_length);
  GPU_CHECK(alpha == 3.0, "ntk alpha %.1f for 2300 tokens", alpha);
  s = run(C, *kc, long_ids, {{5, Q, fc.data()}}, alpha, LogitsMode::Last, lc);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  s = run(G, *kg, long_ids, {{5, Q, fc.data()}}, alpha, LogitsMode::Last, lg);
  GPU_CHECK(s.ok(), "%s", s.message().c_str());
  compare_rows("2300-token prompt, alpha 3, logn", lc, lg);
  for (int step = 0; step < 3; ++step) {
    const int t = argmax(lc.rows.back());
    s = run(C, *kc, {t}, {}, alpha, LogitsMode::Last, lc);
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
    s = run(G, *kg, {t}, {}, alpha, LogitsMode::Last, lg);
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
  }
  compare_rows("decode at 2303 (logn)", lc, lg);

  // Bad input is refused with a message, and the backend stays usable.
  std::vector<int32_t> bad = {1, 200000};
  s = run(G, *kg, bad, {}, alpha, LogitsMode::Last, lg);
  GPU_CHECK(!s.ok() && s.message().find("vocabulary") != std::string::npos, "bad id accepted: %s", s.message().c_str());
  std::vector<int32_t> too_long(static_cast<size_t>(G.max_context()), 5);
  s = run(G, *kg, too_long, {}, alpha, LogitsMode::Last, lg);
  GPU_CHECK(!s.ok(), "a prompt past the context limit was accepted");
  s = run(G, *kg, {7}, {}, alpha, LogitsMode::Last, lg);
  GPU_CHECK(s.ok(), "backend unusable after refused input: %s", s.message().c_str());

  // Greedy picks on the device (ForwardRequest::pick, the second decode graph) with and without
  // a repetition penalty: each step runs once with logits to the host (the CPU sampler's greedy
  // steps choose from them), then again, truncated back, picking on the device; the two must
  // be the same id. The penalty's mask is filled in one block for the prompt, then one id per
  // step inside the graph. The CPU backend's choice is printed beside.
  GPU_CHECK(G.picks_on_device(), "the CUDA backend does not pick on the device");
  for (float penalty : {1.0f, 1.3f, 0.8f}) {
    kc->truncate(0);
    kg->truncate(0);
    std::vector<int32_t> prompt(300);
    for (auto& t : prompt) t = rng.uniform_int(0, 151642);
    s = run(C, *kc, prompt, {}, 1.0, LogitsMode::Last, lc);
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
    s = run(G, *kg, prompt, {}, 1.0, LogitsMode::Last, lg);
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
    std::vector<int32_t> seen = prompt;
    auto host_choice = [&](std::vector<float> l) {
      apply_repetition_penalty(l.data(), static_cast<int>(l.size()), seen, penalty);
      return qwenvl::argmax(l.data(), static_cast<int>(l.size()));
    };
    int32_t tok = host_choice(lg.rows.back());
    int equal_host = 0, equal_cpu = 0;
    const int steps = 12;
    for (int step = 0; step < steps; ++step) {
      seen.push_back(tok);
      s = run(C, *kc, {tok}, {}, 1.0, LogitsMode::Last, lc);
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      s = run(G, *kg, {tok}, {}, 1.0, LogitsMode::Last, lg);
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      const int32_t from_host = host_choice(lg.rows[0]), from_cpu = host_choice(lc.rows[0]);
      kg->truncate(kg->length() - 1);
      int32_t picked = -1;
      ForwardRequest r;
      r.ids = &tok;
      r.n_tokens = 1;
      r.pick = &picked;
      r.pick_seen = &seen;
      r.pick_penalty = penalty;
      s = G.forward(*kg, r);
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      GPU_CHECK(picked == from_host, "penalty %.1f step %d: device pick %d, host pick %d", penalty, step, picked,
                from_host);
      equal_host += picked == from_host;
      equal_cpu += picked == from_cpu;
      tok = from_host;
    }
    std::printf("  %-44s %d of %d equal to the host pick, %d to the CPU backend's\n",
                ("device greedy pick, penalty " + std::to_string(penalty).substr(0, 3)).c_str(), equal_host, steps,
                equal_cpu);
    GPU_CHECK(kg->length() == 300 + steps, "cache length %d after picks", kg->length());
  }
  // Sampled picks on the device (ForwardRequest::pick_sampling, the third decode graph): each
  // step runs with logits to the host, then twice more, truncated back, sampling on the device
  // with the same uniform. The device token must be one the CPU sampler keeps for those logits
  // (sampling_candidates after the penalty), and the same both times. How often it is the very
  // token Sampler::next draws for that uniform is printed (the statistics are test_sample's).
  {
    kc->truncate(0);
    kg->truncate(0);
    std::vector<int32_t> prompt(200);
    for (auto& t : prompt) t = rng.uniform_int(0, 151642);
    s = run(G, *kg, prompt, {}, 1.0, LogitsMode::Last, lg);
    GPU_CHECK(s.ok(), "%s", s.message().c_str());
    SamplingParams sp;
    sp.temperature = 0.9f;
    sp.top_p = 0.8f;
    sp.top_k = 40;
    sp.repetition_penalty = 1.3f;
    sp.seed = 5;
    Sampler stream(sp);
    std::vector<int32_t> seen = prompt;
    int32_t tok = qwenvl::argmax(lg.rows.back().data(), static_cast<int>(lg.rows.back().size()));
    int same_as_cpu = 0;
    const int steps = 12;
    for (int step = 0; step < steps; ++step) {
      seen.push_back(tok);
      s = run(G, *kg, {tok}, {}, 1.0, LogitsMode::Last, lg);
      GPU_CHECK(s.ok(), "%s", s.message().c_str());
      std::vector<float> l = lg.rows[0];
      apply_repetition_penalty(l.data(), static_cast<int>(l.size()), seen, sp.repetition_penalty);
      const std::vector<Candidate> cand = sampling_candidates(l.data(), static_cast<int>(l.size()), sp);
      const double u = stream.draw();
      const int32_t cpu_token = pick_for_uniform(cand, u);
      int32_t picked[2] = {-1, -1};
      for (int32_t& p : picked) {
        kg->truncate(kg->length() - 1);
        ForwardRequest r;
        r.ids = &tok;
        r.n_tokens = 1;
        r.pick = &p;
        r.pick_seen = &seen;
        r.pick_penalty = sp.repetition_penalty;
        r.pick_sampling = &sp;
        r.pick_uniform = u;
        s = G.forward(*kg, r);
        GPU_CHECK(s.ok(), "%s", s.message().c_str());
      }
      const bool kept = std::any_of(cand.begin(), cand.end(), [&](const Candidate& k) { return k.id == picked[0]; });
      GPU_CHECK(kept, "step %d: device sampled %d, outside the CPU's %zu candidates", step, picked[0], cand.size());
      GPU_CHECK(picked[0] == picked[1], "step %d: the same uniform gave %d, then %d", step, picked[0], picked[1]);
      same_as_cpu += picked[0] == cpu_token;
      tok = picked[0];
    }
    std::printf("  %-44s %d of %d the CPU sampler's token for the same uniform\n",
                "device sampled pick (top-p 0.8, k 40)", same_as_cpu, steps);
    GPU_CHECK(kg->length() == 200 + steps, "cache length %d after sampled picks", kg->length());
    // Greedy parameters are not a sampled pick.
    SamplingParams greedy = sp;
    greedy.temperature = 0;
    int32_t picked = -1;
    ForwardRequest r;
    r.ids = &tok;
    r.n_tokens = 1;
    r.pick = &picked;
    r.pick_sampling = &greedy;
    s = G.forward(*kg, r);
    GPU_CHECK(!s.ok(), "a sampled pick with temperature 0 was accepted");
  }
  // A cache that already holds tokens refuses nothing but a pick on several tokens.
  {
    int32_t picked = -1;
    std::vector<int32_t> two = {5, 6};
    ForwardRequest r;
    r.ids = two.data();
    r.n_tokens = 2;
    r.pick = &picked;
    s = G.forward(*kg, r);
    GPU_CHECK(!s.ok(), "a pick over two tokens was accepted");
    s = C.forward(*kc, r);
    GPU_CHECK(!s.ok(), "the CPU backend accepted a pick");
  }
}

}  // namespace

int main() {
  if (const int skip = gpu_or_skip("test_backend_cuda")) return skip;
  check_checkpoint("tiny_asym");
  check_checkpoint("tiny_sharded");
  return finish("test_backend_cuda");
}
