#include "support/conform_check.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "support/compare.h"
#include "util/file_io.h"

namespace qwenvl::test {

namespace {
Result<nlohmann::json> read_json(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.status();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return Result<nlohmann::json>::error(path + ": not valid JSON");
  return j;
}
std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}
}  // namespace

std::string ConformReport::summary() const {
  std::string s =
      name + ": visual " + fmt(visual_rel_l2) + ", logits " + fmt(logits_rel_l2) + ", top-1 " + fmt(top1_agreement);
  for (const auto& f : failures) s += "\n  FAIL " + f;
  return s;
}

Result<ConformReport> check_conform(const std::string& out_dir, const std::string& golden_dir, const std::string& name,
                                    const ConformLimits& limits) {
  using R = Result<ConformReport>;
  ConformReport r;
  r.name = name;
  auto out = read_json(out_dir + "/" + name + ".json");
  if (!out) return out.status();
  auto gold = read_json(golden_dir + "/" + name + ".json");
  if (!gold) return gold.status();
  const auto& O = *out;
  const auto& G = *gold;
  if (O.value("prompt_ids", nlohmann::json()) != G["prompt_ids"]) r.failures.push_back("prompt_ids differ");

  const auto& gt = G["fp32_top5_ids"];
  const auto& ot = O.value("top5_ids", nlohmann::json::array());
  if (gt.size() != ot.size()) {
    r.failures.push_back("top5_ids has " + std::to_string(ot.size()) + " positions, golden " +
                         std::to_string(gt.size()));
  } else {
    size_t agree = 0;
    for (size_t i = 0; i < gt.size(); ++i) agree += ot[i].size() > 0 && gt[i].size() > 0 && ot[i][0] == gt[i][0];
    r.top1_agreement = gt.empty() ? 1.0 : double(agree) / double(gt.size());
    if (r.top1_agreement < limits.top1_agreement)
      r.failures.push_back("top-1 agreement " + fmt(r.top1_agreement) + " < " + fmt(limits.top1_agreement));
  }

  auto ol = read_f32_file(out_dir + "/" + name + ".last_logits.f32");
  auto gl = read_f32_file(golden_dir + "/" + name + ".fp32.last_logits.f32");
  if (!ol || !gl) return R::error("missing last_logits for " + name + ": " + (ol ? gl.message() : ol.message()));
  r.logits_rel_l2 = relative_l2(*ol, *gl);
  if (!(r.logits_rel_l2 <= limits.logits_rel_l2))
    r.failures.push_back("last logits rel-L2 " + fmt(r.logits_rel_l2) + " > " + fmt(limits.logits_rel_l2));

  if (G.contains("visual_shape") && !G["visual_shape"].is_null()) {
    auto ov = read_f32_file(out_dir + "/" + name + ".visual.f32");
    auto gv = read_f32_file(golden_dir + "/" + name + ".fp32.visual.f32");
    if (!ov || !gv) return R::error("missing visual features for " + name + ": " + (ov ? gv.message() : ov.message()));
    r.visual_rel_l2 = relative_l2(*ov, *gv);
    if (!(r.visual_rel_l2 <= limits.visual_rel_l2))
      r.failures.push_back("vision features rel-L2 " + fmt(r.visual_rel_l2) + " > " + fmt(limits.visual_rel_l2));
  }

  auto prefix = [&](const nlohmann::json& v) {
    std::vector<int> ids = v.get<std::vector<int>>();
    if (limits.greedy_prefix >= 0 && ids.size() > size_t(limits.greedy_prefix)) ids.resize(limits.greedy_prefix);
    return ids;
  };
  const auto og = prefix(O.value("greedy_ids", nlohmann::json::array()));
  const bool ok32 = og == prefix(G["fp32_greedy_ids"]);
  const bool ok16 = limits.accept_fp16_greedy && og == prefix(G["fp16_greedy_ids"]);
  if (!ok32 && !ok16) r.failures.push_back("greedy ids differ from the golden");
  return r;
}

Result<std::vector<std::string>> scenario_names(const std::string& scenarios_file) {
  auto j = read_json(scenarios_file);
  if (!j) return j.status();
  std::vector<std::string> names;
  for (const auto& s : *j) names.push_back(s.at("name").get<std::string>());
  return names;
}

}  // namespace qwenvl::test
