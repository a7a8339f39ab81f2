// One message of the chat: who wrote it, the text (a reply as basic Markdown with the grounding
// markup removed and each ref phrase tinted in its box colour), the reply's state and
// statistics, the versions Regenerate kept ("‹ 1/2 ›"), and Copy / Regenerate. Hovering a phrase
// reports its ref; the canvas answers by lighting up that ref's boxes, and the canvas' hover
// lights up the phrase here.
#pragma once

#include <QFrame>
#include <QTextBrowser>

#include "app/conversation.h"
#include "ui/ref_markdown.h"

class QLabel;
class QMimeData;
class QPushButton;
class QToolButton;

namespace qwenvl::ui {

// A read-only text view as tall as its text, that reports which ref phrase the mouse is over.
class MessageText : public QTextBrowser {
  Q_OBJECT
 public:
  explicit MessageText(QWidget* parent = nullptr);
  static constexpr int kRefProperty = ref_markdown::kRefProperty;
  int refAt(const QPoint& viewportPos) const;

 signals:
  void hoveredRefChanged(int ref);

 protected:
  bool viewportEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void fitHeight();
  int m_hovered = -1;
};

class MessageView : public QFrame {
  Q_OBJECT
 public:
  MessageView(int messageId, QWidget* parent = nullptr);
  int messageId() const { return m_id; }

  void setMessage(const app::Message& message, const app::Conversation& conversation);
  void setHighlightedRef(int ref);
  void setCanRegenerate(bool can);
  QString bodyText() const;      // the text as shown
  QString markdownText() const;  // the reply's Markdown, markup removed (what Copy copies as text)
  // What Copy puts on the clipboard: the Markdown as text, and the rendered reply as HTML.
  QMimeData* copyMimeData() const;
  MessageText* textView() const { return m_text; }
  QPushButton* copyButton() const { return m_copy; }
  QPushButton* regenerateButton() const { return m_regenerate; }
  QPushButton* editButton() const { return m_edit; }
  QToolButton* previousVersionButton() const { return m_previousVersion; }
  QToolButton* nextVersionButton() const { return m_nextVersion; }
  QLabel* versionLabel() const { return m_versionLabel; }
  QList<QToolButton*> pictureButtons() const { return m_thumbs; }

 signals:
  void refHovered(int messageId, int ref);
  void copyRequested(int messageId);
  void regenerateRequested(int messageId);
  // Another answer Regenerate kept (a reply), or another branch from here (a question).
  void versionRequested(int messageId, int index);
  void editRequested(int messageId);
  void pictureClicked(int pictureId);
  void activated(int messageId);

 protected:
  void changeEvent(QEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void retranslateUi();
  void render();

  int m_id;
  app::Message m_message;
  QList<QToolButton*> m_thumbs;
  int m_highlighted = -1;
  QString m_renderedKey;
  QStringList m_codeBlocks;  // for the "Copy code" links
  QLabel* m_author;
  QWidget* m_pictures;
  MessageText* m_text;
  QLabel* m_status;
  QPushButton* m_copy;
  QPushButton* m_regenerate;
  QPushButton* m_edit;
  QToolButton* m_previousVersion;
  QLabel* m_versionLabel;
  QToolButton* m_nextVersion;
};

}  // namespace qwenvl::ui
