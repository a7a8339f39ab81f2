// Entry points for decoding: reads the file (bounded by DecodeLimits), sniffs the format from its
// first bytes (never the extension, as Pillow does), and hands it to that format's decoder.
// Also the public load_picture / load_picture_from_memory of qwenvl/picture.h.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "image/decoders.h"
#include "image/image.h"

namespace qwenvl {

namespace image_detail {

std::string too_many_pixels(const std::string& name, uint64_t width, uint64_t height, uint64_t max_pixels) {
  return name + ": image is " + std::to_string(width) + "x" + std::to_string(height) + " = " +
         std::to_string(width * height) + " pixels, over the limit of " + std::to_string(max_pixels) +
         " (a possible decompression bomb); refused before decoding";
}

}  // namespace image_detail

namespace {

bool starts_with(std::string_view bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && bytes.substr(0, magic.size()) == magic;
}

// Names formats people commonly mistake for supported ones, so that the message says what to do.
std::string describe_unknown(std::string_view b) {
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") return "it looks like a HEIF/AVIF image or a video";
  if (starts_with(b, "RIFF")) return "it is a RIFF file but not a WebP image";
  // The bytes themselves are never quoted: a conversation file may name any file on disk, and its
  // first bytes (a password file's "root:x:0") must not reach an error message.
  const size_t n = b.size() < 64 ? b.size() : 64;
  bool text = n > 0;
  for (size_t i = 0; i < n && text; ++i) {
    const auto c = static_cast<unsigned char>(b[i]);
    text = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t' || c >= 0x80;
  }
  if (text) return "it looks like a text file";
  return "its first bytes match none of these formats";
}

}  // namespace

namespace image_detail {

ImageFormat sniff_format(std::string_view b) {
  if (starts_with(b, std::string_view("\x89PNG\r\n\x1a\n", 8))) return ImageFormat::Png;
  if (starts_with(b, std::string_view("\xff\xd8\xff", 3))) return ImageFormat::Jpeg;
  if (starts_with(b, "GIF87a") || starts_with(b, "GIF89a")) return ImageFormat::Gif;
  if (starts_with(b, "BM")) return ImageFormat::Bmp;
  if (b.size() >= 12 && starts_with(b, "RIFF") && b.substr(8, 4) == "WEBP") return ImageFormat::Webp;
  // Pillow also takes the two byte-order marks with the magic number swapped, and BigTIFF.
  for (std::string_view m : {std::string_view("MM\0*", 4), std::string_view("II*\0", 4), std::string_view("MM*\0", 4),
                             std::string_view("II\0*", 4), std::string_view("MM\0+", 4), std::string_view("II+\0", 4)})
    if (starts_with(b, m)) return ImageFormat::Tiff;
  return ImageFormat::Unknown;
}

}  // namespace image_detail

Result<RgbImage> decode_image_memory(std::string_view bytes, const std::string& name_for_errors,
                                     const DecodeLimits& limits) {
  const std::string& name = name_for_errors;
  if (bytes.size() > limits.max_file_bytes) {
    return Result<RgbImage>::error(name + ": file is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                                   std::to_string(limits.max_file_bytes) + " bytes");
  }
  if (bytes.empty()) return Result<RgbImage>::error(name + ": cannot identify image file: it is empty");
  switch (image_detail::sniff_format(bytes)) {
    case image_detail::ImageFormat::Png:
      return image_detail::decode_png(bytes, name, limits);
    case image_detail::ImageFormat::Jpeg:
      return image_detail::decode_jpeg(bytes, name, limits);
    case image_detail::ImageFormat::Gif:
      return image_detail::decode_gif(bytes, name, limits);
    case image_detail::ImageFormat::Bmp:
      return image_detail::decode_bmp(bytes, name, limits);
    case image_detail::ImageFormat::Webp:
      return image_detail::decode_webp(bytes, name, limits);
    case image_detail::ImageFormat::Tiff:
      return image_detail::decode_tiff(bytes, name, limits);
    case image_detail::ImageFormat::Unknown:
      break;
  }
  return Result<RgbImage>::error(name + ": cannot identify image file: expected a JPEG, PNG, GIF, BMP, WebP or TIFF " +
                                 "picture, but " + describe_unknown(bytes));
}

Result<RgbImage> decode_image_file(const std::string& path, const DecodeLimits& limits) {
  // O_NONBLOCK so that a FIFO cannot stall the open; non-regular files are refused just below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Result<RgbImage>::error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Result<RgbImage>::error(path + ": cannot stat: " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Result<RgbImage>::error(
        path + ": not a regular file (" +
        (S_ISDIR(st.st_mode) ? std::string("a directory") : std::string("a device, pipe or socket")) + ")");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > limits.max_file_bytes) {
    ::close(fd);
    return Result<RgbImage>::error(path + ": file is " + std::to_string(size) + " bytes, over the limit of " +
                                   std::to_string(limits.max_file_bytes) + " bytes");
  }
  std::string data;
  try {
    data.resize(size);
  } catch (...) {
    ::close(fd);
    return Result<RgbImage>::error(path + ": not enough memory to read " + std::to_string(size) + " bytes");
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Result<RgbImage>::error(path + ": read error: " + std::strerror(e));
    }
    if (n == 0) break;  // the file shrank while reading; decode what is there
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(done);
  return decode_image_memory(data, path, limits);
}

Result<Picture> load_picture_from_memory(std::string_view bytes, const std::string& label, const DecodeLimits& limits) {
  Result<RgbImage> img = decode_image_memory(bytes, label.empty() ? std::string("<image in memory>") : label, limits);
  if (!img.ok()) return img.status();
  Picture p;
  p.label = label;
  p.width = img->width;
  p.height = img->height;
  p.rgb = std::move(img->pixels);
  return p;
}

Result<Picture> load_picture(const std::string& path, const DecodeLimits& limits) {
  Result<RgbImage> img = decode_image_file(path, limits);
  if (!img.ok()) return img.status();
  Picture p;
  p.label = path;
  p.width = img->width;
  p.height = img->height;
  p.rgb = std::move(img->pixels);
  return p;
}

}  // namespace qwenvl
