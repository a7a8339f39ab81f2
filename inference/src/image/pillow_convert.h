// Pixel conversions shared by the GIF, BMP and TIFF decoders, each written after the Pillow code
// it stands for (libImaging/Unpack.c and Convert.c as of Pillow 12.3, the official pipeline's
// version), so that the result is what Image.open(f).convert("RGB") gives.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qwenvl::image_detail {

// A palette as Pillow holds one: 256 RGB entries; those the file does not define stay black
// (ImagingPaletteNew zero-fills them since Pillow 10; Pillow 9 filled them with a grey ramp).
struct Palette256 {
  uint8_t rgb[256 * 3] = {};
};

// Convert.c's MULDIV255 and cmyk2rgb: R = nk - C * nk / 255 (rounded), nk = 255 - K.
inline uint8_t pillow_muldiv255(int a, int b) {
  const int t = a * b + 128;
  return static_cast<uint8_t>(((t >> 8) + t) >> 8);
}
inline void pillow_cmyk_to_rgb(const uint8_t* cmyk, uint8_t* rgb) {
  const int nk = 255 - cmyk[3];
  for (int c = 0; c < 3; ++c) {
    const int v = nk - pillow_muldiv255(cmyk[c], nk);
    rgb[c] = static_cast<uint8_t>(v < 0 ? 0 : v);
  }
}

// Unpack.c's unpackRGBa: premultiplied alpha back to straight (0 alpha gives black).
inline void pillow_unpremultiply(const uint8_t* rgba, uint8_t* rgb) {
  const int a = rgba[3];
  for (int c = 0; c < 3; ++c) {
    if (a == 0) {
      rgb[c] = 0;
    } else if (a == 255) {
      rgb[c] = rgba[c];
    } else {
      const int v = rgba[c] * 255 / a;
      rgb[c] = static_cast<uint8_t>(v > 255 ? 255 : v);
    }
  }
}

// Sample x of a row packed at `bits` (1, 2, 4 or 8) per sample, most significant bits first.
inline unsigned packed_index(const uint8_t* row, size_t x, int bits) {
  if (bits == 8) return row[x];
  const size_t bit = x * static_cast<size_t>(bits);
  const int shift = 8 - bits - static_cast<int>(bit & 7);
  return (row[bit >> 3] >> shift) & ((1u << bits) - 1);
}

inline void grey_to_rgb(uint8_t v, uint8_t* rgb) { rgb[0] = rgb[1] = rgb[2] = v; }

}  // namespace qwenvl::image_detail
