// `qwenvl-bench cpu [--threads N]`: the fast CPU kernels on their own, with all threads: the
// copy bandwidth, the int4 GEMV's weight bytes/s on each ISA this CPU has (and its share of the
// copy figure), the fp16 GEMV (lm_head's shape) and the GEMM (ViT-bigG's MLP: 1024 x 8192 x
// 1664); `--gemm-sweep` and `--attention` time the prompt's GEMMs and the ViT's attention
// instead; `--pack`: the AMX GEMM's panel packing alone, one thread (pack_bench). One JSON object
// (or array) on stdout, a table on stderr; measures, never asserts.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/command.h"
#include "cpu/attention.h"
#include "cpu/gemm.h"
#include "cpu/profile.h"
#include "cpu/speed.h"
#include "util/half.h"

namespace qwenvl::cli {

namespace {

using Clock = std::chrono::steady_clock;

// A random layer of N x K weights for the GEMM timings: int4 (128-groups, `seed`) or fp16 rows
// of standard deviation 0.02 drawn from rng.
struct RandomWeight {
  RandomWeight(int N, int K, bool int4, uint32_t seed, std::mt19937& rng) {
    if (int4) {
      p4 = cpu::random_int4_layer(K, N, 128, seed);
      fw = cpu::FastWeight::packed(p4);
      return;
    }
    std::normal_distribution<float> normal(0.0f, 1.0f);
    w16.resize(size_t(N) * K);
    for (uint16_t& h : w16) h = float_to_half(0.02f * normal(rng));
    fw = cpu::FastWeight::f16_rows(w16.data(), N, K);
  }
  std::vector<uint16_t> w16;
  cpu::PackedInt4 p4;
  cpu::FastWeight fw;
};

template <class Fn>
double best_seconds(int reps, Fn fn) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

// The GEMMs of a prompt with a picture at each tile width (gemm.h's gemm_tile_columns) and split:
// the ViT's qkv, c_fc and c_proj over fp16 weights (1024 rows), the decoder's w1 and MLP c_proj
// over int4 at the 286-token prompt, on random data. Width 0 is the split's own choice. `splits`:
// the splits to time (empty: every one this machine runs: tiles, bf16x3 where oneDNN has a fast
// bf16 matmul, amx where the CPU has AMX or QWENVL_CPU_AMX_EMULATE=1). The fp32 tiles at the
// first width always run first, as the reference: each other result's largest difference from
// it, relative to its largest value (max_err), and its relative L2 difference (rel_l2); amx on
// the tile unit also against its emulation over the first 32 rows (0: bit for bit). `rows`:
// the rows of every shape (0: their own; fewer make a quick check, e.g. of the emulated amx).
int gemm_sweep(ThreadPool& pool, const std::string& widths, const std::string& split_names, int rows) {
  std::vector<int> nts;
  for (const std::string& item : split_list(widths)) {
    const std::optional<int64_t> nt = parse_integer(item, 0, 1024);
    if (!nt || (*nt != 0 && (*nt < 16 || *nt % 16))) {
      std::fprintf(stderr, "qwenvl-bench cpu: --gemm-sweep widths are 0 or multiples of 16 up to 1024\n");
      return 2;
    }
    nts.push_back(static_cast<int>(*nt));
  }
  const char* emulate = std::getenv("QWENVL_CPU_AMX_EMULATE");
  const bool amx = cpu::amx_available() || (emulate && std::string(emulate) == "1");
  std::vector<cpu::GemmSplit> splits;
  for (const std::string& name : split_list(split_names)) {
    cpu::GemmSplit s;
    if (name == "tiles")
      s = cpu::GemmSplit::Tiles;
    else if (name == "bf16x3")
      s = cpu::GemmSplit::Bf16x3;
    else if (name == "amx")
      s = cpu::GemmSplit::Amx;
    else {
      std::fprintf(stderr, "qwenvl-bench cpu: --splits takes tiles, bf16x3 and amx\n");
      return 2;
    }
    if ((s == cpu::GemmSplit::Bf16x3 && !cpu::bf16x3_available()) || (s == cpu::GemmSplit::Amx && !amx)) {
      std::fprintf(stderr, "qwenvl-bench cpu: this machine cannot run the %s split\n", name.c_str());
      return 1;
    }
    splits.push_back(s);
  }
  if (split_names.empty()) {
    splits = {cpu::GemmSplit::Tiles};
    if (cpu::bf16x3_available()) splits.push_back(cpu::GemmSplit::Bf16x3);
    if (amx) splits.push_back(cpu::GemmSplit::Amx);
  }
  struct Shape {
    const char* name;
    int M, N, K;
    bool int4;
  };
  const Shape shapes[] = {{"vit.qkv", 1024, 4992, 1664, false},
                          {"vit.c_fc", 1024, 8192, 1664, false},
                          {"vit.c_proj", 1024, 1664, 8192, false},
                          {"llm.w1", 286, 11008, 4096, true},
                          {"llm.mlp_c_proj", 286, 4096, 11008, true}};
  const cpu::Isa isa = cpu::default_isa();
  const cpu::GemmSplit split = cpu::gemm_split();
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  // amx's microkernel and loop order in effect (gemm.h; the emulation runs the same ones).
  const std::string amx_kernel = std::to_string(cpu::amx_kernel_variant());
  const std::string amx_order = std::to_string(cpu::amx_loop_order());
  if (amx)
    std::fprintf(stderr, "amx: kernel %s, order %s (QWENVL_CPU_AMX_KERNEL, QWENVL_CPU_AMX_ORDER)\n", amx_kernel.c_str(),
                 amx_order.c_str());
  std::fprintf(stderr, "%-16s %-7s %5s %10s %9s %9s %9s\n", "shape", "split", "width", "GFLOP/s", "ms", "max_err",
               "rel_l2");
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (Shape sh : shapes) {
    if (rows > 0) sh.M = rows;
    const RandomWeight rw(sh.N, sh.K, sh.int4, 11, rng);
    const cpu::FastWeight& fw = rw.fw;
    std::vector<float> x(size_t(sh.M) * sh.K), y(size_t(sh.M) * sh.N), ref(y.size());
    for (float& v : x) v = normal(rng);
    cpu::set_gemm_split(cpu::GemmSplit::Tiles);
    cpu::set_gemm_tile_columns(nts.front());
    cpu::fast_linear(pool, isa, x.data(), sh.M, fw, nullptr, ref.data());
    double ref_max = 0, ref_sq = 0;
    for (float v : ref) {
      ref_max = std::max(ref_max, double(std::fabs(v)));
      ref_sq += double(v) * v;
    }
    for (cpu::GemmSplit s : splits) {
      cpu::set_gemm_split(s);
      for (int nt : nts) {
        cpu::set_gemm_tile_columns(nt);
        const int used = cpu::gemm_tile_columns(s, sh.K);
        std::fill(y.begin(), y.end(), std::numeric_limits<float>::quiet_NaN());
        if (cpu::profile::enabled()) cpu::profile::reset();
        const double sec = best_seconds(3, [&] { cpu::fast_linear(pool, isa, x.data(), sh.M, fw, nullptr, y.data()); });
        // Where this shape's three runs spent their threads' time (QWENVL_CPU_PROFILE).
        if (cpu::profile::enabled()) {
          std::fprintf(stderr, "%s %s, 3 runs, %d threads:\n%s", sh.name, cpu::gemm_split_name(s), pool.size(),
                       cpu::profile::report().c_str());
          cpu::profile::reset();
        }
        double max_diff = 0, diff_sq = 0;
        for (size_t i = 0; i < y.size(); ++i) {
          const double d = std::fabs(double(y[i]) - ref[i]);
          max_diff = std::isnan(d) ? INFINITY : std::max(max_diff, d);
          diff_sq += d * d;
        }
        // amx on the tile unit: its first rows again on the emulation (the unit tests' stand-in
        // where there is no AMX), the largest difference relative to the largest value.
        double emu_diff = -1;
        if (s == cpu::GemmSplit::Amx && cpu::amx_available()) {
          const int rows = std::min(sh.M, 32);
          std::vector<float> emu(size_t(rows) * sh.N);
          cpu::amx_linear(pool, isa, x.data(), rows, fw, nullptr, emu.data(), 0, 0, cpu::AmxUnit::Emulated);
          emu_diff = 0;
          for (size_t i = 0; i < emu.size(); ++i) emu_diff = std::max(emu_diff, double(std::fabs(emu[i] - y[i])));
          emu_diff = ref_max > 0 ? emu_diff / ref_max : emu_diff;
        }
        // Another microkernel or loop order on the tile unit: kernel 0 in order 0 on the same
        // unit, the number of outputs that differ (0: the same bits, as they must be).
        int64_t kernel0_diff = -1;
        if (s == cpu::GemmSplit::Amx && cpu::amx_available() && (amx_kernel != "0" || amx_order != "0")) {
          std::vector<float> y0(y.size());
          setenv("QWENVL_CPU_AMX_KERNEL", "0", 1);
          setenv("QWENVL_CPU_AMX_ORDER", "0", 1);
          cpu::amx_linear(pool, isa, x.data(), sh.M, fw, nullptr, y0.data(), 0, 0, cpu::AmxUnit::Hardware);
          setenv("QWENVL_CPU_AMX_KERNEL", amx_kernel.c_str(), 1);
          setenv("QWENVL_CPU_AMX_ORDER", amx_order.c_str(), 1);
          kernel0_diff = 0;
          for (size_t i = 0; i < y.size(); ++i) kernel0_diff += std::memcmp(&y[i], &y0[i], sizeof(float)) != 0;
        }
        const double max_err = ref_max > 0 ? max_diff / ref_max : max_diff;
        const double rel_l2 = ref_sq > 0 ? std::sqrt(diff_sq / ref_sq) : std::sqrt(diff_sq);
        const double gflops = 2.0 * sh.M * sh.N * sh.K / sec / 1e9;
        char emu_note[64] = "";
        if (emu_diff >= 0) std::snprintf(emu_note, sizeof emu_note, "  emulation diff %.2g", emu_diff);
        if (kernel0_diff >= 0)
          std::snprintf(emu_note + std::strlen(emu_note), sizeof emu_note - std::strlen(emu_note),
                        ", %lld differ from kernel 0", static_cast<long long>(kernel0_diff));
        std::fprintf(stderr, "%-16s %-7s %5d %10.1f %9.2f %9.2g %9.2g%s%s\n", sh.name, cpu::gemm_split_name(s), used,
                     gflops, sec * 1e3, max_err, rel_l2, nt == 0 ? "  (default width)" : "", emu_note);
        out.push_back({{"shape", sh.name},
                       {"M", sh.M},
                       {"N", sh.N},
                       {"K", sh.K},
                       {"split", cpu::gemm_split_name(s)},
                       {"width", used},
                       {"default_width", nt == 0},
                       {"gflops", gflops},
                       {"max_err", max_err},
                       {"rel_l2", rel_l2}});
        if (emu_diff >= 0) out.back()["emulation_max_diff"] = emu_diff;
        if (kernel0_diff >= 0) out.back()["kernel0_differing"] = kernel0_diff;
        if (s == cpu::GemmSplit::Amx) {
          out.back()["amx_kernel"] = amx_kernel;
          out.back()["amx_order"] = amx_order;
        }
      }
    }
  }
  cpu::set_gemm_split(split);
  cpu::set_gemm_tile_columns(0);
  // QWENVL_CPU_PROFILE: the bf16 splits' phases, summed over the pool's threads.
  if (cpu::profile::enabled()) std::fprintf(stderr, "\n%s", cpu::profile::report().c_str());
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

// `--attention`: attention_gemm at the ViT's shape (1024 tokens, 16 heads of 104, q|k|v
// interleaved per head as vision.cpp passes them) on random data, best of 3: the fp32 sgemm path
// (the Tiles split) first, as the reference, then the split in effect where it is another
// (QWENVL_CPU_GEMM; amx runs the tile unit's path unless QWENVL_CPU_AMX_ATTENTION=0,
// attention.h), with its largest difference
// relative to the largest value (max_err) and its relative L2 difference; amx on the tile unit
// also against its emulation over the first 2 heads (0: bit for bit).
int attention_bench(ThreadPool& pool) {
  const int T = 1024, heads = 16, hd = 104, W = heads * hd;
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> qkv(size_t(T) * 3 * W), out(size_t(T) * W), ref(out.size());
  for (float& v : qkv) v = normal(rng);
  cpu::AttentionArgs a;
  a.T = a.n_keys = T;
  a.heads = heads;
  a.head_dim = hd;
  a.q = qkv.data();
  a.k = qkv.data() + hd;
  a.v = qkv.data() + 2 * hd;
  a.ldq = a.ldk = a.ldv = 3 * W;
  a.q_head = a.k_head = a.v_head = 3 * hd;
  a.ldo = W;
  a.scale = float(1.0 / std::sqrt(double(hd)));
  a.isa = cpu::default_isa();
  const cpu::GemmSplit split = cpu::gemm_split();
  std::vector<cpu::GemmSplit> splits = {cpu::GemmSplit::Tiles};
  if (split != cpu::GemmSplit::Tiles) splits.push_back(split);
  const double flops = 2.0 * 2.0 * T * T * hd * heads;
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  std::fprintf(stderr, "%-16s %-7s %10s %9s %9s %9s\n", "attention", "split", "GFLOP/s", "ms", "max_err", "rel_l2");
  double ref_max = 0, ref_sq = 0;
  for (cpu::GemmSplit s : splits) {
    cpu::set_gemm_split(s);
    std::vector<float>& y = s == cpu::GemmSplit::Tiles ? ref : out;
    std::fill(y.begin(), y.end(), std::numeric_limits<float>::quiet_NaN());
    a.out = y.data();
    if (cpu::profile::enabled()) cpu::profile::reset();
    const double sec = best_seconds(3, [&] { cpu::attention_gemm(pool, a); });
    if (cpu::profile::enabled()) {
      std::fprintf(stderr, "attention %s, 3 runs, %d threads:\n%s", cpu::gemm_split_name(s), pool.size(),
                   cpu::profile::report().c_str());
      cpu::profile::reset();
    }
    if (s == cpu::GemmSplit::Tiles)
      for (float v : ref) {
        ref_max = std::max(ref_max, double(std::fabs(v)));
        ref_sq += double(v) * v;
      }
    double max_diff = 0, diff_sq = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      const double d = std::fabs(double(y[i]) - ref[i]);
      max_diff = std::isnan(d) ? INFINITY : std::max(max_diff, d);
      diff_sq += d * d;
    }
    double emu_diff = -1;
    if (s == cpu::GemmSplit::Amx && cpu::amx_attention_enabled() && cpu::amx_available()) {
      cpu::AttentionArgs two = a;
      two.heads = 2;
      std::vector<float> emu(out.size(), 0.0f);
      two.out = emu.data();
      cpu::attention_amx(pool, two, cpu::AmxUnit::Emulated);
      emu_diff = 0;
      for (int t = 0; t < T; ++t)
        for (int i = 0; i < 2 * hd; ++i)
          emu_diff = std::max(emu_diff, double(std::fabs(emu[size_t(t) * W + i] - out[size_t(t) * W + i])));
      emu_diff = ref_max > 0 ? emu_diff / ref_max : emu_diff;
    }
    const double max_err = ref_max > 0 ? max_diff / ref_max : max_diff;
    const double rel_l2 = ref_sq > 0 ? std::sqrt(diff_sq / ref_sq) : std::sqrt(diff_sq);
    // The products that ran: the tile unit's only under amx where its unit runs (gemm.h).
    const bool amx_ran = s == cpu::GemmSplit::Amx && cpu::amx_attention_enabled() &&
                         (cpu::amx_available() || cpu::amx_unit() == cpu::AmxUnit::Emulated);
    const char* path = !amx_ran ? "sgemm" : cpu::amx_available() ? "amx" : "amx emulated";
    char emu_note[64] = "";
    if (emu_diff >= 0) std::snprintf(emu_note, sizeof emu_note, "  emulation diff %.2g", emu_diff);
    if (s != cpu::GemmSplit::Tiles && !amx_ran) std::snprintf(emu_note, sizeof emu_note, "  (ran the sgemm path)");
    std::fprintf(stderr, "%-16s %-7s %10.1f %9.2f %9.2g %9.2g%s\n", "vit.attention", cpu::gemm_split_name(s),
                 flops / sec / 1e9, sec * 1e3, max_err, rel_l2, emu_note);
    rows.push_back({{"shape", "vit.attention"},
                    {"T", T},
                    {"heads", heads},
                    {"head_dim", hd},
                    {"split", cpu::gemm_split_name(s)},
                    {"path", path},
                    {"ms", sec * 1e3},
                    {"gflops", flops / sec / 1e9},
                    {"max_err", max_err},
                    {"rel_l2", rel_l2}});
    if (emu_diff >= 0) rows.back()["emulation_max_diff"] = emu_diff;
  }
  cpu::set_gemm_split(split);
  std::printf("%s\n", rows.dump(2).c_str());
  return 0;
}

// `--pack`: the Amx split's packing of B panels alone (gemm.h's amx_pack_panel), one thread,
// panels of 128 columns over a layer of 1024 columns (8 panels, the source past L2 as in a
// real call): the three passes (widen, split, interleave) at each ISA this CPU has, and the
// fused AVX-512 packers where it has AVX-512 (and AVX512_BF16); ns per weight, the best of 5
// passes, and whether the fused bytes equal the AVX-512 passes' (they must; the unit tests
// check this in depth).
int pack_bench() {
  struct Shape {
    const char* name;
    int N, K;
    bool int4;
  };
  const Shape shapes[] = {{"llm int4 K=4096", 1024, 4096, true},
                          {"vit fp16 rows K=1664", 1024, 1664, false},
                          {"vit fp16 rows K=8192", 1024, 8192, false}};
  constexpr int kNp = 128;
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  std::fprintf(stderr, "%-22s %-32s %10s\n", "shape (128 columns)", "packer", "ns/weight");
  std::mt19937 rng(3);
  for (const Shape& sh : shapes) {
    const RandomWeight rw(sh.N, sh.K, sh.int4, 13, rng);
    const cpu::FastWeight& fw = rw.fw;
    const size_t size = cpu::amx_panel_size(fw, kNp);
    std::vector<uint16_t> panel(size), passes_bytes;
    struct Packer {
      cpu::Isa isa;
      cpu::PanelPacker packer;
      const char* name;
    };
    std::vector<Packer> packers;
    for (cpu::Isa isa : {cpu::Isa::Generic, cpu::Isa::Avx2, cpu::Isa::Avx512})
      if (cpu::isa_supported(isa))
        packers.push_back({isa, cpu::PanelPacker::Passes,
                           isa == cpu::Isa::Avx512 ? "passes avx512"
                           : isa == cpu::Isa::Avx2 ? "passes avx2"
                                                   : "passes generic"});
    if (cpu::isa_supported(cpu::Isa::Avx512))
      packers.push_back({cpu::Isa::Avx512, cpu::PanelPacker::Fused, "fused avx512 (integer rounding)"});
    if (cpu::amx_pack_bf16_available() && !sh.int4)  // int4 rounds its tables alike either way
      packers.push_back({cpu::Isa::Avx512, cpu::PanelPacker::FusedBf16, "fused avx512_bf16"});
    for (const Packer& pk : packers) {
      const double sec = best_seconds(5, [&] {
        for (int n0 = 0; n0 < sh.N; n0 += kNp) cpu::amx_pack_panel(pk.isa, pk.packer, fw, n0, kNp, kNp, panel.data());
      });
      const double ns = sec * 1e9 / (double(sh.N) * sh.K);
      const std::string name = pk.name;
      if (pk.isa == cpu::Isa::Avx512 && pk.packer == cpu::PanelPacker::Passes) passes_bytes = panel;  // the last panel
      std::fprintf(stderr, "%-22s %-32s %10.3f", sh.name, name.c_str(), ns);
      out.push_back({{"shape", sh.name}, {"N", sh.N}, {"K", sh.K}, {"packer", name}, {"ns_per_weight", ns}});
      if (pk.packer != cpu::PanelPacker::Passes) {
        const bool same = panel == passes_bytes;
        std::fprintf(stderr, "  (bytes %s the avx512 passes')", same ? "equal" : "DIFFER from");
        out.back()["same_bytes_as_passes"] = same;
      }
      std::fprintf(stderr, "\n");
    }
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

int run_cpu(const std::vector<std::string>& argv) {
  Args args(argv, {"attention", "pack"});
  if (!args.ok() || !args.unknown({"threads", "gemm-sweep", "splits", "gemm-rows", "attention", "pack"}).empty()) {
    std::fprintf(stderr,
                 "usage: qwenvl-bench cpu [--threads N] [--gemm-sweep W,W,... [--splits tiles,bf16x3,amx] "
                 "[--gemm-rows M]] [--attention] [--pack]\n");
    return 2;
  }
  if (args.has("pack")) return pack_bench();
  const std::optional<int64_t> rows = parse_integer(args.get("gemm-rows").value_or("0"), 0, 1 << 16);
  if (!rows) {
    std::fprintf(stderr, "qwenvl-bench cpu: --gemm-rows must be 0..65536\n");
    return 2;
  }
  const int threads = args.get("threads") ? std::atoi(args.get("threads")->c_str()) : 0;
  if (threads < 0 || threads > ThreadPool::max_threads()) {
    std::fprintf(stderr, "qwenvl-bench cpu: --threads must be 1..%d\n", ThreadPool::max_threads());
    return 2;
  }
  ThreadPool pool(threads);
  if (args.has("attention")) return attention_bench(pool);
  if (auto widths = args.get("gemm-sweep"))
    return gemm_sweep(pool, *widths, args.get("splits").value_or(""), int(*rows));
  nlohmann::ordered_json out;
  out["threads"] = pool.size();
  const double copy = cpu::measure_copy_bandwidth(pool, size_t(1) << 30);
  out["copy_bytes_per_second"] = copy;
  std::fprintf(stderr, "%-36s %d\n", "threads", pool.size());
  std::fprintf(stderr, "%-36s %.2f GB/s\n", "copy (read + write)", copy / 1e9);
  for (cpu::Isa isa : {cpu::Isa::Generic, cpu::Isa::Avx2, cpu::Isa::Avx512}) {
    if (!cpu::isa_supported(isa)) continue;
    const size_t bytes = isa == cpu::Isa::Generic ? size_t(64) << 20 : size_t(512) << 20;
    const double bw = cpu::measure_int4_gemv_bandwidth(pool, isa, bytes, isa == cpu::Isa::Generic ? 1 : 5);
    out["int4_gemv_bytes_per_second"][cpu::isa_name(isa)] = bw;
    std::fprintf(stderr, "%-36s %.2f GB/s (%.0f %% of copy)\n",
                 (std::string("int4 GEMV, ") + cpu::isa_name(isa)).c_str(), bw / 1e9, copy > 0 ? 100 * bw / copy : 0);
  }
  const cpu::Isa isa = cpu::default_isa();
  {
    const int N = 151936 / 4, K = 4096;  // a quarter of lm_head: 311 MB
    std::vector<uint16_t> w(size_t(N) * K, float_to_half(0.01f));
    std::vector<float> x(K, 1.0f), y(N);
    const auto fw = cpu::FastWeight::f16_rows(w.data(), N, K);
    const double s = best_seconds(5, [&] { cpu::fast_linear(pool, isa, x.data(), 1, fw, nullptr, y.data()); });
    out["f16_gemv_bytes_per_second"] = w.size() * 2 / s;
    std::fprintf(stderr, "%-36s %.2f GB/s (%.0f %% of copy)\n", "fp16 GEMV (lm_head rows)", w.size() * 2 / s / 1e9,
                 copy > 0 ? 100 * w.size() * 2 / s / copy : 0);
  }
  // The prompt's GEMMs both ways (gemm.h's splits): the ViT's c_fc over fp16 weights, and the
  // decoder's w1 over int4 at the 286-token prompt; then oneDNN alone on fp32 at the ViT shape.
  const cpu::GemmSplit split = cpu::gemm_split();
  out["gemm_split_default"] = cpu::gemm_split_name(split);
  out["bf16_matmul_on_amx"] = cpu::bf16x3_has_amx();
  std::fprintf(stderr, "%-36s %s (oneDNN bf16 matmul %s)\n", "GEMM split by default", cpu::gemm_split_name(split),
               cpu::bf16x3_has_amx()     ? "on AMX"
               : cpu::bf16x3_available() ? "without AMX"
                                         : "not available");
  std::vector<cpu::GemmSplit> splits = {cpu::GemmSplit::Tiles, cpu::GemmSplit::Bf16x3};
  if (cpu::amx_available()) splits.push_back(cpu::GemmSplit::Amx);
  for (cpu::GemmSplit s : splits) {
    cpu::set_gemm_split(s);
    const std::string name = cpu::gemm_split_name(s);
    {
      const int M = 1024, N = 8192, K = 1664;
      std::vector<uint16_t> w(size_t(N) * K, float_to_half(0.01f));
      std::vector<float> x(size_t(M) * K, 1.0f), y(size_t(M) * N);
      const auto fw = cpu::FastWeight::f16_rows(w.data(), N, K);
      const double sec = best_seconds(3, [&] { cpu::fast_linear(pool, isa, x.data(), M, fw, nullptr, y.data()); });
      out["vit_mlp_gemm_gflops"][name] = 2.0 * M * N * K / sec / 1e9;
      std::fprintf(stderr, "%-36s %.1f GFLOP/s (%.1f ms)\n", ("GEMM 1024x8192x1664 fp16, " + name).c_str(),
                   2.0 * M * N * K / sec / 1e9, sec * 1e3);
    }
    {
      const int M = 286, N = 11008, K = 4096;
      const cpu::PackedInt4 p = cpu::random_int4_layer(K, N, 128, 7);
      std::vector<float> x(size_t(M) * K, 0.5f), y(size_t(M) * N);
      const double sec = best_seconds(
          3, [&] { cpu::fast_linear(pool, isa, x.data(), M, cpu::FastWeight::packed(p), nullptr, y.data()); });
      out["prompt_int4_gemm_gflops"][name] = 2.0 * M * N * K / sec / 1e9;
      std::fprintf(stderr, "%-36s %.1f GFLOP/s (%.1f ms)\n", ("GEMM 286x11008x4096 int4, " + name).c_str(),
                   2.0 * M * N * K / sec / 1e9, sec * 1e3);
    }
  }
  cpu::set_gemm_split(split);
  {
    const int M = 1024, N = 8192, K = 1664;
    std::vector<float> w(size_t(N) * K, 0.01f), x(size_t(M) * K, 1.0f), y(size_t(M) * N);
    const double sec = best_seconds(
        3, [&] { cpu::sgemm_threads(pool.size(), true, M, N, K, 1.0f, x.data(), K, w.data(), K, 0.0f, y.data(), N); });
    out["sgemm_fp32_gflops"] = 2.0 * M * N * K / sec / 1e9;
    std::fprintf(stderr, "%-36s %.1f GFLOP/s (%.1f ms)\n", "sgemm fp32 1024x8192x1664 alone",
                 2.0 * M * N * K / sec / 1e9, sec * 1e3);
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace

QWENVL_COMMAND(bench_cpu, "cpu", "the CPU kernels alone: copy bandwidth, int4/fp16 GEMV, GEMM", run_cpu);

}  // namespace qwenvl::cli
