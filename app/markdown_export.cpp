// Markdown export; see markdown_export.h.
#include "app/markdown_export.h"

#include <QDir>
#include <QFileInfo>
#include <QImageWriter>
#include <QLocale>
#include <QUrl>

#include "app/annotation_painter.h"
#include "app/file_io.h"
#include "app/picture_formats.h"
#include "app/reply_format.h"

namespace qwenvl::app {

namespace {

QString savePng(const QString& path, const QImage& image) {
  return FileIo::saveAtomically(path, [&image](QIODevice* device) {
    QImageWriter writer(device, "png");
    return writer.write(image) ? QString() : writer.errorString();
  });
}

// User text is shown literally: markup characters are escaped, the grounding tags stay visible.
QString escapeMarkdown(const QString& text) {
  QString out;
  for (const QChar c : text) {
    if (QStringLiteral("\\`*_{}[]<>#|").contains(c)) out += QLatin1Char('\\');
    out += c;
  }
  return out;
}

QString link(const QString& folderName, const QString& file) {
  return QString::fromLatin1(QUrl::toPercentEncoding(folderName)) + QLatin1Char('/') +
         QString::fromLatin1(QUrl::toPercentEncoding(file));
}

QString boxText(const GroundedBox& b, QSize picture) {
  QStringList corners;
  for (const QPoint& p : b.points) {
    corners
        << QStringLiteral("%1,%2").arg(modelToPixel(p.x(), picture.width())).arg(modelToPixel(p.y(), picture.height()));
  }
  return MarkdownExport::tr("box %1 px").arg(corners.join(QStringLiteral("–")));
}

}  // namespace

QString MarkdownExport::readable(const Grounding& g, QSize picture, bool escape) {
  auto plain = [escape](const QString& t) { return escape ? escapeMarkdown(t) : t; };
  QString out;
  int at = 0;
  for (int k = 0; k < g.refs.size(); ++k) {
    const RefSpan& r = g.refs[k];
    if (r.begin < at || r.end > g.displayText.size()) continue;
    out += plain(g.displayText.mid(at, r.end - at));
    QStringList boxes;
    if (!picture.isEmpty()) {
      for (const GroundedBox& b : g.boxes) {
        if (b.ref == k) boxes << boxText(b, picture);
      }
    }
    if (!boxes.isEmpty()) out += QStringLiteral(" (%1)").arg(boxes.join(QStringLiteral("; ")));
    at = r.end;
  }
  out += plain(g.displayText.mid(at));
  QStringList loose;
  if (!picture.isEmpty()) {
    for (const GroundedBox& b : g.boxes) {
      if (b.ref < 0) loose << boxText(b, picture);
    }
  }
  if (!loose.isEmpty()) out += QStringLiteral(" (%1)").arg(loose.join(QStringLiteral("; ")));
  return out;
}

QString MarkdownExport::filesFolder(const QString& path) {
  const QFileInfo info(path);
  return info.absoluteDir().filePath(info.completeBaseName() + QStringLiteral("_files"));
}

QString MarkdownExport::write(const ConversationData& data, const QVector<QImage>& images, const QString& path) {
  if (images.size() != data.pictures.size()) return tr("The pictures of the conversation are not all decoded yet.");
  const QString folder = filesFolder(path);
  const QString folderName = QFileInfo(folder).fileName();
  if (!QDir().mkpath(folder)) return tr("Cannot create the folder “%1”.").arg(folder);

  QHash<int, int> indexOf;
  QHash<int, QString> pictureFile;
  for (int i = 0; i < data.pictures.size(); ++i) {
    const PictureData& p = data.pictures[i];
    indexOf.insert(p.id, i);
    QString ext = PictureFormats::extensionFor(p.bytes);
    if (ext.isEmpty()) ext = QStringLiteral("bin");
    const QString name = QStringLiteral("picture-%1.%2").arg(p.id).arg(ext);
    if (const QString err = FileIo::saveAtomically(QDir(folder).filePath(name), p.bytes); !err.isEmpty()) {
      return tr("Cannot write “%1”: %2").arg(name, err);
    }
    pictureFile.insert(p.id, name);
  }

  QString md;
  md += QStringLiteral("# %1\n\n").arg(tr("Conversation with Qwen-VL"));
  md += QStringLiteral("*%1*\n\n")
            .arg(tr("Exported from QwenVL Studio on %1")
                     .arg(QLocale().toString(QDateTime::currentDateTime(), QLocale::LongFormat)));
  if (!data.systemPrompt.isEmpty()) {
    md += QStringLiteral("> **%1** %2\n\n").arg(tr("System prompt:"), escapeMarkdown(data.systemPrompt));
  }
  int latestPicture = -1;  // the picture a question's regions are drawn on
  for (const Message& m : data.messages) {
    if (m.role == Role::User) {
      if (!m.pictureIds.isEmpty()) latestPicture = m.pictureIds.back();
      md += QStringLiteral("## %1\n\n").arg(tr("You"));
      for (int id : m.pictureIds) {
        const PictureData& p = data.pictures[indexOf.value(id)];
        md += QStringLiteral("![%1](%2)\n\n").arg(escapeMarkdown(p.name), link(folderName, pictureFile.value(id)));
      }
      if (!m.text.isEmpty()) {
        const QSize size = indexOf.contains(latestPicture) ? images[indexOf.value(latestPicture)].size() : QSize();
        md += readable(Grounding::parse(m.text, true), size, true) + QStringLiteral("\n\n");
      }
      continue;
    }
    md += QStringLiteral("## %1\n\n").arg(tr("Qwen-VL"));
    const Grounding g = Grounding::parse(m.text, true);
    const QSize target =
        indexOf.contains(m.targetPictureId) ? images[indexOf.value(m.targetPictureId)].size() : QSize();
    md += readable(g, target, false) + QStringLiteral("\n\n");
    if (!g.boxes.isEmpty() && indexOf.contains(m.targetPictureId)) {
      const QImage& image = images[indexOf.value(m.targetPictureId)];
      const QImage annotated = renderAnnotated(image, annotationBoxes(g, image.size()));
      const QString name = QStringLiteral("reply-%1-boxes.png").arg(m.id);
      if (const QString err = savePng(QDir(folder).filePath(name), annotated); !err.isEmpty()) {
        return tr("Cannot write “%1”: %2").arg(name, err);
      }
      const QString pictureName = data.pictures[indexOf.value(m.targetPictureId)].name;
      md += QStringLiteral("![%1](%2)\n\n")
                .arg(escapeMarkdown(tr("Boxes on %1").arg(pictureName)), link(folderName, name));
    }
    QStringList notes;
    if (const QString state = ReplyFormat::state(m); !state.isEmpty()) notes << state;
    if (const QString stats = ReplyFormat::stats(m.stats); !stats.isEmpty()) notes << stats;
    if (!notes.isEmpty()) md += QStringLiteral("*%1*\n\n").arg(escapeMarkdown(notes.join(QStringLiteral(" — "))));
  }
  if (const QString err = FileIo::saveAtomically(path, md.toUtf8()); !err.isEmpty()) {
    return tr("Cannot write “%1”: %2").arg(QFileInfo(path).fileName(), err);
  }
  return {};
}

}  // namespace qwenvl::app
