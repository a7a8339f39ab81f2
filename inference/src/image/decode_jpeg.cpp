// JPEG decoding with libjpeg-turbo, set up as Pillow's JpegDecode.c + JpegImagePlugin.py: library
// defaults (ISLOW DCT, fancy upsampling), 1 component -> L, 3 -> RGB, 4 -> CMYK read as Adobe-inverted
// ("CMYK;I"), then Convert.c's l2rgb / cmyk2rgb. libjpeg errors come back through setjmp/longjmp.
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t declared first
#include <cstring>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>

#include "image/decoders.h"

namespace qwenvl::image_detail {

namespace {

// Real photographs have about ten scans; thousands only come from files built to stall the decoder.
constexpr int kMaxScans = 1000;

struct ErrorManager {
  jpeg_error_mgr pub;  // first member: libjpeg hands us this pointer
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX + 64];
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Pillow drops libjpeg's warnings (corrupt-data notices included) except that running out of data
// fails its read loop. libjpeg instead pads a short file with a fake EOI and carries on, so that one
// warning becomes an error here.
void on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) on_error(cinfo);
  cinfo->err->num_warnings++;
}

void on_output(j_common_ptr) {}

void on_progress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "more than %d scans (a malformed or hostile file)", kMaxScans);
    std::longjmp(err->jump, 1);
  }
}

inline uint8_t muldiv255(int a, int b) {
  int t = a * b + 128;
  return static_cast<uint8_t>(((t >> 8) + t) >> 8);
}

// Pillow's unpack "CMYK;I" inverts every sample, then cmyk2rgb: R = nk - muldiv255(C, nk), nk = 255 - K.
void cmyk_inverted_to_rgb(const uint8_t* in, uint8_t* out, int width) {
  for (int x = 0; x < width; ++x, in += 4, out += 3) {
    int nk = in[3];  // 255 - (255 - stored K)
    for (int c = 0; c < 3; ++c) {
      int v = nk - muldiv255(255 - in[c], nk);
      out[c] = static_cast<uint8_t>(v < 0 ? 0 : v);
    }
  }
}

// Everything that must survive a longjmp lives here, outside run()'s frame.
struct Job {
  jpeg_decompress_struct cinfo{};
  ErrorManager err{};
  jpeg_progress_mgr progress{};
  std::string_view bytes;
  const DecodeLimits* limits = nullptr;
  RgbImage* out = nullptr;
  std::vector<uint8_t>* row = nullptr;
  bool created = false;
  bool too_many_pixels = false;
  uint64_t width = 0, height = 0;  // from the header
  std::string refusal;  // set for our own refusals (not libjpeg errors)
};

// Returns false on failure: job.refusal or job.err.message says why. Holds no C++ objects with
// destructors of its own, so a longjmp out of libjpeg skips nothing.
bool run(Job& job) {
  jpeg_decompress_struct* cinfo = &job.cinfo;
  if (setjmp(job.err.jump)) return false;

  jpeg_create_decompress(cinfo);
  job.created = true;
  cinfo->progress = &job.progress;
  jpeg_mem_src(cinfo, reinterpret_cast<const unsigned char*>(job.bytes.data()),
               static_cast<unsigned long>(job.bytes.size()));
  jpeg_read_header(cinfo, TRUE);

  const uint64_t w = job.width = cinfo->image_width;
  const uint64_t h = job.height = cinfo->image_height;
  if (w == 0 || h == 0) {
    job.refusal = "zero-size JPEG (" + std::to_string(w) + "x" + std::to_string(h) + ")";
    return false;
  }
  if (w * h > job.limits->max_pixels) {
    job.too_many_pixels = true;
    return false;
  }
  const int components = cinfo->num_components;
  if (components == 1) {
    cinfo->out_color_space = JCS_GRAYSCALE;
  } else if (components == 3) {
    cinfo->out_color_space = JCS_RGB;
  } else if (components == 4) {
    cinfo->out_color_space = JCS_CMYK;  // libjpeg turns YCCK into CMYK itself
  } else {
    job.refusal = "unsupported JPEG with " + std::to_string(components) +
                  " colour components (expected 1 grey, 3 colour or 4 CMYK)";
    return false;
  }
  // These are libjpeg's defaults already; set them so that a changed default cannot drift from Pillow.
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->do_fancy_upsampling = TRUE;
  cinfo->scale_num = cinfo->scale_denom = 1;

  jpeg_start_decompress(cinfo);
  const int width = static_cast<int>(cinfo->output_width);
  const int height = static_cast<int>(cinfo->output_height);
  job.out->width = width;
  job.out->height = height;
  job.out->pixels.resize(static_cast<size_t>(width) * height * 3);
  job.row->resize(static_cast<size_t>(width) * cinfo->output_components);

  while (cinfo->output_scanline < cinfo->output_height) {
    const size_t y = cinfo->output_scanline;
    uint8_t* dst = job.out->pixels.data() + y * width * 3;
    JSAMPROW row = components == 3 ? dst : job.row->data();
    if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
      job.refusal = "JPEG data ended early";  // cannot happen with a memory source; kept as a guard
      return false;
    }
    if (components == 1) {
      const uint8_t* g = job.row->data();
      for (int x = 0; x < width; ++x) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = g[x];
    } else if (components == 4) {
      cmyk_inverted_to_rgb(job.row->data(), dst, width);
    }
  }
  // Like Pillow, stop once every row is decoded: bytes after the EOI marker are never parsed, so
  // jpeg_finish_decompress is not needed. (A missing EOI is still refused above: the Huffman
  // decoder reads ahead past the last MCU and runs out of data, as Pillow's does.)
  return true;
}

}  // namespace

Result<RgbImage> decode_jpeg(std::string_view bytes, const std::string& name, const DecodeLimits& limits) {
  RgbImage out;
  std::vector<uint8_t> row;
  Job job;
  job.bytes = bytes;
  job.limits = &limits;
  job.out = &out;
  job.row = &row;
  job.cinfo.err = jpeg_std_error(&job.err.pub);
  job.err.pub.error_exit = on_error;
  job.err.pub.emit_message = on_message;
  job.err.pub.output_message = on_output;
  job.progress.progress_monitor = on_progress;

  bool ok = false;
  try {
    ok = run(job);
  } catch (...) {  // std::bad_alloc from the pixel buffer: clean up libjpeg, then report
    if (job.created) jpeg_destroy_decompress(&job.cinfo);
    return Result<RgbImage>::error(name + ": not enough memory to decode this JPEG");
  }
  if (job.created) jpeg_destroy_decompress(&job.cinfo);
  if (ok) return out;
  if (job.too_many_pixels) {
    return Result<RgbImage>::error(too_many_pixels(name, job.width, job.height, limits.max_pixels));
  }
  if (!job.refusal.empty()) return Result<RgbImage>::error(name + ": " + job.refusal);
  return Result<RgbImage>::error(name + ": corrupt or truncated JPEG: " + job.err.message);
}

}  // namespace qwenvl::image_detail
