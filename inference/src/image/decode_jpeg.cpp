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

// libjpeg's working memory besides the coefficient buffer: row buffers for the main, upsampling
// and colour stages (well under 160 full-width rows in every component), plus tables.
constexpr uint64_t kWorkingRows = 160;
constexpr uint64_t kFixedWorkingBytes = 16u << 20;

struct ErrorManager {
  jpeg_error_mgr pub;  // first member: libjpeg hands us this pointer
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX + 64];
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) {
    // What libjpeg says when a buffer would pass mem->max_memory_to_use (set in run()).
    std::snprintf(err->message, sizeof err->message,
                  "decoding needs more memory than the image's size allows for (%ld bytes)",
                  cinfo->mem->max_memory_to_use);
  } else {
    (*cinfo->err->format_message)(cinfo, err->message);
  }
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

// Arithmetic coding (SOF9-SOF11) has no such bound: the decoder reads zeros once the data ends
// (at the next marker, no warning), and zeros decode as blocks, so a header alone is a valid
// file of any size; libjpeg's encoder writes a flat 13000 x 13000 picture in 208 bytes. Up to
// kArithFreePixels (48 MB of RGB) any arithmetic-coded file decodes; past it, a file must carry
// one byte per kArithBlocksPerByte blocks of its first scan (1/256 of the Huffman minimum, far
// below any photograph or scan with content), which caps what a small file can make libjpeg
// allocate at about 6,000 times its size. Flat giant pictures in arithmetic coding are refused.
constexpr uint64_t kArithFreePixels = uint64_t{4096} * 4096;
constexpr uint64_t kArithBlocksPerByte = 32;

// The smallest file that can hold the first scan's Huffman-coded data: every 8x8 block of every
// component in that scan takes at least one code of at least one bit (a DC difference, or the
// DC and end-of-block codes of a sequential scan). A file far below that claims dimensions it
// cannot carry; libjpeg would pad it with zeros (a warning only) after the buffers exist. For
// arithmetic coding, the policy bound above.
uint64_t min_bytes_for_first_scan(const jpeg_decompress_struct& cinfo) {
  uint64_t blocks = 0;
  for (int i = 0; i < cinfo.comps_in_scan; ++i)
    blocks += uint64_t{cinfo.cur_comp_info[i]->width_in_blocks} * cinfo.cur_comp_info[i]->height_in_blocks;
  if (!cinfo.arith_code) return blocks / 8;
  if (uint64_t{cinfo.image_width} * cinfo.image_height <= kArithFreePixels) return 0;
  return blocks / kArithBlocksPerByte;
}

// What libjpeg may allocate for this header: the whole-image coefficient buffer of a multi-scan
// file (64 two-byte coefficients per block, rows and columns rounded up to the sampling factors,
// as jdcoefct.c requests it) and the working rows. Set as mem->max_memory_to_use, it makes any
// request past that an error instead of an allocation.
uint64_t memory_budget(const jpeg_decompress_struct& cinfo) {
  auto round_up = [](uint64_t v, uint64_t m) { return (v + m - 1) / m * m; };
  uint64_t bytes = kFixedWorkingBytes;
  for (int i = 0; i < cinfo.num_components; ++i) {
    const jpeg_component_info& c = cinfo.comp_info[i];
    const uint64_t w = round_up(c.width_in_blocks, c.h_samp_factor), h = round_up(c.height_in_blocks, c.v_samp_factor);
    bytes += w * h * sizeof(JBLOCK) + w * DCTSIZE * kWorkingRows * 4;
  }
  return bytes;
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
  std::string refusal;             // set for our own refusals (not libjpeg errors)
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
  // A progressive file must start with a DC scan (ITU T.81 G.1.1.1.1); libjpeg only warns when
  // it does not, and an AC scan can skip 32767 blocks per code, so no size check would hold.
  if (cinfo->progressive_mode && cinfo->Ss != 0) {
    job.refusal = "malformed progressive JPEG: the first scan is not a DC scan";
    return false;
  }
  if (const uint64_t need = min_bytes_for_first_scan(*cinfo); job.bytes.size() < need) {
    job.refusal =
        "the header claims " + std::to_string(w) + "x" + std::to_string(h) + " pixels, which need at least " +
        std::to_string(need) + " bytes of image data" +
        (cinfo->arith_code ? " in an arithmetic-coded file over " + std::to_string(kArithFreePixels) + " pixels"
                           : std::string()) +
        ", but the file has only " + std::to_string(job.bytes.size()) +
        " (truncated or hostile); refused before decoding";
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
  // A long is at least 64 bits wherever this builds (LP64); the budget stays far below its range
  // because the pixel count is limited above.
  cinfo->mem->max_memory_to_use = static_cast<long>(memory_budget(*cinfo));

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
