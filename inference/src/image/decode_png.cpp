// PNG decoding with libpng: rows are read raw (only Adam7 de-interlacing is left to libpng) and
// converted here exactly as Pillow's PngImagePlugin modes + convert("RGB") do, which libpng's own
// transforms do not all match (16-bit grey is clipped, not scaled; alpha is dropped, not blended).
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <vector>

#include "image/decoders.h"

namespace qwenvl::image_detail {

namespace {

constexpr uint64_t kMaxDeflateRatio = 1032;

// Bits per pixel from IHDR's bit depth and colour type; 0 for combinations libpng refuses anyway.
uint64_t png_bits_per_pixel(uint8_t depth, uint8_t color_type) {
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
    case PNG_COLOR_TYPE_PALETTE:
      return depth;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      return 2u * depth;
    case PNG_COLOR_TYPE_RGB:
      return 3u * depth;
    case PNG_COLOR_TYPE_RGB_ALPHA:
      return 4u * depth;
    default:
      return 0;
  }
}

struct Job {
  std::string_view bytes;
  size_t pos = 0;
  const DecodeLimits* limits = nullptr;
  RgbImage* out = nullptr;
  std::vector<uint8_t>* raw = nullptr;     // one row, or the whole image when interlaced
  std::vector<png_bytep>* rows = nullptr;  // row pointers into raw for interlaced files
  png_structp png = nullptr;
  png_infop info = nullptr;
  bool too_many_pixels = false;
  uint64_t width = 0, height = 0;
  char message[256] = {};
};

[[noreturn]] void on_error(png_structp png, png_const_charp msg) {
  auto* job = static_cast<Job*>(png_get_error_ptr(png));
  std::snprintf(job->message, sizeof job->message, "%s", msg ? msg : "unknown libpng error");
  png_longjmp(png, 1);
}

// What libpng only warns about (ancillary chunks it cannot use, extra data after the image) does
// not stop Pillow either.
void on_warning(png_structp, png_const_charp) {}

void on_read(png_structp png, png_bytep out, size_t n) {
  auto* job = static_cast<Job*>(png_get_io_ptr(png));
  if (n > job->bytes.size() - job->pos) png_error(png, "unexpected end of data: the file is truncated");
  std::memcpy(out, job->bytes.data() + job->pos, n);
  job->pos += n;
}

// Sample x of a row packed at `depth` bits (1, 2, 4 or 8), most significant bits first.
inline unsigned packed_sample(const uint8_t* row, size_t x, int depth) {
  if (depth == 8) return row[x];
  const size_t bit = x * depth;
  const int shift = 8 - depth - static_cast<int>(bit & 7);
  return (row[bit >> 3] >> shift) & ((1u << depth) - 1);
}

// One raw PNG row to RGB8, following Pillow: grey 1/2/4-bit is scaled to 0..255 (unpackers "1",
// "L;2", "L;4"); 16-bit grey opens as "I;16" and I16_RGB clips it to 255; 16-bit colour and grey+alpha
// keep the high byte ("RGB;16B", "RGBA;16B", "LA;16B"); alpha is dropped; palette indices past the
// PLTE entries are black (Pillow's palette is zero-filled).
void convert_row(const uint8_t* in, uint8_t* out, size_t width, int color_type, int depth, const uint8_t* lut) {
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
      if (depth == 16) {
        for (size_t x = 0; x < width; ++x) {
          const uint8_t v = in[2 * x] != 0 ? 255 : in[2 * x + 1];
          out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = v;
        }
      } else {
        const unsigned scale = 255u / ((1u << depth) - 1);
        for (size_t x = 0; x < width; ++x) {
          const uint8_t v = static_cast<uint8_t>(packed_sample(in, x, depth) * scale);
          out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = v;
        }
      }
      break;
    case PNG_COLOR_TYPE_RGB:
      if (depth == 16) {
        for (size_t x = 0; x < width; ++x)
          for (size_t c = 0; c < 3; ++c) out[3 * x + c] = in[6 * x + 2 * c];
      } else {
        std::memcpy(out, in, width * 3);
      }
      break;
    case PNG_COLOR_TYPE_PALETTE:
      for (size_t x = 0; x < width; ++x) std::memcpy(out + 3 * x, lut + 3 * packed_sample(in, x, depth), 3);
      break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: {
      const size_t step = depth == 16 ? 4 : 2;
      for (size_t x = 0; x < width; ++x) out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = in[step * x];
      break;
    }
    case PNG_COLOR_TYPE_RGB_ALPHA: {
      const size_t step = depth == 16 ? 8 : 4, sample = depth == 16 ? 2 : 1;
      for (size_t x = 0; x < width; ++x)
        for (size_t c = 0; c < 3; ++c) out[3 * x + c] = in[step * x + sample * c];
      break;
    }
  }
}

// Returns false on failure (job.message or job.too_many_pixels says why). No locals with
// destructors, so a longjmp out of libpng skips nothing.
bool run(Job& job) {
  png_structp png = job.png;
  png_infop info = job.info;
  if (setjmp(png_jmpbuf(png))) return false;

  png_set_read_fn(png, &job, on_read);
  // Pillow checks the CRC of every chunk before the image data, ancillary ones included, and
  // refuses the file on a mismatch; libpng would only drop a damaged ancillary chunk.
  png_set_crc_action(png, PNG_CRC_DEFAULT, PNG_CRC_ERROR_QUIT);
  // libpng's default 1,000,000-pixel width/height caps are stricter than Pillow, which only
  // limits the pixel count; that count is checked below instead.
  png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  // libpng 1.6.39 allocates an eXIf chunk's buffer from its length field, past the chunk size
  // limit, before reading it: a short file claiming a 2 GB eXIf made it allocate 2 GB (found by
  // fuzzing). The pixels never need EXIF (the official pipeline does not rotate), so the chunk is
  // skipped unread; its CRC is still checked as every chunk's is.
  static constexpr png_byte kExif[5] = {'e', 'X', 'I', 'f', '\0'};
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, kExif, 1);
  png_read_info(png, info);

  png_uint_32 w = 0, h = 0;
  int depth = 0, color_type = 0, interlace = 0;
  png_get_IHDR(png, info, &w, &h, &depth, &color_type, &interlace, nullptr, nullptr);
  job.width = w;
  job.height = h;
  if (static_cast<uint64_t>(w) * h > job.limits->max_pixels) {
    job.too_many_pixels = true;
    return false;
  }

  uint8_t lut[256 * 3] = {};  // entries past the PLTE stay black
  if (color_type == PNG_COLOR_TYPE_PALETTE) {
    png_colorp palette = nullptr;
    int count = 0;
    if (png_get_PLTE(png, info, &palette, &count) != PNG_INFO_PLTE || count <= 0)
      png_error(png, "palette image without a PLTE chunk");
    for (int i = 0; i < count && i < 256; ++i) {
      lut[3 * i] = palette[i].red;
      lut[3 * i + 1] = palette[i].green;
      lut[3 * i + 2] = palette[i].blue;
    }
  }

  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const size_t rowbytes = png_get_rowbytes(png, info);
  const int width = static_cast<int>(w), height = static_cast<int>(h);
  job.out->width = width;
  job.out->height = height;
  job.out->pixels.resize(static_cast<size_t>(width) * height * 3);
  uint8_t* dst = job.out->pixels.data();
  const size_t out_stride = static_cast<size_t>(width) * 3;

  if (passes <= 1) {
    job.raw->resize(rowbytes);
    for (int y = 0; y < height; ++y) {
      png_read_row(png, job.raw->data(), nullptr);
      convert_row(job.raw->data(), dst + y * out_stride, width, color_type, depth, lut);
    }
  } else {
    // Adam7 fills every row over seven passes, so the whole raw image is kept until the end.
    job.raw->resize(rowbytes * static_cast<size_t>(height));
    job.rows->resize(static_cast<size_t>(height));
    for (int y = 0; y < height; ++y) (*job.rows)[y] = job.raw->data() + y * rowbytes;
    png_read_image(png, job.rows->data());
    for (int y = 0; y < height; ++y) convert_row((*job.rows)[y], dst + y * out_stride, width, color_type, depth, lut);
  }
  // Like Pillow, nothing after the image data is read (png_read_end is not needed).
  return true;
}

}  // namespace

Result<RgbImage> decode_png(std::string_view bytes, const std::string& name, const DecodeLimits& limits) {
  // The size sits at a fixed place in the first chunk (IHDR); look before libpng reads anything
  // else, so that a bomb is refused even when the rest of the file is junk or missing.
  if (bytes.size() >= 26 && bytes.substr(12, 4) == "IHDR") {  // width, height, depth, colour type
    auto be32 = [&](size_t at) {
      const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + at);
      return uint64_t(p[0]) << 24 | uint64_t(p[1]) << 16 | uint64_t(p[2]) << 8 | uint64_t(p[3]);
    };
    const uint64_t w = be32(16), h = be32(20);
    if (w * h > limits.max_pixels) return Result<RgbImage>::error(too_many_pixels(name, w, h, limits.max_pixels));
    // Deflate cannot do better than 1032:1 (a 258-byte match in two one-bit codes), so the file
    // must hold at least 1/1032 of the raw pixel bytes. A file below that is truncated or claims
    // a size it cannot carry: refused before the pixel buffer exists (Pillow fails on it too,
    // only after decoding what is there).
    const uint64_t bits = png_bits_per_pixel(static_cast<uint8_t>(bytes[24]), static_cast<uint8_t>(bytes[25]));
    const uint64_t need = h * (w * bits / 8) / kMaxDeflateRatio;
    if (bytes.size() < need)
      return Result<RgbImage>::error(name + ": the header claims " + std::to_string(w) + "x" + std::to_string(h) +
                                     " pixels, which need at least " + std::to_string(need) +
                                     " bytes of compressed data, but the file has only " +
                                     std::to_string(bytes.size()) + " (truncated or hostile); refused before decoding");
  }
  RgbImage out;
  std::vector<uint8_t> raw;
  std::vector<png_bytep> rows;
  Job job;
  job.bytes = bytes;
  job.limits = &limits;
  job.out = &out;
  job.raw = &raw;
  job.rows = &rows;
  job.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
  if (job.png) job.info = png_create_info_struct(job.png);
  if (!job.png || !job.info) {
    png_destroy_read_struct(job.png ? &job.png : nullptr, nullptr, nullptr);
    return Result<RgbImage>::error(name + ": cannot set up the PNG decoder (out of memory)");
  }

  bool ok = false;
  bool no_memory = false;
  try {
    ok = run(job);
  } catch (...) {  // std::bad_alloc from the pixel buffers
    no_memory = true;
  }
  png_destroy_read_struct(&job.png, &job.info, nullptr);
  if (no_memory) return Result<RgbImage>::error(name + ": not enough memory to decode this PNG");
  if (ok) return out;
  if (job.too_many_pixels)
    return Result<RgbImage>::error(too_many_pixels(name, job.width, job.height, limits.max_pixels));
  return Result<RgbImage>::error(name + ": corrupt or truncated PNG: " + job.message);
}

}  // namespace qwenvl::image_detail
