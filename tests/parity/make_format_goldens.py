#!/usr/bin/env python3
"""Writes test pictures in every format the engine reads, and Pillow's goldens for them.

For each picture NAME.EXT in OUT it writes, with the Pillow that runs this script:
  NAME.full.rgb  Image.open(NAME.EXT).convert("RGB") as bytes (the picture the model sees)
  NAME.448.rgb   the same .resize((448, 448), Image.BICUBIC), as the official pipeline feeds the
                 vision encoder (the procedure of ../shared/fixtures/golden/images)
and OUT/manifest.json lists them with the mode and size Pillow opened, whether Pillow refused the
file (then no .rgb files), and the versions of Pillow and of the codecs it links. tst_picture_formats
decodes every picture with the engine and compares byte for byte.

Content is synthetic and deterministic (gradients, shapes and hash noise, no random module), in
several sizes including odd ones. Pictures come from Pillow's own writers where Pillow can write the
variant, else from the small writers below (16-bit PNG, BMP layouts, TIFF layouts, GIF frames off
the screen's corner), which follow the format specifications.

Usage: make_format_goldens.py OUT   (needs Pillow; Debian python3-pil, or pip's Pillow)
"""
import io
import json
import os
import struct
import sys
import zlib

try:
    import numpy as np
    from PIL import Image, features
except ImportError as e:  # pragma: no cover
    print(f"make_format_goldens.py: {e}; install python3-pil and python3-numpy", file=sys.stderr)
    sys.exit(2)

SIZES = [(37, 23), (256, 171), (449, 301), (640, 480)]


# ---------------------------------------------------------------- synthetic content


def hash_noise(h, w, seed):
    """Per-pixel 8-bit noise from an integer hash (identical on every machine)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.uint32)
    v = (x * np.uint32(73856093)) ^ (y * np.uint32(19349663)) ^ np.uint32(seed * 83492791 & 0xFFFFFFFF)
    v ^= v >> np.uint32(13)
    v *= np.uint32(0x5BD1E995)
    v ^= v >> np.uint32(15)
    return (v & np.uint32(255)).astype(np.int32)


def base_rgb(w, h, seed):
    """Gradients, a disc and a bar, plus +-24 noise: (h, w, 3) uint8."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = x * 255.0 / max(w - 1, 1)
    g = y * 255.0 / max(h - 1, 1)
    b = 128 + 100 * np.sin((x + 2 * y) / (7.0 + seed % 5))
    disc = (x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(w, h) * 0.25) ** 2
    r[disc], g[disc], b[disc] = 230, 40 + seed % 50, 60
    bar = (np.abs(x - w * 0.25) < max(w // 20, 1))
    r[bar], g[bar], b[bar] = 20, 20, 200
    img = np.stack([r, g, b], axis=-1)
    noise = np.stack([hash_noise(h, w, seed + c) for c in range(3)], axis=-1) * (48.0 / 255.0) - 24
    return np.clip(np.rint(img + noise), 0, 255).astype(np.uint8)


def base_alpha(w, h, seed):
    """An alpha channel with fully clear, fully opaque and partial areas."""
    y, x = np.mgrid[0:h, 0:w]
    a = ((x * 255) // max(w - 1, 1)).astype(np.int32)
    a[(y % 16) < 4] = 0
    a[(y % 16) >= 12] = 255
    a = np.clip(a + (hash_noise(h, w, seed + 9) % 7) - 3, 0, 255)
    return a.astype(np.uint8)


def base_grey16(w, h, seed):
    """16-bit grey that crosses 255 (Pillow clips it) and stays below it in places."""
    y, x = np.mgrid[0:h, 0:w]
    v = (x * 700 // max(w - 1, 1)) + hash_noise(h, w, seed) + (y % 3) * 1000 * (y > h // 2)
    return v.astype(np.uint16)


def base_rgb16(w, h, seed):
    rgb = base_rgb(w, h, seed).astype(np.uint16)
    return (rgb << 8) | hash_noise(h, w, seed + 4)[..., None].astype(np.uint16)


# ---------------------------------------------------------------- hand writers


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path, rows, w, h, depth, color_type, plte=None, trns=None, exif=None):
    """rows: list of raw row bytes (already packed)."""
    raw = b"".join(b"\x00" + r for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0))
    if plte:
        out += png_chunk(b"PLTE", plte)
    if trns:
        out += png_chunk(b"tRNS", trns)
    if exif:
        out += png_chunk(b"eXIf", exif)
    out += png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(out)


def pack_bits(values, bits):
    """Packs a 1-D array of small ints MSB first, row by row."""
    out = bytearray((len(values) * bits + 7) // 8)
    for i, v in enumerate(values):
        bit = i * bits
        out[bit >> 3] |= (int(v) << (8 - bits - (bit & 7))) & 0xFF
    return bytes(out)


def exif_orientation(value, big_endian=False):
    """A TIFF-structured EXIF block with only Orientation (for JPEG APP1, PNG eXIf, WebP EXIF)."""
    e = ">" if big_endian else "<"
    head = (b"MM\x00\x2a" if big_endian else b"II\x2a\x00") + struct.pack(e + "I", 8)
    ifd = struct.pack(e + "H", 1) + struct.pack(e + "HHI", 274, 3, 1) + struct.pack(e + "HH", value, 0)
    return head + ifd + struct.pack(e + "I", 0)


def write_bmp(path, w, h, bits, pixel_rows, palette=None, header=40, compression=0, masks=None,
              top_down=False, data=None):
    """pixel_rows: top row first, each already packed at `bits` (padding added here)."""
    stride = ((w * bits + 31) // 32) * 4
    if data is None:
        rows = [r + b"\x00" * (stride - len(r)) for r in pixel_rows]
        data = b"".join(rows if top_down else rows[::-1])
    pal = b""
    if palette is not None:
        entry = 3 if header == 12 else 4
        pal = b"".join(bytes([b, g, r]) + (b"\x00" if entry == 4 else b"") for r, g, b in palette)
    extra = b""
    if header == 12:
        hdr = struct.pack("<IHHHH", 12, w, h, 1, bits)
    else:
        hdr = struct.pack("<IiiHHIIiiII", header, w, -h if top_down else h, 1, bits, compression, len(data),
                          2835, 2835, len(palette) if palette else 0, 0)
        if header > 40:
            m = list(masks or (0, 0, 0, 0)) + [0] * 4
            hdr += struct.pack("<IIII", *m[:4])
            hdr += b"\x00" * (header - len(hdr))
        elif masks is not None:
            extra = struct.pack("<III", *masks[:3])
    offset = 14 + len(hdr) + len(extra) + len(pal)
    with open(path, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + hdr + extra + pal + data)


def rle8_encode(rows):
    """Simple RLE8: runs, absolute runs, end of line, end of bitmap (bottom-up order given)."""
    out = bytearray()
    for row in rows:
        i = 0
        while i < len(row):
            run = 1
            while i + run < len(row) and run < 255 and row[i + run] == row[i]:
                run += 1
            if run >= 3 or len(row) - i < 3:
                out += bytes([run, row[i]])
                i += run
            else:
                n = min(255, len(row) - i)
                j = i
                while j < i + n and not (j + 2 < len(row) and row[j] == row[j + 1] == row[j + 2]):
                    j += 1
                n = max(j - i, 3) if len(row) - i >= 3 else len(row) - i
                n = min(n, len(row) - i)
                if n < 3:
                    out += bytes([1, row[i]])
                    i += 1
                    continue
                out += bytes([0, n]) + bytes(row[i:i + n]) + (b"\x00" if n % 2 else b"")
                i += n
        out += b"\x00\x00"
    out += b"\x00\x01"
    return bytes(out)


def rle4_encode(rows, delta):
    """RLE4 with encoded runs of two alternating indices, and if asked one delta jump."""
    out = bytearray()
    for k, row in enumerate(rows):
        i = 0
        if delta and k == 1 and len(rows) > 3:  # one delta: skip a row (filled with index 0)
            out += b"\x00\x02\x00\x01"
            continue
        while i < len(row):
            n = min(255, len(row) - i)
            a = row[i]
            b = row[i + 1] if i + 1 < len(row) else 0
            # the longest prefix that alternates a, b
            m = 1
            while m < n and row[i + m] == (a if m % 2 == 0 else b):
                m += 1
            out += bytes([m, (a << 4) | b])
            i += m
        out += b"\x00\x00"
    out += b"\x00\x01"
    return bytes(out)


def write_tiff(path, w, h, bits, samples, photometric, rows, big_endian=False, extra=None, colormap=None,
               rows_per_strip=None):
    """Uncompressed TIFF, one or several strips. rows: packed row bytes, top first."""
    e = ">" if big_endian else "<"
    rps = rows_per_strip or h
    strips = [b"".join(rows[i:i + rps]) for i in range(0, h, rps)]
    tags = []  # (tag, type, values)
    tags.append((256, 4, [w]))
    tags.append((257, 4, [h]))
    tags.append((258, 3, [bits] * samples))
    tags.append((259, 3, [1]))
    tags.append((262, 3, [photometric]))
    tags.append((273, 4, None))  # strip offsets, filled below
    tags.append((277, 3, [samples]))
    tags.append((278, 4, [rps]))
    tags.append((279, 4, [len(s) for s in strips]))
    tags.append((284, 3, [1]))
    if colormap is not None:
        tags.append((320, 3, colormap))
    if extra is not None:
        tags.append((338, 3, extra))
    tags.sort(key=lambda t: t[0])
    n = len(tags)
    ifd_size = 2 + 12 * n + 4
    # layout: header, IFD, out-of-line values, strips
    out_of_line = bytearray()
    base = 8 + ifd_size
    data_start = None
    entries = []
    strip_values = []
    pos = base
    # first pass: sizes of out-of-line values
    for tag, typ, vals in tags:
        if tag == 273:
            vals = [0] * len(strips)
        size = (2 if typ == 3 else 4) * len(vals)
        if size > 4:
            pos += size + (size & 1)
    data_start = pos
    off = data_start
    for s in strips:
        strip_values.append(off)
        off += len(s)
    pos = base
    for tag, typ, vals in tags:
        if tag == 273:
            vals = strip_values
        fmt = e + ("H" if typ == 3 else "I") * len(vals)
        packed = struct.pack(fmt, *vals)
        if len(packed) > 4:
            entries.append(struct.pack(e + "HHII", tag, typ, len(vals), pos))
            out_of_line += packed + (b"\x00" if len(packed) & 1 else b"")
            pos += len(packed) + (len(packed) & 1)
        else:
            entries.append(struct.pack(e + "HHI", tag, typ, len(vals)) + packed + b"\x00" * (4 - len(packed)))
    head = (b"MM\x00\x2a" if big_endian else b"II\x2a\x00") + struct.pack(e + "I", 8)
    ifd = struct.pack(e + "H", n) + b"".join(entries) + struct.pack(e + "I", 0)
    with open(path, "wb") as f:
        f.write(head + ifd + bytes(out_of_line) + b"".join(strips))


def gif_first_image_descriptor(data):
    """Offset of the first image descriptor (0x2C) of a GIF."""
    flags = data[10]
    pos = 13 + ((3 << ((flags & 7) + 1)) if flags & 0x80 else 0)
    while data[pos] == 0x21:
        pos += 2
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    assert data[pos] == 0x2C
    return pos


# ---------------------------------------------------------------- the cases


def make_cases(out, sizes=None):
    """Writes the pictures into `out`; returns (name, file, flags) for each."""
    sizes = sizes or SIZES
    cases = []  # (name, file, flags)

    def add(name, ext, flags=None):
        cases.append((name, f"{name}.{ext}", flags or {}))
        return os.path.join(out, f"{name}.{ext}")

    for si, (w, h) in enumerate(sizes):
        seed = 11 + si
        rgb = Image.fromarray(base_rgb(w, h, seed), "RGB")
        alpha = Image.fromarray(base_alpha(w, h, seed), "L")
        rgba = rgb.copy()
        rgba.putalpha(alpha)
        grey = rgb.convert("L")
        pal = rgb.quantize(colors=200 if si % 2 else 16)
        s = f"{w}x{h}"

        # GIF: palette, grey (identity palette opens as "L"), transparency, animation.
        pal.save(add(f"gif_palette_{s}", "gif"))
        grey.save(add(f"gif_grey_{s}", "gif"))
        tp = pal.copy()
        tp.info["transparency"] = 3
        tp.save(add(f"gif_transparent_{s}", "gif"), transparency=3)
        frames = [pal, rgb.rotate(90, expand=False).quantize(colors=64)]
        frames[0].save(add(f"gif_animated_{s}", "gif"), save_all=True, append_images=frames[1:], duration=100,
                       loop=0)
        if si == 1:
            pal.save(add(f"gif_interlaced_{s}", "gif"), interlace=True)
            pal.save(add(f"gif_not_interlaced_{s}", "gif"), interlace=False)
            # The first frame away from the screen's corner on a larger screen (filled with index 0,
            # or with the transparent index), and one reaching past a smaller screen (Pillow grows it).
            for variant, (sw, sh, left, top, trans) in {
                "offset": (w + 20, h + 10, 13, 7, None),
                "offset_transparent": (w + 9, h + 30, 5, 21, 3),
                "past_screen": (w - 8, h - 5, 4, 3, None),
            }.items():
                buf = io.BytesIO()
                if trans is None:
                    pal.save(buf, "GIF")
                else:
                    pal.save(buf, "GIF", transparency=trans)
                d = bytearray(buf.getvalue())
                struct.pack_into("<HH", d, 6, sw, sh)
                p = gif_first_image_descriptor(d)
                struct.pack_into("<HH", d, p + 1, left, top)
                with open(add(f"gif_{variant}_{s}", "gif"), "wb") as f:
                    f.write(d)

        # BMP: Pillow's writers (1-bit, grey, palette, 24-bit), then layouts written here.
        rgb.convert("1").save(add(f"bmp_1bit_{s}", "bmp"))
        grey.save(add(f"bmp_grey_{s}", "bmp"))
        pal.save(add(f"bmp_palette8_{s}", "bmp"))
        rgb.save(add(f"bmp_rgb24_{s}", "bmp"))
        a = np.asarray(rgb).astype(np.int32)
        al = np.asarray(alpha).astype(np.int32)
        rows_top = [a[y] for y in range(h)]
        p16 = pal.convert("RGB").quantize(colors=16)
        idx16 = np.asarray(p16)
        flat16 = p16.getpalette() + [0] * 48
        palette16 = [tuple(flat16[3 * i:3 * i + 3]) for i in range(16)]
        write_bmp(add(f"bmp_palette4_{s}", "bmp"), w, h, 4, [pack_bits(idx16[y], 4) for y in range(h)], palette16)
        idx200 = np.asarray(pal)
        # Pillow 9 pads getpalette() to 256 entries, Pillow 10+ returns only those in use.
        flat = pal.getpalette()
        pal_list = [tuple(flat[3 * i:3 * i + 3]) for i in range(len(flat) // 3)]
        write_bmp(add(f"bmp_palette8_topdown_{s}", "bmp"), w, h, 8, [bytes(idx200[y]) for y in range(h)],
                  pal_list, top_down=True)
        write_bmp(add(f"bmp_os2_{s}", "bmp"), w, h, 24, [bytes(a[y][:, ::-1].astype(np.uint8)) for y in range(h)],
                  header=12)
        v555 = ((a[..., 0] >> 3) << 10) | ((a[..., 1] >> 3) << 5) | (a[..., 2] >> 3)
        write_bmp(add(f"bmp_rgb555_{s}", "bmp"), w, h, 16, [v555[y].astype("<u2").tobytes() for y in range(h)])
        v565 = ((a[..., 0] >> 3) << 11) | ((a[..., 1] >> 2) << 5) | (a[..., 2] >> 3)
        write_bmp(add(f"bmp_rgb565_{s}", "bmp"), w, h, 16, [v565[y].astype("<u2").tobytes() for y in range(h)],
                  compression=3, masks=(0xF800, 0x7E0, 0x1F))
        bgra = np.stack([a[..., 2], a[..., 1], a[..., 0], al], axis=-1).astype(np.uint8)
        write_bmp(add(f"bmp_bgrx32_{s}", "bmp"), w, h, 32, [bytes(bgra[y]) for y in range(h)])
        write_bmp(add(f"bmp_bgra32_v5_{s}", "bmp"), w, h, 32, [bytes(bgra[y]) for y in range(h)], header=124,
                  compression=3, masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000))
        rgba_bytes = np.stack([a[..., 0], a[..., 1], a[..., 2], al], axis=-1).astype(np.uint8)
        write_bmp(add(f"bmp_rgba32_v4_{s}", "bmp"), w, h, 32, [bytes(rgba_bytes[y]) for y in range(h)], header=108,
                  compression=3, masks=(0xFF, 0xFF00, 0xFF0000, 0xFF000000))
        bottom_up = [list(idx200[y]) for y in range(h)][::-1]
        write_bmp(add(f"bmp_rle8_{s}", "bmp"), w, h, 8, None, pal_list, compression=1,
                  data=rle8_encode(bottom_up))
        bottom_up16 = [list(idx16[y]) for y in range(h)][::-1]
        write_bmp(add(f"bmp_rle4_{s}", "bmp"), w, h, 4, None, palette16, compression=2,
                  data=rle4_encode(bottom_up16, delta=False))
        # A delta escape: Pillow before 12.2 read its two bytes from the wrong place (issue #9443).
        write_bmp(add(f"bmp_rle4_delta_{s}", "bmp", {"pillow_min": "12.2"}), w, h, 4, None, palette16,
                  compression=2, data=rle4_encode(bottom_up16, delta=True))

        # WebP: lossless and lossy, with and without alpha, and animated (first frame).
        rgb.save(add(f"webp_lossless_{s}", "webp"), lossless=True)
        rgba.save(add(f"webp_lossless_alpha_{s}", "webp"), lossless=True, exact=True)
        rgb.save(add(f"webp_lossy_{s}", "webp", {"webp_lossy": True}), quality=80)
        rgba.save(add(f"webp_lossy_alpha_{s}", "webp", {"webp_lossy": True}), quality=75)
        rgb.save(add(f"webp_animated_{s}", "webp"), save_all=True, append_images=[grey.convert("RGB")],
                 lossless=True, duration=80)

        # TIFF: Pillow's writer with its codecs, then layouts written here.
        rgb.save(add(f"tiff_rgb_raw_{s}", "tif"))
        rgb.save(add(f"tiff_rgb_lzw_{s}", "tif"), compression="tiff_lzw")
        rgb.save(add(f"tiff_rgb_deflate_{s}", "tif"), compression="tiff_adobe_deflate")
        rgb.save(add(f"tiff_rgb_packbits_{s}", "tif"), compression="packbits")
        rgb.save(add(f"tiff_rgb_jpeg_{s}", "tif", {"libjpeg": True}), compression="jpeg", quality=90)
        rgba.save(add(f"tiff_rgba_lzw_{s}", "tif"), compression="tiff_lzw")
        grey.save(add(f"tiff_grey_deflate_{s}", "tif"), compression="tiff_adobe_deflate")
        rgb.convert("1").save(add(f"tiff_1bit_g4_{s}", "tif"), compression="group4")
        rgb.convert("1").save(add(f"tiff_1bit_raw_{s}", "tif"))
        pal.save(add(f"tiff_palette_{s}", "tif"))
        rgb.convert("CMYK").save(add(f"tiff_cmyk_{s}", "tif"))
        rgba.convert("LA").save(add(f"tiff_la_{s}", "tif"))
        Image.fromarray(base_grey16(w, h, seed)).save(add(f"tiff_grey16_{s}", "tif"))  # uint16: "I;16"
        r16 = base_rgb16(w, h, seed)
        write_tiff(add(f"tiff_rgb16_le_{s}", "tif"), w, h, 16, 3, 2, [r16[y].astype("<u2").tobytes() for y in range(h)],
                   rows_per_strip=7)
        write_tiff(add(f"tiff_rgb16_be_{s}", "tif"), w, h, 16, 3, 2, [r16[y].astype(">u2").tobytes() for y in range(h)],
                   big_endian=True)
        g16 = base_grey16(w, h, seed)
        write_tiff(add(f"tiff_grey16_be_{s}", "tif"), w, h, 16, 1, 1, [g16[y].astype(">u2").tobytes() for y in range(h)],
                   big_endian=True)
        premul = np.stack([a[..., c] * al // 255 for c in range(3)] + [al], axis=-1).astype(np.uint8)
        write_tiff(add(f"tiff_rgba_premultiplied_{s}", "tif"), w, h, 8, 4, 2, [bytes(premul[y]) for y in range(h)],
                   extra=[1], rows_per_strip=16)
        g = np.asarray(grey)
        write_tiff(add(f"tiff_miniswhite_{s}", "tif"), w, h, 8, 1, 0, [bytes(g[y]) for y in range(h)])
        write_tiff(add(f"tiff_grey4_{s}", "tif"), w, h, 4, 1, 1, [pack_bits(g[y] >> 4, 4) for y in range(h)])
        cmap = [v * 257 for v in [c[0] for c in palette16[:4]]] + [v * 257 for v in [c[1] for c in palette16[:4]]] + \
               [v * 257 + 100 for v in [c[2] for c in palette16[:4]]]
        cmap = [min(v, 65535) for v in cmap]
        write_tiff(add(f"tiff_palette2_{s}", "tif"), w, h, 2, 1, 3, [pack_bits(idx16[y] % 4, 2) for y in range(h)],
                   colormap=cmap)

        # PNG kinds Pillow cannot write (16-bit colour, 2/4-bit grey), and Pillow's own.
        write_png(add(f"png_rgb16_{s}", "png"), [r16[y].astype(">u2").tobytes() for y in range(h)], w, h, 16, 2)
        rgba16 = np.concatenate([r16, (base_alpha(w, h, seed).astype(np.uint16) * 257)[..., None]], axis=-1)
        write_png(add(f"png_rgba16_{s}", "png"), [rgba16[y].astype(">u2").tobytes() for y in range(h)], w, h, 16, 6)
        write_png(add(f"png_grey16_{s}", "png"), [g16[y].astype(">u2").tobytes() for y in range(h)], w, h, 16, 0)
        write_png(add(f"png_grey4_{s}", "png"), [pack_bits(g[y] >> 4, 4) for y in range(h)], w, h, 4, 0)
        write_png(add(f"png_grey2_{s}", "png"), [pack_bits(g[y] >> 6, 2) for y in range(h)], w, h, 2, 0)
        rgba.save(add(f"png_rgba_{s}", "png"))
        rgba.convert("LA").save(add(f"png_la_{s}", "png"))
        tp.save(add(f"png_palette_trns_{s}", "png"), transparency=3)
        rgb.convert("1").save(add(f"png_1bit_{s}", "png"))

        # JPEG variants (libjpeg-turbo both sides).
        rgb.save(add(f"jpeg_444_{s}", "jpg", {"libjpeg": True}), quality=92, subsampling=0)
        rgb.save(add(f"jpeg_420_progressive_{s}", "jpg", {"libjpeg": True}), quality=85, subsampling=2,
                 progressive=True)
        grey.save(add(f"jpeg_grey_{s}", "jpg", {"libjpeg": True}), quality=90)
        rgb.convert("CMYK").save(add(f"jpeg_cmyk_{s}", "jpg", {"libjpeg": True}), quality=90)

        # EXIF orientation 6 ("rotate 90"), which the official code does not apply: the model sees
        # the stored pixels.
        if si in (0, 2):
            ex = exif_orientation(6)
            rgb.save(add(f"exif6_jpeg_{s}", "jpg", {"libjpeg": True, "exif_orientation": 6}), quality=90,
                     exif=b"Exif\x00\x00" + ex)
            rgb.save(add(f"exif6_png_{s}", "png", {"exif_orientation": 6}), exif=ex)
            rgb.save(add(f"exif6_webp_{s}", "webp", {"exif_orientation": 6}), lossless=True, exif=ex)
            # Pillow's TIFF plugin is the exception: it applies the Orientation tag when loading.
            rgb.save(add(f"exif6_tiff_{s}", "tif", {"exif_orientation": 6}), tiffinfo={274: 6})
        if si == 0:
            for o in (2, 3, 4, 5, 7, 8):
                rgb.save(add(f"tiff_orientation{o}_{s}", "tif", {"exif_orientation": o}), tiffinfo={274: o},
                         compression="tiff_lzw")

    # Files Pillow refuses: the engine must refuse them too (never crash, never a picture).
    s = "%dx%d" % sizes[1]
    for src in (f"gif_palette_{s}.gif", f"bmp_rgb24_{s}.bmp", f"webp_lossless_{s}.webp", f"tiff_rgb_lzw_{s}.tif",
                f"bmp_rle8_{s}.bmp"):
        with open(os.path.join(out, src), "rb") as f:
            d = f.read()
        name = "truncated_" + src.replace(".", "_").replace(f"_{s}", "")
        with open(add(name, src.rsplit(".", 1)[1]), "wb") as f:
            f.write(d[: len(d) // 2])
    return cases


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cases = make_cases(out)
    entries = []
    for name, file, flags in cases:
        entry = {"name": name, "file": file, **flags}
        try:
            with Image.open(os.path.join(out, file)) as im:
                entry["mode"] = im.mode
                entry["format"] = im.format
                # The picture really carries the orientation, as Pillow reads it (a TIFF's is read
                # and applied while loading, so it is checked before that).
                if "exif_orientation" in flags and im.getexif().get(274) != flags["exif_orientation"]:
                    raise SystemExit(f"{file}: Pillow reads EXIF orientation {im.getexif().get(274)}")
                full = im.convert("RGB")
                resized = full.resize((448, 448), Image.BICUBIC)
        except Exception as e:  # Pillow refuses: the engine must refuse too
            entry["error"] = f"{type(e).__name__}: {e}"
            entries.append(entry)
            continue
        entry["width"], entry["height"] = full.size
        with open(os.path.join(out, name + ".full.rgb"), "wb") as f:
            f.write(full.tobytes())
        with open(os.path.join(out, name + ".448.rgb"), "wb") as f:
            f.write(resized.tobytes())
        entries.append(entry)

    def version(feature):
        try:
            return features.version(feature)
        except Exception:
            return None

    import PIL
    manifest = {
        "pillow": PIL.__version__,
        "libjpeg_turbo": version("libjpeg_turbo"),
        "webp": version("webp"),
        "libtiff": version("libtiff"),
        "zlib": version("zlib"),
        "cases": entries,
    }
    tmp = os.path.join(out, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=1)
    os.replace(tmp, os.path.join(out, "manifest.json"))
    refused = sum(1 for e in entries if "error" in e)
    print(f"{len(entries)} pictures ({refused} refused by Pillow {PIL.__version__}) in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
