// GIF, BMP, WebP and TIFF decoding where tst_picture_formats cannot look: files Pillow's writers
// do not make, and behaviour of Pillow 12.3 (the official pipeline's) that the Pillow installed
// here (9.4) does not share. Expected pixels are worked out from Pillow 12.3's code (cited per
// case), never taken from our own output, and were confirmed with Pillow 12.3.0 itself (built from
// its source against this machine's codecs, 2026-12-02). Also refusals: every message names the file and says why.
#include <QtTest>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "image/image.h"

namespace {

using Bytes = std::string;

void le16(Bytes& b, unsigned v) { b += char(v & 0xff), b += char((v >> 8) & 0xff); }
void le32(Bytes& b, uint32_t v) { le16(b, v & 0xffff), le16(b, v >> 16); }

// A BMP: file header, a `header_size`-byte info header (40 or more), palette (BGRX), data.
Bytes bmp(int w, int h, int bits, uint32_t compression, const std::vector<uint32_t>& palette_rgb, const Bytes& data,
          uint32_t header_size = 40) {
  Bytes info;
  le32(info, header_size);
  le32(info, uint32_t(w));
  le32(info, uint32_t(h));
  le16(info, 1);
  le16(info, unsigned(bits));
  le32(info, compression);
  le32(info, uint32_t(data.size()));
  le32(info, 2835);
  le32(info, 2835);
  le32(info, uint32_t(palette_rgb.size()));
  le32(info, 0);
  info.resize(header_size, '\0');
  Bytes pal;
  for (uint32_t c : palette_rgb) pal += char(c & 0xff), pal += char((c >> 8) & 0xff), pal += char(c >> 16), pal += '\0';
  Bytes out = "BM";
  const uint32_t offset = 14 + uint32_t(info.size() + pal.size());
  le32(out, offset + uint32_t(data.size()));
  le32(out, 0);
  le32(out, offset);
  return out + info + pal + data;
}

std::vector<uint8_t> rgb(std::initializer_list<uint32_t> pixels) {
  std::vector<uint8_t> v;
  for (uint32_t p : pixels) v.push_back(uint8_t(p >> 16)), v.push_back(uint8_t(p >> 8)), v.push_back(uint8_t(p));
  return v;
}

// Palette entries as GIF colour-table bytes; the count must be a power of two (2..256).
Bytes colour_table(const std::vector<uint32_t>& p) {
  Bytes out;
  for (uint32_t v : p) out += char(v >> 16), out += char((v >> 8) & 0xff), out += char(v & 0xff);
  return out;
}
int table_bits(size_t n) {
  int bits = 1;
  while ((size_t{1} << bits) < n) ++bits;
  return bits - 1;
}

// A one-frame GIF, screen sw x sh, the frame at (left, top). LZW with minimum code size 8 where
// every pixel code follows a clear code, so that all codes stay 9 bits wide (valid, if large).
Bytes gif(int sw, int sh, int left, int top, int w, int h, const std::vector<uint8_t>& indices,
          const std::vector<uint32_t>* global_palette, const std::vector<uint32_t>* local_palette) {
  Bytes out = "GIF89a";
  le16(out, unsigned(sw));
  le16(out, unsigned(sh));
  out += char(global_palette ? 0x80 | 0x70 | table_bits(global_palette->size()) : 0x70);
  out += '\0';
  out += '\0';
  if (global_palette) out += colour_table(*global_palette);
  out += ',';
  le16(out, unsigned(left));
  le16(out, unsigned(top));
  le16(out, unsigned(w));
  le16(out, unsigned(h));
  out += char(local_palette ? 0x80 | table_bits(local_palette->size()) : 0);
  if (local_palette) out += colour_table(*local_palette);
  out += char(8);
  Bytes lzw;
  uint32_t acc = 0;
  int nbits = 0;
  auto put = [&](unsigned code) {
    acc |= uint32_t(code) << nbits;
    nbits += 9;
    while (nbits >= 8) lzw += char(acc & 0xff), acc >>= 8, nbits -= 8;
  };
  for (uint8_t i : indices) put(256), put(i);
  put(257);
  if (nbits) lzw += char(acc & 0xff);
  for (size_t at = 0; at < lzw.size(); at += 255) {
    const size_t n = std::min<size_t>(255, lzw.size() - at);
    out += char(n);
    out += lzw.substr(at, n);
  }
  out += '\0';
  out += ';';
  return out;
}

// A little-endian TIFF of 8-bit grey: one strip, or tiles when tile > 0; `data` follows the IFD.
Bytes tiff(uint32_t w, uint32_t h, const Bytes& data, uint32_t tile = 0) {
  const uint32_t entries = tile ? 9 : 8;
  const uint32_t data_at = 8 + 2 + 12 * entries + 4;
  std::vector<std::pair<uint16_t, uint32_t>> tags = {{256, w}, {257, h}, {258, 8}, {259, 1}, {262, 1}};
  if (tile)
    tags.insert(tags.end(), {{322, tile}, {323, tile}, {324, data_at}, {325, uint32_t(data.size())}});
  else
    tags.insert(tags.end(), {{273, data_at}, {278, h}, {279, uint32_t(data.size())}});
  Bytes out("II*\0", 4);
  le32(out, 8);
  le16(out, unsigned(tags.size()));
  for (const auto& [tag, value] : tags) {
    le16(out, tag);
    le16(out, 4);  // LONG
    le32(out, 1);
    le32(out, value);
  }
  le32(out, 0);
  return out + data;
}

}  // namespace

class TstFormatDecode : public QObject {
  Q_OBJECT

 private slots:
  // BmpRleDecoder (Pillow 12.2+): a delta (0, 1) skips one row of index 0; a run past the row's
  // end is clipped; end of line pads with index 0. Pillow before 12.2 read the delta's two bytes
  // from the wrong place (issue #9443), so its goldens cannot check this.
  void bmp_rle4_delta() {
    // 3x3, bottom-up: row 0 (bottom) "1 2 1", delta down one row, row 2 (top): run of 5 "3 4"
    // clipped to 3 pixels, end of bitmap.
    const Bytes data(
        "\x03\x12"
        "\x00\x00"
        "\x00\x02\x00\x01"
        "\x05\x34"
        "\x00\x01",
        12);
    const std::vector<uint32_t> pal = {0x000000, 0xff0000, 0x00ff00, 0x0000ff, 0xffffff};
    auto img = qwenvl::decode_image_memory(bmp(3, 3, 4, 2, pal, data), "rle4.bmp");
    QVERIFY2(img.ok(), img.message().c_str());
    QCOMPARE(img->pixels, rgb({0x0000ff, 0xffffff, 0x0000ff,     // top row (file row 2)
                               0x000000, 0x000000, 0x000000,     // skipped by the delta
                               0xff0000, 0x00ff00, 0xff0000}));  // bottom row (file row 0)
  }

  // Index past the palette: black (ImagingPaletteNew zero-fills since Pillow 10; 9.x had grey).
  void bmp_index_past_palette_is_black() {
    const Bytes row("\x00\x01\xc8\x00", 4);  // 3 pixels + padding
    auto img = qwenvl::decode_image_memory(bmp(3, 1, 8, 0, {0x102030, 0x405060, 0x708090, 0x010203}, row), "p.bmp");
    QVERIFY2(img.ok(), img.message().c_str());
    QCOMPARE(img->pixels, rgb({0x102030, 0x405060, 0x000000}));
  }

  // Headers of 52 and 56 bytes (Pillow 12.3 reads them; 9.4 refused them).
  void bmp_v2_v3_headers() {
    for (uint32_t size : {52u, 56u}) {
      const Bytes row("\x01\x02\x03\x04\x05\x06\x00\x00", 8);  // two BGR pixels + padding
      auto img = qwenvl::decode_image_memory(bmp(2, 1, 24, 0, {}, row, size), "v.bmp");
      QVERIFY2(img.ok(), img.message().c_str());
      QCOMPARE(img->pixels, rgb({0x030201, 0x060504}));
    }
  }

  // 16-bit with no bit fields is BGR;15: (v * 255 / 31) per 5-bit channel.
  void bmp_16bit_555() {
    Bytes row;
    le16(row, (31u << 10) | (16u << 5) | 1u);  // r 31, g 16, b 1
    le16(row, 0);
    auto img = qwenvl::decode_image_memory(bmp(1, 1, 16, 0, {}, row), "555.bmp");
    QVERIFY2(img.ok(), img.message().c_str());
    QCOMPARE(img->pixels, (std::vector<uint8_t>{255, uint8_t(16 * 255 / 31), uint8_t(255 / 31)}));
  }

  void bmp_refusals() {
    struct Case {
      Bytes file;
      const char* why;
    };
    const Bytes row(4, '\0');
    const std::vector<Case> cases = {
        {bmp(1, 1, 24, 4, {}, row), "compression"},                        // embedded JPEG
        {bmp(1, 1, 2, 0, {0, 1, 2, 3}, row), "depth"},                     // 2-bit: Pillow has no mode for it
        {bmp(1, 1, 16, 3, {}, Bytes(16, '\0')), "bitfields"},              // masks 0 after the header: unknown
        {bmp(1000, 1000, 24, 0, {}, row), "truncated"},                    // pixel data missing
        {bmp(70000, 70000, 24, 0, {}, row), "limit"},                      // over DecodeLimits' pixels
        {bmp(1, 1, 8, 0, std::vector<uint32_t>(300, 0), row), "palette"},  // > 256 entries
        {Bytes("BM\0\0", 4), "truncated"},
    };
    for (const Case& c : cases) {
      auto img = qwenvl::decode_image_memory(c.file, "bad.bmp");
      QVERIFY2(!img.ok(), c.why);
      QVERIFY2(img.message().find("bad.bmp") == 0, img.message().c_str());
      QVERIFY2(img.message().find(c.why) != std::string::npos, img.message().c_str());
    }
  }

  // No palette at all: Pillow opens mode "L" and the index is the grey value.
  void gif_without_palette_is_grey() {
    auto img = qwenvl::decode_image_memory(gif(2, 1, 0, 0, 2, 1, {7, 200}, nullptr, nullptr), "g.gif");
    QVERIFY2(img.ok(), img.message().c_str());
    QCOMPARE(img->pixels, rgb({0x070707, 0xc8c8c8}));
  }

  // A local palette of 2 entries with the LZW code size of 8: indices past it are black.
  void gif_index_past_local_palette_is_black() {
    const std::vector<uint32_t> local = {0x112233, 0x445566};
    auto img = qwenvl::decode_image_memory(gif(3, 1, 0, 0, 3, 1, {0, 1, 9}, nullptr, &local), "l.gif");
    QVERIFY2(img.ok(), img.message().c_str());
    QCOMPARE(img->pixels, rgb({0x112233, 0x445566, 0x000000}));
  }

  // The frame off the screen's corner: the rest is index 0 of the palette (no transparency).
  void gif_frame_offset_fills_index_0() {
    const std::vector<uint32_t> global = {0x0a0b0c, 0xffffff, 0x808080, 0x000001};
    auto img = qwenvl::decode_image_memory(gif(3, 2, 1, 1, 2, 1, {1, 2}, &global, nullptr), "o.gif");
    QVERIFY2(img.ok(), img.message().c_str());
    QCOMPARE(img->width, 3);
    QCOMPARE(img->height, 2);
    QCOMPARE(img->pixels, rgb({0x0a0b0c, 0x0a0b0c, 0x0a0b0c, 0x0a0b0c, 0xffffff, 0x808080}));
  }

  void gif_refusals() {
    const std::vector<uint32_t> global = {0, 0xffffff};
    const Bytes good = gif(4, 4, 0, 0, 4, 4, std::vector<uint8_t>(16, 1), &global, nullptr);
    for (size_t cut : {size_t(6), size_t(13), size_t(20), good.size() - 8}) {
      auto img = qwenvl::decode_image_memory(good.substr(0, cut), "cut.gif");
      QVERIFY2(!img.ok(), std::to_string(cut).c_str());
      QVERIFY2(img.message().find("cut.gif: ") == 0 && img.message().find("GIF") != std::string::npos,
               img.message().c_str());
    }
    // A huge screen is refused before any pixel buffer exists.
    Bytes huge = good;
    huge[6] = huge[7] = huge[8] = huge[9] = char(0xff);
    qwenvl::DecodeLimits limits;
    limits.max_pixels = 1u << 20;
    auto img = qwenvl::decode_image_memory(huge, "huge.gif", limits);
    QVERIFY(!img.ok());
    QVERIFY2(img.message().find("limit") != std::string::npos, img.message().c_str());
  }

  // Found by fuzzing the new seeds: a PNG cut inside IHDR (24 bytes) was read 2 bytes past its
  // end, and a GIF frame 0 pixels wide handed memcpy a null pointer (Pillow 9.4 refuses such a
  // frame: "image file is truncated", 12.3 too: "tile cannot extend outside image"; now so does the
  // engine). The bytes sit in a buffer of
  // exactly their size, so the sanitizer build sees any read past it.
  void fuzz_regressions() {
    const std::vector<char> png = {'\x89', 'P', 'N', 'G', '\r', '\n', '\x1a', '\n', 0, 0, 0, 13,
                                   'I',    'H', 'D', 'R', 0,    0,    0,      0,    0, 0, 0, '\x90'};
    auto p = qwenvl::decode_image_memory(std::string_view(png.data(), png.size()), "cut.png");
    QVERIFY(!p.ok());
    const std::vector<uint32_t> global = {0, 0xffffff};
    const Bytes g = gif(4, 2, 0, 0, 0, 2, {}, &global, nullptr);
    const std::vector<char> gb(g.begin(), g.end());
    auto z = qwenvl::decode_image_memory(std::string_view(gb.data(), gb.size()), "zero.gif");
    QVERIFY(!z.ok());
    QVERIFY2(z.message().find("zero.gif: ") == 0 && z.message().find("0x2") != std::string::npos, z.message().c_str());
  }

  // Files far too small for the size they claim are refused from the header, before the pixel
  // buffer exists (the message says so); a tile far larger than the picture too.
  void bombs_refused_before_decoding() {
    const std::vector<uint32_t> global = {0, 0xffffff};
    auto g = qwenvl::decode_image_memory(gif(10000, 10000, 0, 0, 10000, 10000, {1, 1, 1}, &global, nullptr), "b.gif");
    QVERIFY(!g.ok());
    QVERIFY2(g.message().find("refused before decoding") != std::string::npos, g.message().c_str());
    auto t = qwenvl::decode_image_memory(tiff(10000, 10000, Bytes(100, '\0')), "b.tif");
    QVERIFY(!t.ok());
    QVERIFY2(t.message().find("refused before decoding") != std::string::npos, t.message().c_str());
    auto tiles = qwenvl::decode_image_memory(tiff(16, 16, Bytes(256, '\0'), 32768), "t.tif");
    QVERIFY(!tiles.ok());
    QVERIFY2(tiles.message().find("tiles of 32768x32768") != std::string::npos, tiles.message().c_str());
    // The same files at honest sizes decode (so the refusals above are about the sizes).
    auto small = qwenvl::decode_image_memory(tiff(16, 16, Bytes(256, '\x7f')), "s.tif");
    QVERIFY2(small.ok(), small.message().c_str());
    QCOMPARE(small->pixels, std::vector<uint8_t>(16 * 16 * 3, 0x7f));
    auto tiled = qwenvl::decode_image_memory(tiff(16, 16, Bytes(256, '\x20'), 16), "t16.tif");
    QVERIFY2(tiled.ok(), tiled.message().c_str());
    QCOMPARE(tiled->pixels, std::vector<uint8_t>(16 * 16 * 3, 0x20));
  }

  void webp_and_tiff_refusals() {
    const Bytes riff("RIFF\x10\x00\x00\x00WEBPVP8 \x04\x00\x00\x00\x00\x00\x00\x00", 24);
    auto w = qwenvl::decode_image_memory(riff, "x.webp");
    QVERIFY(!w.ok());
    QVERIFY2(w.message().find("x.webp: ") == 0 && w.message().find("WebP") != std::string::npos, w.message().c_str());
    const Bytes tiff("II*\0\x08\x00\x00\x00\x00\x00", 10);  // an IFD with no entries
    auto t = qwenvl::decode_image_memory(tiff, "x.tif");
    QVERIFY(!t.ok());
    QVERIFY2(t.message().find("x.tif: ") == 0 && t.message().find("TIFF") != std::string::npos, t.message().c_str());
    // Neither message quotes the file's bytes.
    QVERIFY(w.message().find("VP8 ") == std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TstFormatDecode)
#include "tst_format_decode.moc"
