// BMP decoding, written here (the format is small and no Debian library decodes it the way Pillow
// does), after Pillow 12.3's BmpImagePlugin: the header kinds it reads (12-byte OS/2 core, 40, 52,
// 56, 64, 108 and 124-byte Windows ones), 1/4/8-bit palettes, 16/24/32-bit colour with the
// bit-field layouts it knows, RLE8 and RLE4 as its BmpRleDecoder reads them, bottom-up and
// top-down rows. Alpha is dropped, never composited. Everything is bounds-checked; what Pillow
// refuses is refused with its reason.
#include <cstring>
#include <vector>

#include "image/decoders.h"
#include "image/pillow_convert.h"

namespace qwenvl::image_detail {

namespace {

uint32_t le32(std::string_view b, size_t at) {
  const auto* p = reinterpret_cast<const uint8_t*>(b.data() + at);
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint16_t le16(std::string_view b, size_t at) {
  const auto* p = reinterpret_cast<const uint8_t*>(b.data() + at);
  return static_cast<uint16_t>(p[0] | p[1] << 8);
}

// How one pixel of a 16/24/32-bit row is laid out (Pillow's raw modes for BMP).
enum class Layout { Palette, Grey1, Grey8, Bgr15, Bgr16, Bgr, Bgrx, Xbgr, Bgxr, Abgr, Rgba, Bgra, Bgar };

struct Mask {
  uint32_t r, g, b, a;
  Layout layout;
};
// BmpImagePlugin's SUPPORTED / MASK_MODES, in its order.
constexpr Mask kMasks32[] = {
    {0xFF0000, 0xFF00, 0xFF, 0x0, Layout::Bgrx},        {0xFF000000, 0xFF0000, 0xFF00, 0x0, Layout::Xbgr},
    {0xFF000000, 0xFF00, 0xFF, 0x0, Layout::Bgxr},      {0xFF000000, 0xFF0000, 0xFF00, 0xFF, Layout::Abgr},
    {0xFF, 0xFF00, 0xFF0000, 0xFF000000, Layout::Rgba}, {0xFF0000, 0xFF00, 0xFF, 0xFF000000, Layout::Bgra},
    {0xFF000000, 0xFF00, 0xFF, 0xFF0000, Layout::Bgar}, {0x0, 0x0, 0x0, 0x0, Layout::Bgra},
};

// One pixel of a 16/24/32-bit layout to RGB (Unpack.c's BGR;15, BGR;16, BGR, BGRX, ...).
inline void unpack_direct(Layout l, const uint8_t* in, uint8_t* out) {
  switch (l) {
    case Layout::Bgr15: {
      const unsigned p = in[0] | in[1] << 8;
      out[2] = static_cast<uint8_t>((p & 31) * 255 / 31);
      out[1] = static_cast<uint8_t>(((p >> 5) & 31) * 255 / 31);
      out[0] = static_cast<uint8_t>(((p >> 10) & 31) * 255 / 31);
      break;
    }
    case Layout::Bgr16: {
      const unsigned p = in[0] | in[1] << 8;
      out[2] = static_cast<uint8_t>((p & 31) * 255 / 31);
      out[1] = static_cast<uint8_t>(((p >> 5) & 63) * 255 / 63);
      out[0] = static_cast<uint8_t>(((p >> 11) & 31) * 255 / 31);
      break;
    }
    case Layout::Bgr:
    case Layout::Bgrx:
    case Layout::Bgra:
      out[0] = in[2], out[1] = in[1], out[2] = in[0];
      break;
    case Layout::Xbgr:
    case Layout::Abgr:
      out[0] = in[3], out[1] = in[2], out[2] = in[1];
      break;
    case Layout::Bgxr:
    case Layout::Bgar:
      out[0] = in[3], out[1] = in[1], out[2] = in[0];
      break;
    case Layout::Rgba:
      out[0] = in[0], out[1] = in[1], out[2] = in[2];
      break;
    default:
      break;
  }
}

// BmpRleDecoder: the pixel indices, top row of the file first, `size` of them; false when the
// data ends before every pixel is set (Pillow: "not enough image data").
bool decode_rle(std::string_view bytes, size_t pos, bool rle4, uint64_t xsize, uint64_t size,
                std::vector<uint8_t>& data) {
  data.clear();
  data.reserve(static_cast<size_t>(size));
  uint64_t x = 0;
  auto room = [&](uint64_t n) { return n < size - data.size() ? n : size - data.size(); };
  while (data.size() < size) {
    if (bytes.size() - pos < 2) break;
    const uint8_t count = static_cast<uint8_t>(bytes[pos]), byte = static_cast<uint8_t>(bytes[pos + 1]);
    pos += 2;
    if (count) {  // encoded run; clipped at the row's end
      uint64_t n = count;
      if (x + n > xsize) n = x < xsize ? xsize - x : 0;
      const uint8_t first = rle4 ? byte >> 4 : byte, second = rle4 ? byte & 0x0F : byte;
      for (uint64_t i = 0, m = room(n); i < m; ++i) data.push_back(i % 2 == 0 ? first : second);
      x += n;
    } else if (byte == 0) {  // end of line
      while (data.size() % xsize != 0 && data.size() < size) data.push_back(0);
      x = 0;
    } else if (byte == 1) {  // end of bitmap
      break;
    } else if (byte == 2) {  // delta: right, up (in file order)
      if (bytes.size() - pos < 2) break;
      const uint64_t right = static_cast<uint8_t>(bytes[pos]), up = static_cast<uint8_t>(bytes[pos + 1]);
      pos += 2;
      data.resize(data.size() + static_cast<size_t>(room(right + up * xsize)), 0);
      x = data.size() % xsize;
    } else {  // absolute run of `byte` pixels (RLE4 reads byte / 2 bytes, as Pillow does)
      const size_t want = rle4 ? byte / 2 : byte;
      const size_t got = want < bytes.size() - pos ? want : bytes.size() - pos;
      for (size_t i = 0; i < got && data.size() < size; ++i) {
        const uint8_t v = static_cast<uint8_t>(bytes[pos + i]);
        if (rle4) {
          data.push_back(v >> 4);
          if (data.size() < size) data.push_back(v & 0x0F);
        } else {
          data.push_back(v);
        }
      }
      pos += got;
      if (got < want) break;
      x += byte;
      if (pos % 2 != 0) ++pos;  // word alignment, counted from the start of the file
      if (pos > bytes.size()) pos = bytes.size();
    }
  }
  return data.size() >= size;
}

}  // namespace

Result<RgbImage> decode_bmp(std::string_view bytes, const std::string& name, const DecodeLimits& limits) {
  auto fail = [&](const std::string& why) { return Result<RgbImage>::error(name + ": " + why); };
  auto truncated = [&] { return fail("truncated BMP: the file ends inside its header or palette"); };
  if (bytes.size() < 18) return truncated();
  uint64_t offset = le32(bytes, 10);
  const uint32_t header_size = le32(bytes, 14);
  const size_t h = 18;  // header data after its size field
  if (header_size < 12 || bytes.size() - 14 < header_size) return truncated();

  int64_t width = 0, height = 0;
  int bits = 0;
  uint32_t compression = 0, colors = 0;
  int padding = 4;
  bool top_down = false;
  uint32_t masks[4] = {0, 0, 0, 0};
  size_t after_header = 14 + header_size;
  if (header_size == 12) {
    width = le16(bytes, h);
    height = le16(bytes, h + 2);
    bits = le16(bytes, h + 6);
    padding = 3;
  } else if (header_size == 40 || header_size == 52 || header_size == 56 || header_size == 64 || header_size == 108 ||
             header_size == 124) {
    // Pillow takes a height whose top byte is 0xFF as negative (rows stored top-down).
    top_down = static_cast<uint8_t>(bytes[h + 7]) == 0xFF;
    width = le32(bytes, h);
    height = top_down ? (int64_t{1} << 32) - le32(bytes, h + 4) : le32(bytes, h + 4);
    bits = le16(bytes, h + 10);
    compression = le32(bytes, h + 12);
    colors = le32(bytes, h + 28);
    if (compression == 3) {
      if (header_size - 4 >= 48) {
        const int n = header_size - 4 >= 52 ? 4 : 3;
        for (int i = 0; i < n; ++i) masks[i] = le32(bytes, h + 36 + 4 * i);
      } else {  // masks follow a 40-byte header
        if (bytes.size() < after_header + 12) return truncated();
        for (int i = 0; i < 3; ++i) masks[i] = le32(bytes, after_header + 4 * i);
        after_header += 12;
      }
    }
  } else {
    return fail("unsupported BMP header type (" + std::to_string(header_size) + ")");
  }
  if (width > int64_t{1} << 31 || height > int64_t{1} << 31 || width * height > static_cast<int64_t>(limits.max_pixels))
    return Result<RgbImage>::error(
        too_many_pixels(name, static_cast<uint64_t>(width), static_cast<uint64_t>(height), limits.max_pixels));
  if (width <= 0 || height <= 0)
    return fail("zero-size BMP (" + std::to_string(width) + "x" + std::to_string(height) + ")");

  if (colors == 0 && bits < 32) colors = 1u << bits;
  // Pillow's palette starts right after the header; a file header pointing there means the
  // pixels follow the palette.
  if (offset == 14 + header_size && bits <= 8) offset += uint64_t{static_cast<uint32_t>(padding)} * colors;

  Layout layout;
  switch (bits) {
    case 1:
    case 4:
    case 8:
      layout = Layout::Palette;
      break;
    case 16:
      layout = Layout::Bgr15;
      break;
    case 24:
      layout = Layout::Bgr;
      break;
    case 32:
      layout = Layout::Bgrx;
      break;
    default:
      return fail("unsupported BMP pixel depth (" + std::to_string(bits) + ")");
  }
  bool rle = false;
  if (compression == 3) {
    bool found = false;
    if (bits == 32) {
      for (const Mask& m : kMasks32)
        if (!found && m.r == masks[0] && m.g == masks[1] && m.b == masks[2] && m.a == masks[3])
          layout = m.layout, found = true;
    } else if (bits == 24) {
      found = masks[0] == 0xFF0000 && masks[1] == 0xFF00 && masks[2] == 0xFF;
    } else if (bits == 16) {
      if (masks[0] == 0xF800 && masks[1] == 0x7E0 && masks[2] == 0x1F) layout = Layout::Bgr16, found = true;
      if (masks[0] == 0x7C00 && masks[1] == 0x3E0 && masks[2] == 0x1F) layout = Layout::Bgr15, found = true;
    }
    if (!found) return fail("unsupported BMP bitfields layout");
  } else if (compression == 1 || compression == 2) {
    rle = true;
  } else if (compression != 0) {
    return fail("unsupported BMP compression (" + std::to_string(compression) +
                (compression == 4   ? ", an embedded JPEG"
                 : compression == 5 ? ", an embedded PNG"
                                    : "") +
                ")");
  }

  Palette256 pal;
  if (layout == Layout::Palette) {
    // Pillow's putpalette takes at most 256 entries and refuses more.
    if (colors == 0 || colors > 256) return fail("unsupported BMP palette size (" + std::to_string(colors) + ")");
    const size_t at = after_header;
    if (bytes.size() < at || (bytes.size() - at) / static_cast<size_t>(padding) < colors) return truncated();
    bool greyscale = true;
    for (uint32_t i = 0; i < colors; ++i) {
      const auto* e = reinterpret_cast<const uint8_t*>(bytes.data() + at + i * padding);
      const unsigned want = colors == 2 ? (i == 0 ? 0 : 255) : i;
      if (e[0] != want || e[1] != want || e[2] != want) greyscale = false;
      pal.rgb[3 * i] = e[2], pal.rgb[3 * i + 1] = e[1], pal.rgb[3 * i + 2] = e[0];
    }
    // A grey palette makes Pillow open mode "1" (two entries) or "L" and unpack the rows as 1-bit
    // or 8-bit whatever the file's depth. Where that matches the depth the result equals the
    // palette lookup below; where it does not, Pillow misreads the rows, which is not copied.
    if (greyscale && !((colors == 2 && bits == 1 && !rle) || (colors != 2 && bits == 8)))
      return fail("unsupported BMP: a " + std::to_string(bits) + "-bit grey palette of " + std::to_string(colors) +
                  " entries (Pillow misreads these rows)");
    // Mode "L": the index is the grey value, also past the palette's last entry.
    if (greyscale && colors != 2)
      for (int i = 0; i < 256; ++i) pal.rgb[3 * i] = pal.rgb[3 * i + 1] = pal.rgb[3 * i + 2] = static_cast<uint8_t>(i);
  }

  const uint64_t w = static_cast<uint64_t>(width), hh = static_cast<uint64_t>(height);
  // Without an offset Pillow reads on from where the header (and palette) ended.
  const uint64_t palette_bytes = layout == Layout::Palette ? uint64_t{static_cast<uint32_t>(padding)} * colors : 0;
  const uint64_t start = offset ? offset : after_header + palette_bytes;
  if (start > bytes.size()) return fail("truncated BMP: the pixel data starts past the end of the file");
  // Uncompressed rows must all be there; checked before the pixel buffer exists.
  const uint64_t stride = ((w * static_cast<uint64_t>(bits) + 31) >> 3) & ~uint64_t{3};
  // Pillow's raw decoder needs the last row only up to the pixels it unpacks.
  const uint64_t last_row = (w * static_cast<uint64_t>(bits) + 7) / 8;
  if (!rle && bytes.size() - start < stride * (hh - 1) + last_row)
    return fail("truncated BMP: the file has " + std::to_string(bytes.size() - start) + " bytes of pixel data, " +
                std::to_string(stride * (hh - 1) + last_row) + " needed");
  RgbImage out;
  std::vector<uint8_t> rle_data;
  try {
    out.pixels.resize(static_cast<size_t>(w * hh * 3));
  } catch (...) {
    return fail("not enough memory to decode this BMP");
  }
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(hh);

  if (rle) {
    if (layout != Layout::Palette || bits != (compression == 1 ? 8 : 4))
      return fail("unsupported BMP: RLE" + std::string(compression == 1 ? "8" : "4") + " with " + std::to_string(bits) +
                  "-bit pixels");
    // RLE codes at most 255 pixels in 2 bytes, or a whole-row jump in 4: far less data than
    // that means a size the file cannot fill (refused before the index buffer exists).
    bool ok = false;
    try {
      ok = decode_rle(bytes, static_cast<size_t>(start), compression == 2, w, w * hh, rle_data);
    } catch (...) {
      return fail("not enough memory to decode this BMP");
    }
    if (!ok) return fail("truncated or corrupt RLE BMP: not enough image data");
    for (uint64_t row = 0; row < hh; ++row) {
      const uint64_t y = top_down ? row : hh - 1 - row;
      uint8_t* dst = out.pixels.data() + y * w * 3;
      const uint8_t* src = rle_data.data() + row * w;
      for (uint64_t x = 0; x < w; ++x) std::memcpy(dst + 3 * x, pal.rgb + 3 * src[x], 3);
    }
    return out;
  }

  const int step = bits / 8;
  for (uint64_t row = 0; row < hh; ++row) {
    const uint64_t y = top_down ? row : hh - 1 - row;
    const auto* src = reinterpret_cast<const uint8_t*>(bytes.data() + start + row * stride);
    uint8_t* dst = out.pixels.data() + y * w * 3;
    if (layout == Layout::Palette) {
      for (uint64_t x = 0; x < w; ++x) std::memcpy(dst + 3 * x, pal.rgb + 3 * packed_index(src, x, bits), 3);
    } else {
      for (uint64_t x = 0; x < w; ++x) unpack_direct(layout, src + x * step, dst + 3 * x);
    }
  }
  return out;
}

}  // namespace qwenvl::image_detail
