// WebP decoding with libwebp's WebPAnimDecoder, the path Pillow's WebPImagePlugin (9.4 to 12.3)
// takes for every WebP, still or animated: the first frame composited on the canvas as straight
// (not premultiplied) RGBA, whose alpha convert("RGB") then drops. Lossless files decode the same
// with any libwebp; lossy ones are VP8 plus libwebp's YUV->RGB upsampling, which the parity tests
// check against the libwebp that Pillow links on the machine at hand.
#include <webp/decode.h>
#include <webp/demux.h>

#include <cstring>

#include "image/decoders.h"

namespace qwenvl::image_detail {

namespace {

struct AnimDecoder {
  WebPAnimDecoder* dec = nullptr;
  ~AnimDecoder() {
    if (dec) WebPAnimDecoderDelete(dec);
  }
};

const char* status_text(VP8StatusCode s) {
  switch (s) {
    case VP8_STATUS_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_STATUS_INVALID_PARAM:
      return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR:
      return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return "unsupported feature";
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return "not enough data (truncated)";
    default:
      return "not a WebP bitstream";
  }
}

}  // namespace

Result<RgbImage> decode_webp(std::string_view bytes, const std::string& name, const DecodeLimits& limits) {
  auto fail = [&](const std::string& why) { return Result<RgbImage>::error(name + ": " + why); };
  WebPData data{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};

  // The canvas size, read from the headers before anything is allocated for pixels.
  WebPDemuxState state = WEBP_DEMUX_PARSING_HEADER;
  WebPDemuxer* demux = WebPDemuxPartial(&data, &state);
  if (!demux || state != WEBP_DEMUX_DONE) {
    if (demux) WebPDemuxDelete(demux);
    WebPBitstreamFeatures f;
    const VP8StatusCode s = WebPGetFeatures(data.bytes, data.size, &f);
    return fail(std::string("corrupt or truncated WebP: ") +
                (s == VP8_STATUS_OK ? "the container is damaged or incomplete" : status_text(s)));
  }
  const uint64_t w = WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH), h = WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT);
  WebPDemuxDelete(demux);
  if (w * h > limits.max_pixels) return Result<RgbImage>::error(too_many_pixels(name, w, h, limits.max_pixels));
  if (w == 0 || h == 0) return fail("zero-size WebP");

  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options)) return fail("cannot set up the WebP decoder (library version mismatch)");
  options.color_mode = MODE_RGBA;  // Pillow's default, spelled out
  options.use_threads = 0;
  AnimDecoder anim;
  anim.dec = WebPAnimDecoderNew(&data, &options);
  if (!anim.dec) return fail("corrupt WebP: the decoder refused its headers");
  WebPAnimInfo info;
  if (!WebPAnimDecoderGetInfo(anim.dec, &info) || info.frame_count < 1 || info.canvas_width != w ||
      info.canvas_height != h)
    return fail("corrupt WebP: inconsistent canvas or no frame");
  uint8_t* rgba = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(anim.dec, &rgba, &timestamp) || !rgba)
    return fail("corrupt or truncated WebP: the first frame cannot be decoded");

  RgbImage out;
  try {
    out.pixels.resize(static_cast<size_t>(w * h * 3));
  } catch (...) {
    return fail("not enough memory to decode this WebP");
  }
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(h);
  uint8_t* dst = out.pixels.data();
  for (uint64_t i = 0; i < w * h; ++i, rgba += 4, dst += 3) std::memcpy(dst, rgba, 3);
  return out;
}

}  // namespace qwenvl::image_detail
