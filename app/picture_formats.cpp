// Picture formats as the app offers them; see picture_formats.h. Every parser here is bounded by
// the bytes it is given and gives up (0 / false) on anything malformed.
#include "app/picture_formats.h"

namespace qwenvl::app {

namespace {

quint32 be32(const QByteArray& b, qsizetype at) {
  const auto* p = reinterpret_cast<const uchar*>(b.constData() + at);
  return quint32(p[0]) << 24 | quint32(p[1]) << 16 | quint32(p[2]) << 8 | p[3];
}
quint32 le32(const QByteArray& b, qsizetype at) {
  const auto* p = reinterpret_cast<const uchar*>(b.constData() + at);
  return quint32(p[3]) << 24 | quint32(p[2]) << 16 | quint32(p[1]) << 8 | p[0];
}
uint u8(const QByteArray& b, qsizetype at) { return static_cast<uchar>(b[at]); }

bool isTiff(const QByteArray& b) {
  return b.startsWith(QByteArray("II*\0", 4)) || b.startsWith(QByteArray("MM\0*", 4)) ||
         b.startsWith(QByteArray("MM*\0", 4)) || b.startsWith(QByteArray("II\0*", 4)) ||
         b.startsWith(QByteArray("MM\0+", 4)) || b.startsWith(QByteArray("II+\0", 4));
}
bool isWebp(const QByteArray& b) { return b.size() >= 12 && b.startsWith("RIFF") && b.mid(8, 4) == "WEBP"; }

// Orientation (tag 0x0112) from IFD0 of a TIFF-structured EXIF block; 0 when absent or malformed.
int orientationFromTiff(const QByteArray& t) {
  if (t.size() < 8) return 0;
  const bool le = t.startsWith("II");
  if (!le && !t.startsWith("MM")) return 0;
  auto r16 = [&](qsizetype at) -> uint { return le ? u8(t, at) | u8(t, at + 1) << 8 : u8(t, at) << 8 | u8(t, at + 1); };
  auto r32 = [&](qsizetype at) -> quint32 { return le ? le32(t, at) : be32(t, at); };
  const quint32 ifd = r32(4);
  if (ifd > quint32(t.size()) || t.size() - ifd < 2) return 0;
  const uint count = r16(ifd);
  for (uint i = 0; i < count; ++i) {
    const qsizetype e = ifd + 2 + qsizetype(i) * 12;
    if (e + 12 > t.size()) return 0;
    if (r16(e) == 0x0112 && r16(e + 2) == 3) {
      const uint v = r16(e + 8);
      return v >= 1 && v <= 8 ? int(v) : 0;
    }
  }
  return 0;
}

QByteArray exifOfJpeg(const QByteArray& b) {
  qsizetype pos = 2;
  for (int segments = 0; segments < 256 && pos + 4 <= b.size(); ++segments) {
    if (u8(b, pos) != 0xFF) return {};
    const uint marker = u8(b, pos + 1);
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return {};  // image data: EXIF comes before it
    const qsizetype len = qsizetype(u8(b, pos + 2) << 8 | u8(b, pos + 3));
    if (len < 2 || pos + 2 + len > b.size()) return {};
    if (marker == 0xE1 && len >= 8 && b.mid(pos + 4, 6) == QByteArray("Exif\0\0", 6)) return b.mid(pos + 10, len - 8);
    pos += 2 + len;
  }
  return {};
}

QByteArray exifOfPng(const QByteArray& b) {
  qsizetype pos = 8;
  while (pos + 8 <= b.size()) {
    const quint32 len = be32(b, pos);
    const QByteArray type = b.mid(pos + 4, 4);
    if (len > quint32(b.size()) || pos + 12 + qsizetype(len) > b.size()) return {};
    if (type == "eXIf") return b.mid(pos + 8, len);
    if (type == "IDAT" || type == "IEND") return {};
    pos += 12 + qsizetype(len);
  }
  return {};
}

QByteArray exifOfWebp(const QByteArray& b) {
  qsizetype pos = 12;
  while (pos + 8 <= b.size()) {
    const quint32 len = le32(b, pos + 4);  // after the chunk's four-letter name
    if (len > quint32(b.size()) || pos + 8 + qsizetype(len) > b.size()) return {};
    if (b.mid(pos, 4) == "EXIF") {
      QByteArray e = b.mid(pos + 8, len);
      if (e.startsWith(QByteArray("Exif\0\0", 6))) e.remove(0, 6);
      return e;
    }
    pos += 8 + qsizetype(len) + (len & 1);
  }
  return {};
}

// Counts the images of a GIF, up to 2, walking its blocks.
int gifImages(const QByteArray& b) {
  if (b.size() < 13) return 0;
  qsizetype pos = 13 + ((u8(b, 10) & 0x80) ? (3 << ((u8(b, 10) & 7) + 1)) : 0);
  int images = 0;
  auto skipSubBlocks = [&]() {
    while (pos < b.size() && u8(b, pos) != 0) pos += 1 + u8(b, pos);
    ++pos;
  };
  while (pos < b.size() && images < 2) {
    const uint kind = u8(b, pos);
    if (kind == 0x21) {
      pos += 2;
      skipSubBlocks();
    } else if (kind == 0x2C) {
      if (pos + 10 > b.size()) break;
      ++images;
      const uint flags = u8(b, pos + 9);
      pos += 10 + ((flags & 0x80) ? (3 << ((flags & 7) + 1)) : 0) + 1;  // descriptor, palette, LZW size
      skipSubBlocks();
    } else {
      break;  // trailer or junk
    }
  }
  return images;
}

}  // namespace

QString PictureFormats::fileDialogFilter() {
  return tr("Pictures (*.jpg *.jpeg *.png *.gif *.bmp *.webp *.tif *.tiff)") + QStringLiteral(";;") +
         tr("All files (*)");
}

QStringList PictureFormats::mimeTypes() {
  return {QStringLiteral("image/png"), QStringLiteral("image/jpeg"), QStringLiteral("image/webp"),
          QStringLiteral("image/gif"), QStringLiteral("image/bmp"),  QStringLiteral("image/tiff")};
}

QString PictureFormats::extensionFor(const QByteArray& b) {
  if (b.startsWith("\x89PNG\r\n\x1a\n")) return QStringLiteral("png");
  if (b.startsWith("\xff\xd8\xff")) return QStringLiteral("jpg");
  if (b.startsWith("GIF87a") || b.startsWith("GIF89a")) return QStringLiteral("gif");
  if (b.startsWith("BM")) return QStringLiteral("bmp");
  if (isWebp(b)) return QStringLiteral("webp");
  if (isTiff(b)) return QStringLiteral("tif");
  return {};
}

int PictureFormats::exifOrientation(const QByteArray& b) {
  const QString ext = extensionFor(b);
  if (ext == QLatin1String("jpg")) return orientationFromTiff(exifOfJpeg(b));
  if (ext == QLatin1String("png")) return orientationFromTiff(exifOfPng(b));
  if (ext == QLatin1String("webp")) return orientationFromTiff(exifOfWebp(b));
  return 0;
}

bool PictureFormats::isAnimated(const QByteArray& b) {
  const QString ext = extensionFor(b);
  if (ext == QLatin1String("gif")) return gifImages(b) > 1;
  // The extended header's animation flag (VP8X, flags byte bit 1).
  if (ext == QLatin1String("webp")) return b.size() >= 21 && b.mid(12, 4) == "VP8X" && (u8(b, 20) & 0x02);
  return false;
}

QString PictureFormats::modelViewNote(const QByteArray& bytes) {
  QStringList notes;
  if (const int o = exifOrientation(bytes); o > 1) {
    notes << tr("Shown as the model sees it: the file asks to be turned or mirrored (EXIF orientation %1), "
                "but the model gets the picture as stored.")
                 .arg(o);
  }
  if (isAnimated(bytes)) notes << tr("Only the first frame of this animation is used, as the model sees it.");
  return notes.join(QLatin1Char(' '));
}

}  // namespace qwenvl::app
