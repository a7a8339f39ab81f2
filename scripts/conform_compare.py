#!/usr/bin/env python3
"""Checks `qwenvl-cli conform` output against the official goldens without Qt or NumPy.

The same checks and default limits as tests/support/conform_check.cpp (which the Qt and CUDA
tests use): prompt ids identical, vision features and last-position logits within a relative L2
error of the fp32 goldens, top-1 agreement over every prompt position, greedy ids equal. For
machines that have no Qt (the GPU machine), e.g. after `QWENVL_CPU_GEMM=amx qwenvl-cli conform
--device cpu` (scripts/amx-kernel-check.sh).

  scripts/conform_compare.py OUT_DIR GOLDEN_DIR SCENARIOS_JSON [--rel-l2 2e-4] [--top1 0.999]

Prints one line per scenario; exit status 1 when any check fails, 2 on bad input.
"""
import argparse
import array
import json
import math
import os
import sys


def read_f32(path):
    a = array.array("f")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder != "little":
        a.byteswap()
    return a


def relative_l2(got, want):
    if len(got) != len(want):
        return math.inf
    num = sum((float(g) - float(w)) ** 2 for g, w in zip(got, want))
    den = sum(float(w) ** 2 for w in want)
    return math.sqrt(num / den) if den > 0 else math.sqrt(num)


def check(out_dir, golden_dir, name, rel_l2, top1):
    failures = []
    with open(os.path.join(out_dir, name + ".json"), encoding="utf-8") as f:
        out = json.load(f)
    with open(os.path.join(golden_dir, name + ".json"), encoding="utf-8") as f:
        gold = json.load(f)
    if out.get("prompt_ids") != gold["prompt_ids"]:
        failures.append("prompt_ids differ")
    gt, ot = gold["fp32_top5_ids"], out.get("top5_ids", [])
    agreement = 0.0
    if len(gt) != len(ot):
        failures.append(f"top5_ids has {len(ot)} positions, golden {len(gt)}")
    else:
        agree = sum(1 for o, g in zip(ot, gt) if o and g and o[0] == g[0])
        agreement = agree / len(gt) if gt else 1.0
        if agreement < top1:
            failures.append(f"top-1 agreement {agreement:.4g} < {top1}")
    logits = relative_l2(read_f32(os.path.join(out_dir, name + ".last_logits.f32")),
                         read_f32(os.path.join(golden_dir, name + ".fp32.last_logits.f32")))
    if not logits <= rel_l2:
        failures.append(f"last logits rel-L2 {logits:.3g} > {rel_l2}")
    visual = 0.0
    if gold.get("visual_shape") is not None:
        visual = relative_l2(read_f32(os.path.join(out_dir, name + ".visual.f32")),
                             read_f32(os.path.join(golden_dir, name + ".fp32.visual.f32")))
        if not visual <= rel_l2:
            failures.append(f"vision features rel-L2 {visual:.3g} > {rel_l2}")
    if out.get("greedy_ids") != gold["fp32_greedy_ids"]:
        failures.append("greedy ids differ from the golden")
    line = f"{name}: visual {visual:.3g}, logits {logits:.3g}, top-1 {agreement:.4g}"
    return line + "".join("\n  FAIL " + f for f in failures), not failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("golden_dir")
    ap.add_argument("scenarios")
    ap.add_argument("--rel-l2", type=float, default=2e-4)
    ap.add_argument("--top1", type=float, default=0.999)
    args = ap.parse_args()
    try:
        with open(args.scenarios, encoding="utf-8") as f:
            names = [s["name"] for s in json.load(f)]
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"conform_compare: cannot read the scenarios: {e}", file=sys.stderr)
        return 2
    ok = True
    for name in names:
        try:
            line, passed = check(args.out_dir, args.golden_dir, name, args.rel_l2, args.top1)
        except (OSError, ValueError, KeyError, TypeError) as e:
            line, passed = f"{name}: FAIL cannot compare: {e}", False
        print(line)
        ok = ok and passed
    print("conform: all scenarios pass" if ok else "conform: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
