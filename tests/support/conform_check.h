// Checks `qwenvl-cli conform` output against the official goldens (fixtures/golden/tiny):
// prompt ids identical, vision features and last-position logits within a relative L2 error,
// top-1 agreement over every prompt position, greedy ids equal. Shared by the CPU (Qt) and GPU
// (no Qt) tests.
#pragma once

#include <string>
#include <vector>

#include "qwenvl/status.h"

namespace qwenvl::test {

struct ConformLimits {
  double visual_rel_l2 = 2e-4;
  double logits_rel_l2 = 2e-4;
  double top1_agreement = 0.999;
  int greedy_prefix = -1;           // -1: every greedy id must match
  bool accept_fp16_greedy = false;  // the prefix may match the fp16 golden instead of fp32
};

struct ConformReport {
  std::string name;
  double visual_rel_l2 = 0;  // 0 when the scenario has no pictures
  double logits_rel_l2 = 0;
  double top1_agreement = 0;
  std::vector<std::string> failures;  // empty when everything holds
  std::string summary() const;
};

// Reads OUT/NAME.* and GOLDEN/NAME.* (the fp32 goldens; fp16 for the greedy alternative).
Result<ConformReport> check_conform(const std::string& out_dir, const std::string& golden_dir, const std::string& name,
                                    const ConformLimits& limits);

// The names of the scenarios in a tiny_scenarios.json-style file.
Result<std::vector<std::string>> scenario_names(const std::string& scenarios_file);

}  // namespace qwenvl::test
