// GIF decoding with giflib, first frame only, as Pillow's GifImagePlugin opens it: the picture is
// the logical screen (grown to hold the frame if the frame reaches past it), filled with the
// frame's transparent index when it has one and index 0 otherwise, with the frame's pixels at its
// offset. Mode "P" (frame palette, else the global one) is looked up through that palette; with no
// palette, or one that is the identity grey ramp, Pillow opens mode "L" and the index is the grey
// value. Transparency is not composited: convert("RGB") keeps the transparent index's colour.
#include <gif_lib.h>

#include <cstring>
#include <vector>

#include "image/decoders.h"
#include "image/pillow_convert.h"

namespace qwenvl::image_detail {

namespace {

// Files with this many records before the first image are built to stall a decoder.
constexpr int kMaxRecordsBeforeImage = 100000;
// LZW: one code of at least 2 bits stands for at most 4096 pixels, 16,384 per byte.
constexpr uint64_t kMaxPixelsPerByte = 4096 * 8 / 2;

struct Source {
  std::string_view bytes;
  size_t pos = 0;
};

int on_read(GifFileType* gif, GifByteType* out, int n) {
  auto* src = static_cast<Source*>(gif->UserData);
  if (n <= 0) return 0;
  const size_t left = src->bytes.size() - src->pos;
  const size_t take = static_cast<size_t>(n) < left ? static_cast<size_t>(n) : left;
  std::memcpy(out, src->bytes.data() + src->pos, take);
  src->pos += take;
  return static_cast<int>(take);
}

std::string gif_error(int code) {
  const char* s = GifErrorString(code);
  return s ? std::string(s) : "error " + std::to_string(code);
}

// Pillow's _is_palette_needed: false when entry i is (i, i, i) for every entry.
bool palette_needed(const ColorMapObject* map) {
  for (int i = 0; i < map->ColorCount; ++i) {
    const GifColorType& c = map->Colors[i];
    if (!(c.Red == i && c.Green == i && c.Blue == i)) return true;
  }
  return false;
}

struct GifCloser {
  GifFileType* gif = nullptr;
  ~GifCloser() {
    int err = 0;
    if (gif) DGifCloseFile(gif, &err);
  }
};

}  // namespace

Result<RgbImage> decode_gif(std::string_view bytes, const std::string& name, const DecodeLimits& limits) {
  auto fail = [&](const std::string& why) { return Result<RgbImage>::error(name + ": " + why); };
  Source src{bytes, 0};
  int err = 0;
  GifCloser closer;
  closer.gif = DGifOpen(&src, on_read, &err);
  GifFileType* gif = closer.gif;
  if (!gif) return fail("corrupt or truncated GIF: " + gif_error(err));

  uint64_t width = static_cast<uint64_t>(gif->SWidth), height = static_cast<uint64_t>(gif->SHeight);
  const ColorMapObject* global = gif->SColorMap;
  int transparent = -1;
  for (int records = 0;; ++records) {
    if (records > kMaxRecordsBeforeImage) return fail("malformed GIF: too many records before the first image");
    GifRecordType type = UNDEFINED_RECORD_TYPE;
    if (DGifGetRecordType(gif, &type) == GIF_ERROR) return fail("corrupt or truncated GIF: " + gif_error(gif->Error));
    if (type == TERMINATE_RECORD_TYPE) return fail("GIF without any image");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* block = nullptr;
      if (DGifGetExtension(gif, &code, &block) == GIF_ERROR)
        return fail("corrupt or truncated GIF: " + gif_error(gif->Error));
      // Pillow takes the transparent index from a graphic control block whose flag is set (the
      // last such block before the image wins; one without the flag changes nothing).
      if (code == GRAPHICS_EXT_FUNC_CODE && block && block[0] >= 4 && (block[1] & 1)) transparent = block[4];
      int blocks = 0;
      while (block) {
        if (++blocks > kMaxRecordsBeforeImage) return fail("malformed GIF: an extension never ends");
        if (DGifGetExtensionNext(gif, &block) == GIF_ERROR)
          return fail("corrupt or truncated GIF: " + gif_error(gif->Error));
      }
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif) == GIF_ERROR) return fail("corrupt or truncated GIF: " + gif_error(gif->Error));
    break;
  }

  const GifImageDesc& desc = gif->Image;
  const uint64_t x0 = static_cast<uint64_t>(desc.Left), y0 = static_cast<uint64_t>(desc.Top);
  const uint64_t fw = static_cast<uint64_t>(desc.Width), fh = static_cast<uint64_t>(desc.Height);
  // Pillow grows the picture to hold a frame that reaches past the logical screen.
  if (x0 + fw > width) width = x0 + fw;
  if (y0 + fh > height) height = y0 + fh;
  if (width * height > limits.max_pixels)
    return Result<RgbImage>::error(too_many_pixels(name, width, height, limits.max_pixels));
  if (width == 0 || height == 0)
    return fail("zero-size GIF (" + std::to_string(width) + "x" + std::to_string(height) + ")");
  // The file must hold at least fw * fh / kMaxPixelsPerByte bytes of LZW data; fewer means a size
  // it cannot carry, refused before the buffers exist (Pillow fails on it too, after decoding).
  if (fw * fh / kMaxPixelsPerByte > bytes.size())
    return fail("the first frame claims " + std::to_string(fw) + "x" + std::to_string(fh) +
                " pixels, more than the file's " + std::to_string(bytes.size()) +
                " bytes can code (truncated or hostile); refused before decoding");
  // Pillow fails on a frame without pixels ("image file is truncated"); so does this.
  if (fw == 0 || fh == 0)
    return fail("corrupt GIF: the first frame is " + std::to_string(fw) + "x" + std::to_string(fh));

  const ColorMapObject* map = desc.ColorMap ? desc.ColorMap : global;
  // A local palette that is the identity ramp makes the frame "L" even under a global palette.
  const bool use_palette = map && palette_needed(map);
  Palette256 pal;
  if (use_palette) {
    for (int i = 0; i < map->ColorCount && i < 256; ++i) {
      pal.rgb[3 * i] = map->Colors[i].Red;
      pal.rgb[3 * i + 1] = map->Colors[i].Green;
      pal.rgb[3 * i + 2] = map->Colors[i].Blue;
    }
  }

  std::vector<uint8_t> index;
  std::vector<GifPixelType> line;
  RgbImage out;
  try {
    index.assign(static_cast<size_t>(width * height), static_cast<uint8_t>(transparent >= 0 ? transparent : 0));
    line.resize(static_cast<size_t>(fw));
    out.pixels.resize(static_cast<size_t>(width * height * 3));
  } catch (...) {
    return fail("not enough memory to decode this GIF");
  }
  // Interlaced frames store rows in four passes: every 8th from 0, every 8th from 4, every 4th
  // from 2, every 2nd from 1.
  static constexpr int kStart[4] = {0, 4, 2, 1}, kStep[4] = {8, 8, 4, 2};
  auto put_row = [&](uint64_t y) -> bool {
    if (DGifGetLine(gif, line.data(), static_cast<int>(fw)) == GIF_ERROR) return false;
    std::memcpy(index.data() + (y0 + y) * width + x0, line.data(), static_cast<size_t>(fw));
    return true;
  };
  if (desc.Interlace) {
    for (int pass = 0; pass < 4; ++pass)
      for (uint64_t y = kStart[pass]; y < fh; y += kStep[pass])
        if (!put_row(y)) return fail("corrupt or truncated GIF: " + gif_error(gif->Error));
  } else {
    for (uint64_t y = 0; y < fh; ++y)
      if (!put_row(y)) return fail("corrupt or truncated GIF: " + gif_error(gif->Error));
  }

  out.width = static_cast<int>(width);
  out.height = static_cast<int>(height);
  uint8_t* dst = out.pixels.data();
  for (size_t i = 0; i < index.size(); ++i, dst += 3) {
    if (use_palette)
      std::memcpy(dst, pal.rgb + 3 * index[i], 3);
    else
      grey_to_rgb(index[i], dst);
  }
  return out;
}

}  // namespace qwenvl::image_detail
