#!/usr/bin/env python3
"""Seed corpora for the fuzz targets from the fixtures and a checkpoint the tests wrote.

usage: make_seeds.py CHECKPOINT_DIR FIXTURES_DIR OUT_DIR
Writes OUT_DIR/<target>/ files: the checkpoint's JSON files as a config bundle; each shard's
header with every tensor shrunk to 8-24 bytes (same names, dtypes and order, data zeroed) as
a safetensors file and, with the index, as a bundle; the tokenizer corpus (mode byte + text);
the golden token ids in fuzz_stream_decoder's 3-byte encoding; two hand-made safetensors files
(one a regression); conversation files with their pictures. Bundles: see fuzz_files.h.
"""
import base64
import json, os, shutil, struct, sys, zlib

FIRST_SPECIAL = 151643
DTYPE_SIZE = {"F16": 2, "BF16": 2, "F32": 4, "F64": 8, "I8": 1, "U8": 1, "I16": 2, "U16": 2,
              "I32": 4, "U32": 4, "I64": 8, "U64": 8, "BOOL": 1}
MARK = b"\n--8<-- "


def bundle(first, named):
    out = first
    for name, data in named:
        out += MARK + name.encode() + b"\n" + data
    return out


def shrunk_shard(path):
    """The shard's header with each tensor cut to 8, 16 or 24 bytes, packed back to back."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    items = sorted(((k, v) for k, v in header.items() if k != "__metadata__"),
                   key=lambda kv: kv[1]["data_offsets"][0])
    new, offset = {}, 0
    if "__metadata__" in header:
        new["__metadata__"] = header["__metadata__"]
    for i, (name, t) in enumerate(items):
        size = DTYPE_SIZE[t["dtype"]]
        # Multiples of 8 bytes keep every tensor aligned without gaps (the reader refuses both).
        elements = (1 + i % 3) * (8 // size)
        new[name] = {"dtype": t["dtype"], "shape": [elements],
                     "data_offsets": [offset, offset + elements * size]}
        offset += elements * size
    hb = json.dumps(new, separators=(",", ":")).encode()
    hb += b" " * ((8 - (len(hb) + 8) % 8) % 8)  # data starts 8-byte aligned
    return struct.pack("<Q", len(hb)) + hb + bytes(offset), offset


def safetensors_file(header, data):
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - (len(hb) + 8) % 8) % 8)
    return struct.pack("<Q", len(hb)) + hb + data


def png(width, height, bit_depth, color_type, raw_rows):
    """A PNG file; raw_rows are the filtered scanlines (filter byte first) before deflate."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw_rows)) +
            chunk(b"IEND", b""))


def write(out, target, name, data):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    ckpt, fixtures, out = sys.argv[1:]
    shutil.rmtree(out, ignore_errors=True)

    def read(name):
        with open(os.path.join(ckpt, name), "rb") as f:
            return f.read()

    write(out, "config", "checkpoint", bundle(read("config.json"), [
        ("quantize_config.json", read("quantize_config.json")),
        ("generation_config.json", read("generation_config.json"))]))
    write(out, "config", "config_only", read("config.json"))

    index_path = os.path.join(ckpt, "model.safetensors.index.json")
    if os.path.exists(index_path):
        index = json.loads(read("model.safetensors.index.json"))
        shards, total = [], 0
        for shard in sorted(set(index["weight_map"].values())):
            data, nbytes = shrunk_shard(os.path.join(ckpt, shard))
            write(out, "safetensors", shard, data)
            shards.append((shard, data))
            total += nbytes
        index["metadata"] = {"total_size": total}
        write(out, "safetensors_index", "checkpoint",
              bundle(json.dumps(index, indent=1).encode(), shards))
    else:
        write(out, "safetensors", "model.safetensors",
              shrunk_shard(os.path.join(ckpt, "model.safetensors"))[0])

    # Hand-made files: a plain two-tensor file, and the regression for an element count whose
    # byte size wraps past 2^64 to 0 (2^62 F32 elements with data_offsets [0, 0]).
    write(out, "safetensors", "two_tensors", safetensors_file({
        "a": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]},
        "b": {"dtype": "I32", "shape": [1], "data_offsets": [8, 12]}}, bytes(12)))
    write(out, "safetensors", "numel_times_size_wraps", safetensors_file({
        "huge": {"dtype": "F32", "shape": [1 << 62], "data_offsets": [0, 0]}}, b""))

    # Small pictures of every format and variant the engine reads (GIF, BMP, WebP, TIFF, PNG and
    # JPEG kinds), written by the parity tests' generator; it needs Pillow and NumPy.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
    try:
        import tempfile
        import make_format_goldens
    except SystemExit:
        print("make_seeds.py: no Pillow, so no GIF/BMP/WebP/TIFF seeds", file=sys.stderr)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for _, file, _ in make_format_goldens.make_cases(tmp, sizes=[(13, 7), (40, 17)]):
                with open(os.path.join(tmp, file), "rb") as f:
                    write(out, "image", file, f.read())

    # Regressions found by fuzzing the formats: a PNG cut inside IHDR (read past its end), a PNG
    # whose eXIf chunk claims 2 GB (libpng allocated it before reading), a GIF whose first frame
    # is 0 pixels wide (memcpy from a null row).
    ihdr = struct.pack(">IIBBBBB", 13, 7, 8, 2, 0, 0, 0)
    png_head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    write(out, "image", "regress_png_cut_ihdr", png_head[:24])
    write(out, "image", "regress_png_huge_exif", png_head + struct.pack(">I", 0x7FFFFFF0) + b"eXIfII*\x00" + bytes(40))
    write(out, "image", "regress_gif_zero_width_frame",
          b"GIF89a\x04\x00\x02\x00\xf0\x00\x00" + bytes(3) + b"\xff\xff\xff" + b",\x00\x00\x00\x00\x00\x00\x02\x00\x00"
          + b"\x02\x02\x4c\x01\x00;")

    # Small PNGs of the kinds the photos do not cover: 16-bit gray and RGBA.
    write(out, "image", "gray16_3x1.png", png(3, 1, 16, 0, bytes([0]) + bytes(range(6))))
    write(out, "image", "rgba_2x2.png", png(2, 2, 8, 6, bytes([0]) + bytes(range(8)) + bytes([0]) +
                                          bytes(range(8, 16))))

    # Chat requests for qwenvl-server's parser (first byte: the limits mode) with real pictures.
    rgba = png(2, 2, 8, 6, bytes([0]) + bytes(range(8)) + bytes([0]) + bytes(range(8, 16)))
    url = "data:image/png;base64," + base64.b64encode(rgba).decode()
    write(out, "chat_request", "two_pictures_history", bytes([0]) + json.dumps({
        "model": "tiny", "temperature": 0, "max_tokens": 8, "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}},
                                         {"type": "text", "text": "What is this?"}]},
            {"role": "assistant", "content": "<ref>a dot</ref><box>(0,0),(500,500)</box>"},
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}},
                                         {"type": "text", "text": "And this?"}]}]}).encode())

    modes = {"all": 0, "image": 1, "none": 2}
    with open(os.path.join(fixtures, "tokenizer", "corpus.jsonl"), encoding="utf-8") as f:
        for i, line in enumerate(f):
            case = json.loads(line)
            write(out, "tokenizer", f"corpus-{i:03d}",
                  bytes([modes[case["allowed"]]]) + case["text"].encode("utf-8"))
    with open(os.path.join(fixtures, "golden", "tokenizer.jsonl"), encoding="utf-8") as f:
        for i, line in enumerate(f):
            enc = bytearray()
            for t in json.loads(line)["ids"]:
                if t >= FIRST_SPECIAL:
                    v, high = t - FIRST_SPECIAL + 8, 0x80
                else:
                    v, high = t + 16, 0
                enc += bytes([v & 0xFF, (v >> 8) & 0xFF, ((v >> 16) & 0x7F) | high])
            write(out, "stream_decoder", f"golden-{i:03d}", bytes(enc))

    conversation_seeds(out, fixtures)


def conversation_seeds(out, fixtures):
    """Bundles for fuzz_conversation: conv.json, then the pictures (into conv.pictures/), out.*
    files (beside conv.json) and ln.* links (see fuzz_conversation.cpp)."""
    def picture(name):
        with open(os.path.join(fixtures, "images", name), "rb") as f:
            return f.read()
    def conv(pictures, messages, **extra):
        doc = {"format": "qwenvl-studio-conversation", "version": 1, "pictures": pictures,
               "messages": messages}
        doc.update(extra)
        return json.dumps(doc, ensure_ascii=False, indent=1).encode()
    stats = {"prompt_tokens": 300, "prompt_seconds": 0.5, "images_encoded": 1, "generated_tokens": 12,
             "generation_seconds": 1.25, "tokens_per_second": 9.6, "max_tokens": False,
             "context_full": False}
    full = conv(
        [{"id": 1, "name": "chess.png", "file": "conv.pictures/1-chess.png", "label": "Picture 1",
          "sent": True, "source": "/home/u/chess.png"},
         {"id": 2, "name": "palette.png", "file": "conv.pictures/2-palette.png", "label": "",
          "sent": False, "source": ""}],
        [{"id": 3, "role": "user", "text": "框出棋盘", "time": "2026-12-01T10:00:00.000Z",
          "query": "Picture 1: <img>Picture 1</img>\n框出棋盘", "pictures": [1]},
         {"id": 4, "role": "assistant", "text": "<ref>棋盘</ref><box>(10,20),(300,400)</box>",
          "time": "2026-12-01T10:00:02.500+01:00", "picture": 1, "state": "done", "stats": stats,
          "other_versions": [{"text": "an earlier answer", "state": "stopped",
                              "time": "2026-12-01T09:59:00.000Z"},
                             {"text": "", "state": "failed", "error": "out of memory"}],
          "version_index": 1},
         {"id": 5, "role": "assistant", "text": "", "state": "streaming", "picture": -1}],
        system_prompt="You are a helpful assistant.", draft="and the ")
    write(out, "conversation", "full", bundle(full, [
        ("1-chess.png", picture("chessboard_GRAY.png")), ("2-palette.png", picture("palette_color.png"))]))
    write(out, "conversation", "text_only", conv([], [
        {"id": 1, "role": "user", "text": "hello", "query": "hello", "pictures": []},
        {"id": 2, "role": "assistant", "text": "Hi!", "state": "done"}]))
    # Paths the loader must refuse, with something real for them to find.
    for i, rel in enumerate(["../out.png", "/dev/zero", "conv.pictures/../out.png", "conv.pictures/2-link.png",
                             "conv.pictures/3-in.png"]):
        write(out, "conversation", f"path-{i}", bundle(
            conv([{"id": 1, "file": rel}], [{"id": 2, "role": "user", "pictures": [1]}]),
            [("out.png", picture("chessboard_GRAY.png")), ("ln.2-link.png", b"../out.png"),
             ("ln.3-in.png", b"4-real.png"), ("4-real.png", picture("chessboard_GRAY.png"))]))
    # Pictures the decoder refuses, and small ones of the kinds the fixtures lack.
    write(out, "conversation", "bad_pictures", bundle(
        conv([{"id": 1, "file": "conv.pictures/1-t.jpg"}, {"id": 2, "file": "conv.pictures/2-n.jpg"}], []),
        [("1-t.jpg", picture("truncated.jpg")), ("2-n.jpg", picture("not_an_image.jpg"))]))
    write(out, "conversation", "png_kinds", bundle(
        conv([{"id": 1, "file": "conv.pictures/1-g.png"}, {"id": 2, "file": "conv.pictures/2-a.png"}],
             [{"id": 3, "role": "user", "pictures": [2, 1, 2]}]),
        [("1-g.png", png(3, 1, 16, 0, bytes([0]) + bytes(range(6)))),
         ("2-a.png", png(2, 2, 8, 6, bytes([0]) + bytes(range(8)) + bytes([0]) + bytes(range(8, 16))))]))


if __name__ == "__main__":
    main()
