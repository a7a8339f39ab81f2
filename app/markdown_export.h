// Export of a conversation to Markdown: NAME.md plus a folder NAME_files/ with each picture as
// it was read and, for every reply with boxes, its picture annotated by the same painter the
// screen uses. All files are written with QSaveFile. Safe on any thread.
#pragma once

#include <QCoreApplication>
#include <QImage>
#include <QString>
#include <QVector>

#include "app/conversation.h"

namespace qwenvl::app {

class MarkdownExport {
  Q_DECLARE_TR_FUNCTIONS(MarkdownExport)

 public:
  // `images` holds the decoded picture of each entry of data.pictures, in order. Returns an
  // error message, or an empty string on success.
  static QString write(const ConversationData& data, const QVector<QImage>& images, const QString& path);
  static QString filesFolder(const QString& path);  // "NAME_files" beside NAME.md
  // Grounded text for people: each ref phrase followed by its boxes in pixels of `picture`
  // ("the visor (box 583,690–797,868 px)"), no markup. `escape`: the text is the user's own
  // words (Markdown characters escaped); a reply's Markdown is kept.
  static QString readable(const Grounding& grounding, QSize picture, bool escape);
};

}  // namespace qwenvl::app
