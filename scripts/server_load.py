#!/usr/bin/env python3
"""Load client for qwenvl-server (or any OpenAI-compatible server): C concurrent clients, each
sending its own one-picture conversations with streaming, report requests/s, generated tokens/s,
time to first token and latency. Standard library only.

usage: server_load.py URL MODEL --images DIR [--concurrency 1,4,16] [--requests-per-client 4]
                      [--max-tokens 64] [--api-key KEY] [--json OUT.jsonl]
Each request is a fresh conversation (picture i mod n, question i), greedy, max_tokens fixed;
the tiny or full checkpoint never stops early, so every reply has max_tokens tokens."""
import argparse
import base64
import http.client
import json
import math
import os
import statistics
import sys
import threading
import time
import urllib.parse


def data_url(path):
    mime = "image/png" if path.endswith(".png") else "image/jpeg"
    with open(path, "rb") as f:
        return "data:%s;base64,%s" % (mime, base64.b64encode(f.read()).decode())


def one_request(url, headers, body):
    """Returns (ttft_s, total_s, completion_tokens, prompt_tokens, cached_tokens) or raises."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=3600)
    t0 = time.monotonic()
    conn.request("POST", "/v1/chat/completions", body=json.dumps(body).encode(), headers=headers)
    r = conn.getresponse()
    if r.status != 200:
        raise RuntimeError("HTTP %d: %s" % (r.status, r.read()[:300]))
    ttft, usage, buf = None, None, b""
    while True:
        chunk = r.read1(65536)
        if not chunk:
            break
        buf += chunk
        while b"\n\n" in buf:
            event, buf = buf.split(b"\n\n", 1)
            for line in event.split(b"\n"):
                if not line.startswith(b"data: ") or line == b"data: [DONE]":
                    continue
                obj = json.loads(line[6:])
                if obj.get("usage"):
                    usage = obj["usage"]
                for ch in obj.get("choices", []):
                    if ch["delta"].get("content") and ttft is None:
                        ttft = time.monotonic() - t0
    total = time.monotonic() - t0
    conn.close()
    usage = usage or {}
    return (ttft if ttft is not None else total, total, usage.get("completion_tokens", 0),
            usage.get("prompt_tokens", 0), (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0))


def run_level(args, pictures, concurrency):
    headers = {"Content-Type": "application/json"}
    if args.api_key:
        headers["Authorization"] = "Bearer " + args.api_key
    results, errors, lock = [], [], threading.Lock()

    def client(c):
        for k in range(args.requests_per_client):
            i = c * args.requests_per_client + k
            body = {"model": args.model, "stream": True, "stream_options": {"include_usage": True},
                    "temperature": 0, "max_tokens": args.max_tokens, "skip_special_tokens": False,
                    # The request's own text first: no two requests share a prompt prefix beyond
                    # the system prompt, as with stands that each have their own pictures.
                    "messages": [{"role": "user", "content": [
                        {"type": "text", "text": "Request %d. " % i},
                        {"type": "image_url", "image_url": {"url": pictures[i % len(pictures)]}},
                        {"type": "text", "text": "Describe the picture in detail."}]}]}
            try:
                res = one_request(args.url, headers, body)
                with lock:
                    results.append(res)
            except Exception as e:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    tokens = sum(r[2] for r in results)
    lat = sorted(r[1] for r in results) or [0]
    ttft = sorted(r[0] for r in results) or [0]
    return {"concurrency": concurrency, "requests": len(results), "errors": len(errors), "wall_s": round(wall, 3),
            "requests_per_s": round(len(results) / wall, 3), "tokens_per_s": round(tokens / wall, 2),
            "completion_tokens": tokens, "prompt_tokens_mean": round(statistics.mean(r[3] for r in results), 1) if results else 0,
            "ttft_p50_s": round(ttft[len(ttft) // 2], 3), "ttft_max_s": round(ttft[-1], 3),
            "latency_p50_s": round(lat[len(lat) // 2], 3), "latency_p90_s": round(lat[min(len(lat) - 1, max(0, math.ceil(0.9 * len(lat)) - 1))], 3),
            "first_error": errors[0] if errors else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("model")
    ap.add_argument("--images", required=True, help="folder of JPEG/PNG pictures (e.g. shared/fixtures/images)")
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--requests-per-client", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--api-key", default="")
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    names = sorted(n for n in os.listdir(args.images) if n.endswith((".png", ".jpg")) and "truncated" not in n
                   and "not_an_image" not in n)
    pictures = [data_url(os.path.join(args.images, n)) for n in names]
    if not pictures:
        sys.exit("no pictures in " + args.images)
    rows = []
    print("| clients | requests | requests/s | tokens/s | TTFT p50 (s) | TTFT max (s) | latency p50 (s) | latency p90 (s) | errors |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for c in (int(x) for x in args.concurrency.split(",")):
        row = run_level(args, pictures, c)
        rows.append(row)
        print("| %d | %d | %.3f | %.1f | %.3f | %.3f | %.3f | %.3f | %d |" % (
            c, row["requests"], row["requests_per_s"], row["tokens_per_s"], row["ttft_p50_s"], row["ttft_max_s"],
            row["latency_p50_s"], row["latency_p90_s"], row["errors"]), flush=True)
        if row["first_error"]:
            print("  first error: " + row["first_error"], file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    sys.exit(1 if any(r["errors"] for r in rows) else 0)


if __name__ == "__main__":
    main()
