#!/usr/bin/env python3
"""Compares `qwenvl-cli preprocess --full` output with make_format_goldens.py's Pillow goldens.

Usage: compare_format_goldens.py GOLDENS_DIR ENGINE_OUT_DIR [--engine-webp V] [--engine-jpeg V]
The same rules as tst_picture_formats: byte equality, except JPEG data when the engine's
libjpeg-turbo is not the one Pillow linked (then +-1 on at most 0.5% of the 448x448 bytes), and
lossy WebP when the libwebp differs (reported, not compared: lossy decoding is only compared
against the same libwebp). Pictures Pillow refuses must have no output. Exit status 1 on any
mismatch. Prints one line per picture that is not byte-exact, then a summary.
"""
import argparse
import json
import os
import sys


def version_less(a, b):
    pa = [int(x) for x in a.split(".") if x.isdigit()]
    pb = [int(x) for x in b.split(".") if x.isdigit()]
    return pa < pb


def diff(a, b):
    n = sum(1 for x, y in zip(a, b) if x != y)
    m = max((abs(x - y) for x, y in zip(a, b)), default=0)
    return n, m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("goldens")
    ap.add_argument("engine")
    ap.add_argument("--engine-webp", default="")
    ap.add_argument("--engine-jpeg", default="")
    a = ap.parse_args()
    with open(os.path.join(a.goldens, "manifest.json")) as f:
        m = json.load(f)
    print(f"goldens: Pillow {m['pillow']} (libjpeg-turbo {m['libjpeg_turbo']}, libwebp {m['webp']}, "
          f"libtiff {m['libtiff']}); engine: libjpeg-turbo {a.engine_jpeg or '?'}, libwebp {a.engine_webp or '?'}")
    counts = {"exact": 0, "refused": 0, "jpeg-tolerance": 0, "skipped": 0, "FAILED": 0}
    for e in m["cases"]:
        name = e["name"]
        out448 = os.path.join(a.engine, name + ".448.rgb")
        outfull = os.path.join(a.engine, name + ".full.rgb")
        if "error" in e:
            if os.path.exists(out448):
                print(f"FAILED {name}: Pillow refuses it ({e['error']}) but the engine decoded it")
                counts["FAILED"] += 1
            else:
                counts["refused"] += 1
            continue
        if "pillow_min" in e and version_less(m["pillow"], e["pillow_min"]):
            print(f"skipped {name}: Pillow {m['pillow']} decodes it wrongly (fixed in {e['pillow_min']})")
            counts["skipped"] += 1
            continue
        if not os.path.exists(out448) or not os.path.exists(outfull):
            print(f"FAILED {name}: the engine refused it (see the preprocess log)")
            counts["FAILED"] += 1
            continue
        with open(out448, "rb") as f:
            got448 = f.read()
        with open(outfull, "rb") as f:
            gotfull = f.read()
        with open(os.path.join(a.goldens, name + ".448.rgb"), "rb") as f:
            want448 = f.read()
        with open(os.path.join(a.goldens, name + ".full.rgb"), "rb") as f:
            wantfull = f.read()
        if got448 == want448 and gotfull == wantfull:
            counts["exact"] += 1
            continue
        nf, mf = diff(gotfull, wantfull) if len(gotfull) == len(wantfull) else (-1, -1)
        n4, m4 = diff(got448, want448)
        what = f"full: {nf} bytes differ (max {mf}), 448x448: {n4} of {len(want448)} (max {m4})"
        if e.get("webp_lossy") and a.engine_webp != m["webp"]:
            print(f"skipped {name}: lossy WebP, libwebp {m['webp']} vs {a.engine_webp}; {what}")
            counts["skipped"] += 1
        elif e.get("libjpeg") and a.engine_jpeg != m["libjpeg_turbo"] and nf >= 0 and m4 <= 1 and n4 * 200 <= len(want448):
            print(f"jpeg-tolerance {name}: {what}")
            counts["jpeg-tolerance"] += 1
        else:
            print(f"FAILED {name}: {what}")
            counts["FAILED"] += 1
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 1 if counts["FAILED"] else 0


if __name__ == "__main__":
    sys.exit(main())
