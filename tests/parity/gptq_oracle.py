#!/usr/bin/env python3
"""Independent oracle for GPTQ dequantisation (spec section 7.3), written with numpy only.

gptq_oracle.py SAFETENSORS PREFIX OUT.f32 -> writes W [N, K] float32 with
W[n][k] = scales[k // G][n] * (q(k, n) - (stored_zero(k // G, n) + 1)), the product taken in fp16
as the official kernels take it (numpy rounds each fp16 product once).
"""
import json, struct, sys

import numpy as np


def tensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, e in header.items():
            if name == "__metadata__":
                continue
            dt = {"F16": "<f2", "I32": "<i4"}[e["dtype"]]
            b, en = e["data_offsets"]
            f.seek(base + b)
            out[name] = np.frombuffer(f.read(en - b), dtype=dt).reshape(e["shape"])
        return out


def main():
    path, prefix, out = sys.argv[1:4]
    t = tensors(path)
    qweight = t[prefix + ".qweight"].view(np.uint32)
    qzeros = t[prefix + ".qzeros"].view(np.uint32)
    scales = t[prefix + ".scales"]
    k8, n = qweight.shape
    k = k8 * 8
    groups = scales.shape[0]
    g = k // groups
    shifts = np.arange(8, dtype=np.uint32) * 4
    q = ((qweight[:, None, :] >> shifts[None, :, None]) & 15).reshape(k, n).astype(np.int32)
    z = ((qzeros[:, :, None] >> shifts[None, None, :]) & 15).reshape(groups, n).astype(np.int32) + 1
    w = scales[np.arange(k) // g] * (q - z[np.arange(k) // g]).astype(np.float16)
    assert w.dtype == np.float16
    np.ascontiguousarray(w.T, dtype=np.float32).tofile(out)


if __name__ == "__main__":
    main()
