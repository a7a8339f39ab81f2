// TIFF decoding with libtiff, first image only, converted as Pillow 12.3's TiffImagePlugin
// (OPEN_INFO's modes and raw modes) and convert("RGB") do: grey 1/2/4/8-bit scaled (inverted for
// min-is-white), 16-bit grey clipped at 255, RGB(A) 8/16-bit (high byte, alpha dropped,
// associated alpha un-premultiplied first), palettes from the colour map's high bytes, CMYK through
// Pillow's cmyk2rgb, and YCbCr only inside JPEG compression (libtiff converts it to RGB, as Pillow
// asks it to). Strips and tiles, any codec libtiff has; separate planes and other layouts are
// refused with the reason. Unlike JPEG, PNG and WebP, a TIFF's Orientation tag IS applied: Pillow's
// TIFF plugin transposes the picture itself when loading it (load_end), so the model sees it turned.
#include <tiffio.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>

#include "image/decoders.h"
#include "image/pillow_convert.h"

namespace qwenvl::image_detail {

namespace {

// libtiff's own allocations (directory arrays, codec state) are capped at this.
constexpr tmsize_t kMaxLibtiffAlloc = tmsize_t{256} << 20;
// A tile may hold up to this many pixels even when the picture is smaller (4096 x 1024, 2048 x
// 2048 ...); beyond it, no more than the picture rounded up to whole 16-pixel blocks.
constexpr uint64_t kMaxTilePixels = uint64_t{1} << 22;

// The most raw bytes one stored byte can expand to, per compression; 0 where no bound holds
// (JPEG, fax codes and others can code a blank area in almost nothing).
uint64_t max_expansion(uint16_t compression) {
  switch (compression) {
    case COMPRESSION_NONE:
      return 1;
    case COMPRESSION_PACKBITS:
      return 64;  // 2 bytes for a run of 128
    case COMPRESSION_ADOBE_DEFLATE:
    case COMPRESSION_DEFLATE:
      return 1032;
    case COMPRESSION_LZW:
      return 4096 * 8 / 9;  // a 9-bit or wider code for at most 4096 bytes
    default:
      return 0;
  }
}

struct Memory {
  std::string_view bytes;
  uint64_t pos = 0;
  std::string error;
};

tmsize_t on_read(thandle_t h, void* buf, tmsize_t n) {
  auto* m = static_cast<Memory*>(h);
  if (n <= 0 || m->pos >= m->bytes.size()) return 0;
  const uint64_t left = m->bytes.size() - m->pos;
  const uint64_t take = static_cast<uint64_t>(n) < left ? static_cast<uint64_t>(n) : left;
  std::memcpy(buf, m->bytes.data() + m->pos, static_cast<size_t>(take));
  m->pos += take;
  return static_cast<tmsize_t>(take);
}
tmsize_t on_write(thandle_t, void*, tmsize_t) { return -1; }
toff_t on_seek(thandle_t h, toff_t off, int whence) {
  auto* m = static_cast<Memory*>(h);
  uint64_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->bytes.size() : 0;
  m->pos = base + off;  // reads past the end return 0 bytes
  return m->pos;
}
int on_close(thandle_t) { return 0; }
toff_t on_size(thandle_t h) { return static_cast<Memory*>(h)->bytes.size(); }
// Mapping the buffer lets libtiff read uncompressed strips in place instead of copying them.
int on_map(thandle_t h, void** base, toff_t* size) {
  auto* m = static_cast<Memory*>(h);
  *base = const_cast<char*>(m->bytes.data());
  *size = m->bytes.size();
  return 1;
}
void on_unmap(thandle_t, void*, toff_t) {}

int on_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  auto* m = static_cast<Memory*>(user);
  if (m->error.empty()) {
    char buf[256];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    m->error = buf;
    (void)module;
  }
  return 1;
}
int on_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

// The pixel layouts of OPEN_INFO this decoder reads, each a raw mode of Unpack.c.
enum class Kind { Bilevel, Grey, Grey16, GreyAlpha, Rgb8, Rgb16, Palette, Cmyk };

struct Format {
  Kind kind = Kind::Grey;
  int bits = 8;                // per sample
  int samples = 1;             // per pixel
  bool invert = false;         // min-is-white
  bool premultiplied = false;  // associated alpha in sample 3
  bool big_endian = false;     // 16-bit samples as stored (libtiff hands them in host order)
};

// Host-order 16-bit sample i of a row.
inline unsigned sample16(const uint8_t* row, size_t i) {
  uint16_t v;
  std::memcpy(&v, row + 2 * i, 2);
  return v;
}

void convert_pixels(const Format& f, const Palette256& pal, const uint8_t* src, size_t n, uint8_t* dst) {
  const size_t s = static_cast<size_t>(f.samples);
  switch (f.kind) {
    case Kind::Bilevel:
    case Kind::Grey: {
      const unsigned scale = 255u / ((1u << f.bits) - 1);
      for (size_t x = 0; x < n; ++x) {
        const unsigned v = packed_index(src, x, f.bits) * scale;
        grey_to_rgb(static_cast<uint8_t>(f.invert ? 255 - v : v), dst + 3 * x);
      }
      break;
    }
    case Kind::Grey16:
      for (size_t x = 0; x < n; ++x) {
        const unsigned v = sample16(src, x);
        grey_to_rgb(static_cast<uint8_t>(v > 255 ? 255 : v), dst + 3 * x);
      }
      break;
    case Kind::GreyAlpha:
      for (size_t x = 0; x < n; ++x) grey_to_rgb(src[2 * x], dst + 3 * x);
      break;
    case Kind::Rgb8:
      for (size_t x = 0; x < n; ++x) {
        if (f.premultiplied)
          pillow_unpremultiply(src + s * x, dst + 3 * x);
        else
          std::memcpy(dst + 3 * x, src + s * x, 3);
      }
      break;
    case Kind::Rgb16:
      for (size_t x = 0; x < n; ++x) {
        uint8_t hi[4];
        for (size_t c = 0; c < 4 && c < s; ++c) hi[c] = static_cast<uint8_t>(sample16(src, s * x + c) >> 8);
        if (f.premultiplied)
          pillow_unpremultiply(hi, dst + 3 * x);
        else
          std::memcpy(dst + 3 * x, hi, 3);
      }
      break;
    case Kind::Palette:
      if (f.samples == 1) {
        for (size_t x = 0; x < n; ++x) std::memcpy(dst + 3 * x, pal.rgb + 3 * packed_index(src, x, f.bits), 3);
      } else {
        for (size_t x = 0; x < n; ++x) std::memcpy(dst + 3 * x, pal.rgb + 3 * src[s * x], 3);
      }
      break;
    case Kind::Cmyk:
      for (size_t x = 0; x < n; ++x) pillow_cmyk_to_rgb(src + s * x, dst + 3 * x);
      break;
  }
}

// PIL's Image.transpose for the Orientation values 2..8 (ImageOps.exif_transpose's table); the
// size swaps for 5..8. Other values leave the picture as it is (Pillow ignores them too).
void apply_orientation(RgbImage& img, int orientation) {
  if (orientation < 2 || orientation > 8) return;
  const size_t w = static_cast<size_t>(img.width), h = static_cast<size_t>(img.height);
  const bool swap = orientation >= 5;
  const size_t ow = swap ? h : w, oh = swap ? w : h;
  std::vector<uint8_t> out(img.pixels.size());
  for (size_t y = 0; y < oh; ++y) {
    for (size_t x = 0; x < ow; ++x) {
      size_t sx = x, sy = y;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          break;  // FLIP_LEFT_RIGHT
        case 3:
          sx = w - 1 - x, sy = h - 1 - y;
          break;  // ROTATE_180
        case 4:
          sy = h - 1 - y;
          break;  // FLIP_TOP_BOTTOM
        case 5:
          sx = y, sy = x;
          break;  // TRANSPOSE
        case 6:
          sx = y, sy = h - 1 - x;
          break;  // ROTATE_270
        case 7:
          sx = w - 1 - y, sy = h - 1 - x;
          break;  // TRANSVERSE
        case 8:
          sx = w - 1 - y, sy = x;
          break;  // ROTATE_90
      }
      std::memcpy(out.data() + (y * ow + x) * 3, img.pixels.data() + (sy * w + sx) * 3, 3);
    }
  }
  img.pixels.swap(out);
  img.width = static_cast<int>(ow);
  img.height = static_cast<int>(oh);
}

struct Handle {
  TIFF* tif = nullptr;
  TIFFOpenOptions* opts = nullptr;
  ~Handle() {
    if (tif) TIFFClose(tif);
    if (opts) TIFFOpenOptionsFree(opts);
  }
};

}  // namespace

Result<RgbImage> decode_tiff(std::string_view bytes, const std::string& name, const DecodeLimits& limits) {
  auto fail = [&](const std::string& why) { return Result<RgbImage>::error(name + ": " + why); };
  Memory mem{bytes, 0, {}};
  Handle h;
  h.opts = TIFFOpenOptionsAlloc();
  if (!h.opts) return fail("cannot set up the TIFF decoder (out of memory)");
  TIFFOpenOptionsSetMaxSingleMemAlloc(h.opts, kMaxLibtiffAlloc);
  TIFFOpenOptionsSetErrorHandlerExtR(h.opts, on_error, &mem);
  TIFFOpenOptionsSetWarningHandlerExtR(h.opts, on_warning, &mem);
  h.tif = TIFFClientOpenExt(name.c_str(), "r", &mem, on_read, on_write, on_seek, on_close, on_size, on_map, on_unmap,
                            h.opts);
  TIFF* tif = h.tif;
  auto libtiff_fail = [&](const std::string& what) {
    return fail("corrupt or truncated TIFF: " + (mem.error.empty() ? what : mem.error));
  };
  if (!tif) return libtiff_fail("cannot read its header");

  uint32_t w = 0, ht = 0;
  uint16_t bits = 1, samples = 1, photometric = 0, compression = 1, planar = 1, sample_format = 1;
  if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &ht))
    return libtiff_fail("no image size");
  if (static_cast<uint64_t>(w) * ht > limits.max_pixels)
    return Result<RgbImage>::error(too_many_pixels(name, w, ht, limits.max_pixels));
  if (w == 0 || ht == 0) return fail("zero-size TIFF");
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric))
    return fail("unsupported TIFF: no photometric interpretation");
  uint16_t extra_count = 0;
  uint16_t* extra = nullptr;
  TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extra_count, &extra);

  if (samples > 1 && planar != PLANARCONFIG_CONTIG) return fail("unsupported TIFF: colour planes stored separately");
  if (sample_format != SAMPLEFORMAT_UINT)
    return fail("unsupported TIFF: " + std::string(sample_format == SAMPLEFORMAT_IEEEFP ? "floating-point" : "signed") +
                " samples");
  if (!TIFFIsCODECConfigured(compression))
    return fail("unsupported TIFF compression (" + std::to_string(compression) + ")");

  Format f;
  f.bits = bits;
  f.samples = samples;
  f.big_endian = TIFFIsBigEndian(tif) != 0;
  auto extras_are = [&](std::initializer_list<uint16_t> want) {
    if (extra_count != want.size()) return false;
    size_t i = 0;
    for (uint16_t v : want)
      if (extra[i++] != v) return false;
    return true;
  };
  const std::string layout = "photometric " + std::to_string(photometric) + ", " + std::to_string(samples) +
                             " samples of " + std::to_string(bits) + " bits";
  auto unsupported = [&] { return fail("unsupported TIFF pixel layout (" + layout + ")"); };
  switch (photometric) {
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_MINISBLACK:
      f.invert = photometric == PHOTOMETRIC_MINISWHITE;
      if (samples == 1 && extra_count == 0 && (bits == 1 || bits == 2 || bits == 4 || bits == 8)) {
        f.kind = bits == 1 ? Kind::Bilevel : Kind::Grey;
      } else if (samples == 1 && extra_count == 0 && bits == 16) {
        // "I;16": min-is-white is not inverted at 16 bits; big-endian min-is-white has no mode.
        if (f.invert && f.big_endian) return unsupported();
        f.kind = Kind::Grey16;
        f.invert = false;
      } else if (!f.invert && samples == 2 && bits == 8 && extras_are({EXTRASAMPLE_UNASSALPHA})) {
        f.kind = Kind::GreyAlpha;
      } else {
        return unsupported();
      }
      break;
    case PHOTOMETRIC_RGB: {
      const bool ok8 =
          bits == 8 && ((samples == 3 && extra_count == 0) ||
                        (samples == 4 && (extra_count == 0 || extras_are({0}) || extras_are({1}) || extras_are({2}) ||
                                          extras_are({999}))) ||
                        (samples == 5 && (extras_are({0, 0}) || extras_are({1, 0}) || extras_are({2, 0}))) ||
                        (samples == 6 && (extras_are({0, 0, 0}) || extras_are({1, 0, 0}) || extras_are({2, 0, 0}))));
      const bool ok16 =
          bits == 16 && ((samples == 3 && extra_count == 0) ||
                         (samples == 4 && (extra_count == 0 || extras_are({0}) || extras_are({1}) || extras_are({2}))));
      if (!ok8 && !ok16) return unsupported();
      f.kind = bits == 8 ? Kind::Rgb8 : Kind::Rgb16;
      f.premultiplied = extra_count > 0 && extra[0] == EXTRASAMPLE_ASSOCALPHA;
      break;
    }
    case PHOTOMETRIC_PALETTE:
      if (samples == 1 && extra_count == 0 && (bits == 1 || bits == 2 || bits == 4 || bits == 8)) {
      } else if (samples == 2 && bits == 8 && (extras_are({0}) || extras_are({2}))) {
      } else {
        return unsupported();
      }
      f.kind = Kind::Palette;
      break;
    case PHOTOMETRIC_SEPARATED: {
      if (bits != 8 || !((samples == 4 && extra_count == 0) || (samples == 5 && extras_are({0})) ||
                         (samples == 6 && extras_are({0, 0}))))
        return unsupported();
      f.kind = Kind::Cmyk;
      break;
    }
    case PHOTOMETRIC_YCBCR:
      // Pillow has libtiff turn JPEG-compressed YCbCr into RGB; other YCbCr goes another way.
      if (compression != COMPRESSION_JPEG || bits != 8 || samples != 3 || extra_count != 0)
        return fail("unsupported TIFF: YCbCr outside JPEG compression");
      if (!TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB)) return libtiff_fail("cannot set up JPEG");
      f.kind = Kind::Rgb8;
      break;
    default:
      return unsupported();
  }

  Palette256 pal;
  if (f.kind == Kind::Palette) {
    uint16_t *r = nullptr, *g = nullptr, *b = nullptr;
    if (!TIFFGetField(tif, TIFFTAG_COLORMAP, &r, &g, &b))
      return fail("corrupt TIFF: palette image without a colour map");
    const int entries = 1 << (bits < 8 ? bits : 8);
    for (int i = 0; i < entries; ++i) {
      pal.rgb[3 * i] = static_cast<uint8_t>(r[i] / 256);
      pal.rgb[3 * i + 1] = static_cast<uint8_t>(g[i] / 256);
      pal.rgb[3 * i + 2] = static_cast<uint8_t>(b[i] / 256);
    }
  }

  // Bytes of one row of `n` pixels, as libtiff hands them over.
  auto row_bytes = [&](uint64_t n) { return (n * f.samples * f.bits + 7) / 8; };
  // The stored data must be able to hold the picture (as decode_png checks deflate's ratio):
  // refused before the pixel buffer exists when it cannot.
  if (const uint64_t ratio = max_expansion(compression); ratio > 0) {
    const uint32_t stored_blocks = TIFFIsTiled(tif) ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
    uint64_t stored = 0;
    for (uint32_t i = 0; i < stored_blocks && stored < bytes.size(); ++i) stored += TIFFGetStrileByteCount(tif, i);
    if (stored > bytes.size()) stored = bytes.size();
    const uint64_t need = row_bytes(w) * ht / ratio;
    if (stored < need)
      return fail("the header claims " + std::to_string(w) + "x" + std::to_string(ht) +
                  " pixels, which need at least " + std::to_string(need) + " bytes of image data, but the file has " +
                  std::to_string(stored) + " (truncated or hostile); refused before decoding");
  }
  RgbImage out;
  std::vector<uint8_t> buf;
  const uint64_t width = w, height = ht;
  try {
    out.pixels.resize(static_cast<size_t>(width * height * 3));
  } catch (...) {
    return fail("not enough memory to decode this TIFF");
  }
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(ht);
  uint8_t* dst = out.pixels.data();

  try {
    if (TIFFIsTiled(tif)) {
      uint32_t tw = 0, th = 0;
      if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw) || !TIFFGetField(tif, TIFFTAG_TILELENGTH, &th) || tw == 0 ||
          th == 0)
        return libtiff_fail("bad tile size");
      const uint64_t padded = (uint64_t{w} + 15) / 16 * 16 * ((uint64_t{ht} + 15) / 16 * 16);
      if (uint64_t{tw} * th > kMaxTilePixels && uint64_t{tw} * th > padded)
        return fail("corrupt TIFF: tiles of " + std::to_string(tw) + "x" + std::to_string(th) + " for a " +
                    std::to_string(w) + "x" + std::to_string(ht) + " picture");
      const tmsize_t tile_size = TIFFTileSize(tif), tile_row = TIFFTileRowSize(tif);
      if (tile_size <= 0 || tile_row <= 0 || static_cast<uint64_t>(tile_row) < row_bytes(tw) ||
          static_cast<uint64_t>(tile_size) < static_cast<uint64_t>(tile_row) * th)
        return libtiff_fail("bad tile size");
      buf.resize(static_cast<size_t>(tile_size));
      for (uint64_t ty = 0; ty < height; ty += th) {
        for (uint64_t tx = 0; tx < width; tx += tw) {
          const uint32_t tile = TIFFComputeTile(tif, static_cast<uint32_t>(tx), static_cast<uint32_t>(ty), 0, 0);
          if (TIFFReadEncodedTile(tif, tile, buf.data(), tile_size) < 0) return libtiff_fail("cannot read a tile");
          const uint64_t nx = width - tx < tw ? width - tx : tw, ny = height - ty < th ? height - ty : th;
          for (uint64_t y = 0; y < ny; ++y)
            convert_pixels(f, pal, buf.data() + y * static_cast<uint64_t>(tile_row), static_cast<size_t>(nx),
                           dst + ((ty + y) * width + tx) * 3);
        }
      }
    } else {
      uint32_t rows_per_strip = ht;
      TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
      if (rows_per_strip == 0 || rows_per_strip > ht) rows_per_strip = ht;
      const tmsize_t line = TIFFScanlineSize(tif), strip_size = TIFFStripSize(tif);
      if (line <= 0 || strip_size <= 0 || static_cast<uint64_t>(line) < row_bytes(width) ||
          static_cast<uint64_t>(strip_size) < static_cast<uint64_t>(line) * rows_per_strip)
        return libtiff_fail("bad strip size");
      buf.resize(static_cast<size_t>(strip_size));
      for (uint64_t y0 = 0; y0 < height; y0 += rows_per_strip) {
        const uint32_t strip = TIFFComputeStrip(tif, static_cast<uint32_t>(y0), 0);
        const uint64_t ny = height - y0 < rows_per_strip ? height - y0 : rows_per_strip;
        const tmsize_t want = static_cast<tmsize_t>(ny * static_cast<uint64_t>(line));
        if (TIFFReadEncodedStrip(tif, strip, buf.data(), want) < want) return libtiff_fail("cannot read a strip");
        for (uint64_t y = 0; y < ny; ++y)
          convert_pixels(f, pal, buf.data() + y * static_cast<uint64_t>(line), static_cast<size_t>(width),
                         dst + (y0 + y) * width * 3);
      }
    }
    uint16_t orientation = ORIENTATION_TOPLEFT;
    if (TIFFGetField(tif, TIFFTAG_ORIENTATION, &orientation)) apply_orientation(out, orientation);
  } catch (...) {
    return fail("not enough memory to decode this TIFF");
  }
  return out;
}

}  // namespace qwenvl::image_detail
