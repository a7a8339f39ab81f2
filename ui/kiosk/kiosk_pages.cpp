// The kiosk window's screens as widgets (built once) and its style; the flow between them is
// in kiosk_window.cpp.
#include <QGridLayout>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QPushButton>
#include <QScrollArea>
#include <QScroller>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "app/studio_app.h"
#include "ui/grounding_overlay.h"
#include "ui/image_canvas.h"
#include "ui/kiosk/kiosk_widgets.h"
#include "ui/kiosk/kiosk_window.h"

namespace qwenvl::ui {

namespace {
constexpr int kTilePx = 240;

QPushButton* touchButton(QWidget* parent, const char* objectName = nullptr) {
  auto* b = new QPushButton(parent);
  b->setMinimumHeight(kKioskTouchPx);
  b->setFocusPolicy(Qt::NoFocus);
  b->setContextMenuPolicy(Qt::NoContextMenu);
  if (objectName) b->setObjectName(QString::fromLatin1(objectName));
  return b;
}

QLabel* heading(QWidget* parent) {
  auto* l = new QLabel(parent);
  l->setObjectName(QStringLiteral("kioskHeading"));
  l->setWordWrap(true);
  l->setTextFormat(Qt::PlainText);
  return l;
}
}  // namespace

QWidget* KioskWindow::buildTopBar() {
  auto* bar = new QFrame(this);
  bar->setObjectName(QStringLiteral("kioskTopBar"));
  auto* layout = new QHBoxLayout(bar);
  layout->setContentsMargins(24, 8, 24, 8);
  m_logo = new QLabel(bar);
  const QString logo = m_controller->config().logo;
  if (!logo.isEmpty()) {
    QImageReader reader(logo);
    reader.setAutoTransform(false);
    const QImage image = reader.read();
    if (!image.isNull())
      m_logo->setPixmap(QPixmap::fromImage(image.scaledToHeight(kKioskTouchPx, Qt::SmoothTransformation)));
  }
  m_logo->setVisible(!m_logo->pixmap().isNull());
  m_title = new QLabel(bar);
  m_title->setObjectName(QStringLiteral("kioskTitle"));
  m_title->setTextFormat(Qt::PlainText);
  m_startOver = touchButton(bar, "kioskSecondary");
  connect(m_startOver, &QPushButton::clicked, this, [this] { m_controller->resetVisit(); });
  m_language = touchButton(bar, "kioskSecondary");
  m_language->setVisible(m_controller->config().languages.size() > 1);
  connect(m_language, &QPushButton::clicked, this, [this] {
    const QStringList& langs = m_controller->config().languages;
    const int i = int(langs.indexOf(m_controller->language()));
    m_controller->setLanguage(langs.value((i + 1) % langs.size()));
  });
  layout->addWidget(m_logo);
  layout->addWidget(m_title, 1);
  layout->addWidget(m_startOver);
  layout->addWidget(m_language);
  return bar;
}

QWidget* KioskWindow::buildAttract() {
  auto* page = new QWidget(this);
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(48, 24, 48, 48);
  m_attractCanvas = new ImageCanvas(page);
  m_attractCanvas->setFocusPolicy(Qt::NoFocus);
  m_attractOverlay = new GroundingOverlay(this);
  m_attractCanvas->addTool(m_attractOverlay);
  m_attractCanvas->installEventFilter(this);
  m_attractCaption = heading(page);
  m_attractCaption->setAlignment(Qt::AlignCenter);
  m_attractHint = new QLabel(page);
  m_attractHint->setAlignment(Qt::AlignCenter);
  m_attractHint->setWordWrap(true);
  m_start = touchButton(page, "kioskPrimary");
  m_start->setMinimumHeight(kKioskTouchPx * 3 / 2);
  connect(m_start, &QPushButton::clicked, this, [this] {
    m_controller->startVisit();
    showScreen(Screen::Choose);
  });
  layout->addWidget(m_attractCanvas, 1);
  layout->addWidget(m_attractCaption);
  layout->addWidget(m_attractHint);
  layout->addWidget(m_start, 0, Qt::AlignHCenter);
  for (const app::KioskAttractItem& item : m_controller->config().attract) {
    QImageReader reader(item.picture);
    reader.setAutoTransform(false);  // as the model's decoder: no EXIF rotation
    m_attractImages << reader.read().convertToFormat(QImage::Format_RGB888);
  }
  m_attractCanvas->setVisible(!m_attractImages.isEmpty());
  m_attractTimer.setInterval(m_controller->config().attractSeconds * 1000);
  connect(&m_attractTimer, &QTimer::timeout, this, [this] { showAttractItem(m_attractIndex + 1); });
  return page;
}

QWidget* KioskWindow::buildChoose() {
  auto* page = new QWidget(this);
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(48, 24, 48, 24);
  m_chooseTitle = heading(page);
  layout->addWidget(m_chooseTitle);
  m_cameraTile = touchButton(page, "kioskPrimary");
  m_cameraTile->setMinimumHeight(kKioskTouchPx * 2);
  m_cameraTile->setVisible(isCameraOffered());
  connect(m_cameraTile, &QPushButton::clicked, this, [this] { showScreen(Screen::Camera); });
  layout->addWidget(m_cameraTile);
  auto* scroll = new QScrollArea(page);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  QScroller::grabGesture(scroll->viewport(), QScroller::TouchGesture);  // swipe to scroll
  auto* grid = new QWidget(scroll);
  auto* gridLayout = new QGridLayout(grid);
  gridLayout->setSpacing(16);
  int n = 0;
  for (const QString& path : m_controller->folderPictures()) {
    QImageReader reader(path);
    reader.setAutoTransform(false);
    const QSize size = reader.size();
    if (size.isValid()) reader.setScaledSize(size.scaled(kTilePx, kTilePx, Qt::KeepAspectRatio));
    const QImage thumb = reader.read();
    if (thumb.isNull()) continue;
    auto* tile = touchButton(grid, "kioskTile");
    tile->setIcon(QPixmap::fromImage(thumb));
    tile->setIconSize(QSize(kTilePx, kTilePx));
    tile->setMinimumSize(kTilePx + 24, kTilePx + 24);
    tile->setProperty("picturePath", path);
    connect(tile, &QPushButton::clicked, this, [this, path] {
      if (m_controller->choosePicture(path)) showScreen(Screen::Visit);
    });
    gridLayout->addWidget(tile, n / 4, n % 4);
    m_tiles << tile;
    ++n;
  }
  gridLayout->setRowStretch(n / 4 + 1, 1);
  scroll->setWidget(grid);
  scroll->setVisible(!m_tiles.isEmpty());
  layout->addWidget(scroll, 1);
  return page;
}

QWidget* KioskWindow::buildCamera() {
  auto* page = new QWidget(this);
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(48, 24, 48, 24);
  m_preview = new QLabel(page);
  m_preview->setAlignment(Qt::AlignCenter);
  m_preview->setMinimumSize(320, 240);
  m_preview->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  m_cameraStatus = new QLabel(page);
  m_cameraStatus->setAlignment(Qt::AlignCenter);
  m_cameraStatus->setWordWrap(true);
  auto* row = new QHBoxLayout;
  m_cameraBack = touchButton(page, "kioskSecondary");
  connect(m_cameraBack, &QPushButton::clicked, this, [this] { showScreen(Screen::Choose); });
  m_take = touchButton(page, "kioskPrimary");
  m_take->setMinimumHeight(kKioskTouchPx * 3 / 2);
  connect(m_take, &QPushButton::clicked, this, [this] {
    if (!m_camera) return;
    m_cameraStatus->clear();
    m_camera->capture();
  });
  row->addWidget(m_cameraBack);
  row->addStretch();
  row->addWidget(m_take);
  row->addStretch();
  layout->addWidget(m_preview, 1);
  layout->addWidget(m_cameraStatus);
  layout->addLayout(row);
  if (m_camera) {
    connect(m_camera, &app::CameraSource::previewFrame, this, [this](const QImage& frame) {
      if (m_screen != Screen::Camera) return;
      m_preview->setPixmap(QPixmap::fromImage(frame.scaled(m_preview->size(), Qt::KeepAspectRatio)));
    });
    connect(m_camera, &app::CameraSource::captured, this, [this](const QImage& frame) {
      if (m_screen != Screen::Camera) return;
      m_controller->useCameraFrame(frame);
      showScreen(Screen::Visit);
    });
    connect(m_camera, &app::CameraSource::failed, this, [this](const QString& message) {
      m_cameraStatus->setText(tr("The camera did not work: %1").arg(message));
    });
  }
  return page;
}

QWidget* KioskWindow::buildVisit() {
  auto* page = new QWidget(this);
  auto* layout = new QHBoxLayout(page);
  layout->setContentsMargins(24, 16, 24, 24);
  m_canvas = new ImageCanvas(page);
  m_canvas->setFocusPolicy(Qt::NoFocus);
  m_overlay = new GroundingOverlay(this);
  m_canvas->addTool(m_overlay);
  m_canvas->installEventFilter(this);
  layout->addWidget(m_canvas, 3);
  auto* side = new QVBoxLayout;
  m_status = new QLabel(page);
  m_status->setObjectName(QStringLiteral("kioskStatus"));
  m_status->setWordWrap(true);
  m_status->setTextFormat(Qt::PlainText);
  m_question = heading(page);
  m_answer = new KioskAnswerView(page);
  connect(m_answer, &KioskAnswerView::refTapped, this, &KioskWindow::setHighlightedRef);
  m_questionsTitle = heading(page);
  m_questionsLayout = new QGridLayout;
  auto* typing = new QHBoxLayout;
  m_typed = new QLineEdit(page);
  m_typed->setMinimumHeight(kKioskTouchPx);
  m_typed->setContextMenuPolicy(Qt::NoContextMenu);
  m_typed->setDragEnabled(false);
  m_typed->setAcceptDrops(false);
  m_typed->setMaxLength(500);
  m_ask = touchButton(page, "kioskPrimary");
  connect(m_typed, &QLineEdit::returnPressed, m_ask, &QPushButton::click);
  connect(m_ask, &QPushButton::clicked, this, [this] { askQuestion(m_typed->text()); });
  typing->addWidget(m_typed, 1);
  typing->addWidget(m_ask);
  const bool typingOffered = m_controller->config().typing;
  m_typed->setVisible(typingOffered);
  m_ask->setVisible(typingOffered);
  m_otherPicture = touchButton(page, "kioskSecondary");
  connect(m_otherPicture, &QPushButton::clicked, this, [this] { showScreen(Screen::Choose); });
  side->addWidget(m_status);
  side->addWidget(m_question);
  side->addWidget(m_answer, 1);
  side->addWidget(m_questionsTitle);
  side->addLayout(m_questionsLayout);
  side->addLayout(typing);
  side->addWidget(m_otherPicture);
  layout->addLayout(side, 2);
  return page;
}

void KioskWindow::applyStyle() {
  const QColor accent = m_controller->config().accent;
  const QString text = accent.lightness() > 150 ? QStringLiteral("#000000") : QStringLiteral("#ffffff");
  QFont f = font();
  f.setPixelSize(22);
  setFont(f);
  setStyleSheet(QStringLiteral("QWidget { font-size: 22px; }"
                               "QPushButton { min-height: %3px; padding: 8px 24px; border-radius: 12px;"
                               " border: 2px solid %1; background: palette(button); }"
                               "QPushButton#kioskPrimary { background: %1; color: %2; font-size: 26px; }"
                               "QPushButton:disabled { color: palette(mid); border-color: palette(mid); }"
                               "QPushButton#kioskTile { padding: 4px; }"
                               "QLineEdit { min-height: %3px; font-size: 24px; padding: 4px 12px; }"
                               "QFrame#kioskTopBar { border-bottom: 4px solid %1; }"
                               "QLabel#kioskTitle { font-size: 32px; font-weight: bold; }"
                               "QLabel#kioskHeading { font-size: 28px; font-weight: bold; }"
                               "QLabel#kioskCountdownTitle { font-size: 56px; font-weight: bold; }"
                               "QFrame#kioskCountdown { background: rgba(0, 0, 0, 200); color: white; }"
                               "QFrame#kioskCountdown QLabel { color: white; font-size: 30px; }")
                    .arg(accent.name(), text)
                    .arg(kKioskTouchPx));
}

}  // namespace qwenvl::ui
