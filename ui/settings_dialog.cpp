// The settings dialog; see settings_dialog.h.
#include "ui/settings_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

#include "app/language_manager.h"
#include "qwenvl/sampling.h"

namespace qwenvl::ui {

SettingsDialog::SettingsDialog(app::AppSettings* settings, const app::CudaStatus& cuda, QWidget* parent)
    : QDialog(parent), m_settings(settings), m_cuda(cuda) {
  m_tabs = new QTabWidget(this);

  auto* model = new QWidget;
  auto* modelForm = new QFormLayout(model);
  m_modelDirLabel = new QLabel;
  m_modelDir = new QLineEdit;
  m_browse = new QPushButton;
  auto* dirRow = new QHBoxLayout;
  dirRow->addWidget(m_modelDir, 1);
  dirRow->addWidget(m_browse);
  modelForm->addRow(m_modelDirLabel, dirRow);
  m_modelDirLabel->setBuddy(m_modelDir);
  m_backendLabel = new QLabel;
  m_cudaButton = new QRadioButton;
  m_cpuButton = new QRadioButton;
  auto* backendColumn = new QVBoxLayout;
  backendColumn->addWidget(m_cudaButton);
  backendColumn->addWidget(m_cpuButton);
  m_cudaNote = new QLabel;
  m_cudaNote->setWordWrap(true);
  backendColumn->addWidget(m_cudaNote);
  // The CUDA backend's low-memory mode (applied by a reload, like a change of backend).
  m_lowMemory = new QCheckBox;
  m_lowMemoryNote = new QLabel;
  m_lowMemoryNote->setWordWrap(true);
  backendColumn->addWidget(m_lowMemory);
  backendColumn->addWidget(m_lowMemoryNote);
  modelForm->addRow(m_backendLabel, backendColumn);
  m_threadsLabel = new QLabel;
  m_threads = new QSpinBox;
  m_threads->setRange(0, std::max(1, QThread::idealThreadCount()) * 2);
  modelForm->addRow(m_threadsLabel, m_threads);
  m_threadsLabel->setBuddy(m_threads);
  // Server: an OpenAI-compatible server answers instead of the local engine while its URL is set.
  m_serverLabel = new QLabel;
  m_serverUrl = new QLineEdit;
  m_serverKey = new QLineEdit;
  m_serverKey->setEchoMode(QLineEdit::Password);
  m_serverModel = new QLineEdit;
  auto* serverColumn = new QFormLayout;
  m_serverKeyLabel = new QLabel;
  m_serverModelLabel = new QLabel;
  serverColumn->addRow(m_serverUrl);
  serverColumn->addRow(m_serverKeyLabel, m_serverKey);
  serverColumn->addRow(m_serverModelLabel, m_serverModel);
  modelForm->addRow(m_serverLabel, serverColumn);
  m_serverLabel->setBuddy(m_serverUrl);
  m_serverKeyLabel->setBuddy(m_serverKey);
  m_serverModelLabel->setBuddy(m_serverModel);

  auto* generation = new QWidget;
  auto* genForm = new QFormLayout(generation);
  m_greedy = new QCheckBox;
  genForm->addRow(m_greedy);
  // Every range, step and precision is the engine's (qwenvl::sampling_limits), so the dialog
  // accepts exactly what the engine accepts.
  const SamplingLimits& limits = sampling_limits();
  auto addDouble = [genForm](QLabel*& label, QDoubleSpinBox*& box, const RealLimit& limit) {
    label = new QLabel;
    box = new QDoubleSpinBox;
    box->setDecimals(limit.decimals);  // before the range, which it rounds
    box->setRange(limit.min, limit.max);
    box->setSingleStep(limit.step);
    label->setBuddy(box);
    genForm->addRow(label, box);
  };
  auto intRange = [](QSpinBox* box, const IntLimit& limit) {
    constexpr int64_t kIntMax = std::numeric_limits<int>::max();
    box->setRange(static_cast<int>(std::clamp<int64_t>(limit.min, 0, kIntMax)),
                  static_cast<int>(std::clamp<int64_t>(limit.max, 0, kIntMax)));
  };
  addDouble(m_temperatureLabel, m_temperature, limits.temperature);
  addDouble(m_topPLabel, m_topP, limits.top_p);
  m_topKLabel = new QLabel;
  m_topK = new QSpinBox;
  intRange(m_topK, limits.top_k);
  m_topKLabel->setBuddy(m_topK);
  genForm->addRow(m_topKLabel, m_topK);
  addDouble(m_repetitionLabel, m_repetition, limits.repetition_penalty);
  m_maxNewLabel = new QLabel;
  m_maxNew = new QSpinBox;
  intRange(m_maxNew, limits.max_new_tokens);
  m_maxNewLabel->setBuddy(m_maxNew);
  genForm->addRow(m_maxNewLabel, m_maxNew);
  m_fixedSeed = new QCheckBox;
  m_seed = new QSpinBox;
  m_seed->setRange(0, std::numeric_limits<int>::max());
  genForm->addRow(m_fixedSeed, m_seed);
  m_defaults = new QPushButton;
  genForm->addRow(m_defaults);

  auto* conversation = new QWidget;
  auto* convLayout = new QVBoxLayout(conversation);
  m_systemLabel = new QLabel;
  m_system = new QPlainTextEdit;
  m_system->setTabChangesFocus(true);
  m_systemLabel->setBuddy(m_system);
  m_restore = new QCheckBox;
  convLayout->addWidget(m_systemLabel);
  convLayout->addWidget(m_system, 1);
  convLayout->addWidget(m_restore);

  auto* interface = new QWidget;
  auto* uiForm = new QFormLayout(interface);
  m_languageLabel = new QLabel;
  m_language = new QComboBox;
  for (const QString& code : app::AppSettings::languages())
    m_language->addItem(app::LanguageManager::nativeName(code), code);
  m_languageLabel->setBuddy(m_language);
  uiForm->addRow(m_languageLabel, m_language);
  m_themeLabel = new QLabel;
  m_theme = new QComboBox;
  m_theme->addItems({QString(), QString(), QString()});  // named in retranslateUi
  m_themeLabel->setBuddy(m_theme);
  uiForm->addRow(m_themeLabel, m_theme);
  m_fontLabel = new QLabel;
  m_font = new QSpinBox;
  m_font->setRange(app::AppSettings::kMinFontPoints - 1, app::AppSettings::kMaxFontPoints);
  m_fontLabel->setBuddy(m_font);
  uiForm->addRow(m_fontLabel, m_font);

  m_tabs->addTab(model, QString());
  m_tabs->addTab(generation, QString());
  m_tabs->addTab(conversation, QString());
  m_tabs->addTab(interface, QString());

  m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::Apply, this);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_tabs);
  layout->addWidget(m_buttons);

  connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
    apply();
    accept();
  });
  connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &SettingsDialog::apply);
  connect(m_browse, &QPushButton::clicked, this, [this] {
    auto* dialog = new QFileDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    dialog->setDirectory(m_modelDir->text());
    dialog->setWindowTitle(tr("Choose the Qwen-VL-Chat-Int4 Folder"));
    connect(dialog, &QFileDialog::fileSelected, m_modelDir, &QLineEdit::setText);
    dialog->open();
  });
  connect(m_greedy, &QCheckBox::toggled, this, &SettingsDialog::updateEnabled);
  connect(m_fixedSeed, &QCheckBox::toggled, this, &SettingsDialog::updateEnabled);
  connect(m_cudaButton, &QRadioButton::toggled, this, &SettingsDialog::updateEnabled);
  connect(m_defaults, &QPushButton::clicked, this, [this] { loadSampling(app::SamplingSettings{}); });
  load();
  retranslateUi();
}

void SettingsDialog::load() {
  m_modelDir->setText(m_settings->modelDir());
  const bool cpu = m_settings->backend() == app::BackendChoice::Cpu;
  m_cpuButton->setChecked(cpu);
  m_cudaButton->setChecked(!cpu);
  m_threads->setValue(m_settings->cpuThreads());
  m_lowMemory->setChecked(m_settings->lowMemory());
  const app::RemoteServer server = m_settings->server();
  m_serverUrl->setText(server.url);
  m_serverKey->setText(server.apiKey);
  m_serverModel->setText(server.model);
  m_cudaButton->setEnabled(m_cuda.compiled);
  loadSampling(m_settings->sampling());
  m_system->setPlainText(m_settings->systemPrompt());
  m_restore->setChecked(m_settings->restoreLastConversation());
  m_language->setCurrentIndex(std::max(0, m_language->findData(m_settings->language())));
  m_theme->setCurrentIndex(static_cast<int>(m_settings->theme()));
  // The lowest value stands for "the desktop's size" (its special text).
  m_font->setValue(m_settings->fontPoints() == 0 ? m_font->minimum() : m_settings->fontPoints());
}

void SettingsDialog::loadSampling(const app::SamplingSettings& s) {
  m_greedy->setChecked(s.greedy);
  m_temperature->setValue(s.temperature);
  m_topP->setValue(s.topP);
  m_topK->setValue(s.topK);
  m_repetition->setValue(s.repetitionPenalty);
  m_maxNew->setValue(s.maxNewTokens);
  m_fixedSeed->setChecked(s.fixedSeed);
  m_seed->setValue(static_cast<int>(std::min<quint64>(s.seed, std::numeric_limits<int>::max())));
  updateEnabled();
}

void SettingsDialog::updateEnabled() {
  const bool sampling = !m_greedy->isChecked();
  for (QWidget* w : {static_cast<QWidget*>(m_temperature), static_cast<QWidget*>(m_topP), static_cast<QWidget*>(m_topK),
                     static_cast<QWidget*>(m_fixedSeed)}) {
    w->setEnabled(sampling);
  }
  m_seed->setEnabled(sampling && m_fixedSeed->isChecked());
  m_lowMemory->setEnabled(m_cuda.compiled && m_cudaButton->isChecked());
}

void SettingsDialog::apply() {
  m_settings->setModelDir(m_modelDir->text().trimmed());
  m_settings->setBackend(m_cpuButton->isChecked() ? app::BackendChoice::Cpu : app::BackendChoice::Cuda);
  m_settings->setCpuThreads(m_threads->value());
  m_settings->setLowMemory(m_lowMemory->isChecked());
  app::RemoteServer server;
  server.url = m_serverUrl->text().trimmed();
  server.apiKey = m_serverKey->text();
  server.model = m_serverModel->text().trimmed();
  m_settings->setServer(server);
  app::SamplingSettings s;
  s.greedy = m_greedy->isChecked();
  s.temperature = m_temperature->value();
  s.topP = m_topP->value();
  s.topK = m_topK->value();
  s.repetitionPenalty = m_repetition->value();
  s.maxNewTokens = m_maxNew->value();
  s.fixedSeed = m_fixedSeed->isChecked();
  s.seed = static_cast<quint64>(m_seed->value());
  m_settings->setSampling(s);
  m_settings->setSystemPrompt(m_system->toPlainText().trimmed());
  m_settings->setRestoreLastConversation(m_restore->isChecked());
  m_settings->setLanguage(m_language->currentData().toString());
  m_settings->setTheme(static_cast<app::ThemeChoice>(m_theme->currentIndex()));
  m_settings->setFontPoints(m_font->value() == m_font->minimum() ? 0 : m_font->value());
  m_settings->sync();
  emit applied();
}

void SettingsDialog::retranslateUi() {
  setWindowTitle(tr("Settings"));
  m_tabs->setAccessibleName(tr("Settings pages"));
  m_tabs->setTabText(0, tr("&Model"));
  m_tabs->setTabText(1, tr("&Generation"));
  m_tabs->setTabText(2, tr("&Conversation"));
  m_tabs->setTabText(3, tr("&Interface"));
  m_modelDirLabel->setText(tr("Model &folder:"));
  m_modelDir->setPlaceholderText(tr("The folder of Qwen-VL-Chat-Int4 (with config.json)"));
  m_modelDir->setAccessibleName(tr("Model folder"));
  m_browse->setText(tr("&Browse…"));
  m_browse->setAccessibleName(tr("Browse for the model folder"));
  m_backendLabel->setText(tr("Run on:"));
  m_cudaButton->setText(tr("&GPU (CUDA)"));
  m_cpuButton->setText(tr("C&PU"));
  m_cudaNote->setText(
      m_cuda.available ? tr("A GPU is available.")
      : m_cuda.compiled
          ? tr("No GPU can be used: %1").arg(m_cuda.reason)
          : tr("The GPU backend is not installed (package qwenvl-studio-cuda); the CPU backend is used."));
  m_lowMemory->setText(tr("Lo&w-memory mode (for GPUs of about 8 GB)"));
  m_lowMemory->setAccessibleName(tr("Low-memory mode"));
  m_lowMemoryNote->setText(
      tr("Keeps the picture encoder in the computer’s memory and streams it to the GPU for each picture: "
         "about 3 GB less GPU memory, pictures take a little longer. Used by itself when the GPU has too "
         "little free memory. Changing it reloads the model."));
  m_threadsLabel->setText(tr("CPU &threads:"));
  m_serverLabel->setText(tr("&Server:"));
  m_serverUrl->setPlaceholderText(
      tr("Empty: run the model here. Else http://host:port of an OpenAI-compatible server"));
  m_serverUrl->setAccessibleName(tr("Server address"));
  m_serverKeyLabel->setText(tr("API &key:"));
  m_serverKey->setAccessibleName(tr("Server API key"));
  m_serverModelLabel->setText(tr("Server mo&del:"));
  m_serverModel->setPlaceholderText(tr("Empty: the first model the server lists"));
  m_serverModel->setAccessibleName(tr("Model name on the server"));
  m_threads->setSpecialValueText(tr("All"));
  m_threads->setAccessibleName(tr("CPU threads"));
  m_greedy->setText(tr("&Greedy (always the most likely word; no sampling)"));
  m_temperatureLabel->setText(tr("&Temperature:"));
  m_temperature->setAccessibleName(tr("Temperature"));
  // 0 is the bottom of both ranges and means greedy decoding, as in the engine and the CLI.
  m_temperature->setSpecialValueText(tr("0 (greedy)"));
  m_topPLabel->setText(tr("Top-&p:"));
  m_topP->setAccessibleName(tr("Top-p"));
  m_topP->setSpecialValueText(tr("0 (greedy)"));
  m_topKLabel->setText(tr("Top-&k:"));
  m_topK->setSpecialValueText(tr("Off"));
  m_topK->setAccessibleName(tr("Top-k"));
  m_repetitionLabel->setText(tr("&Repetition penalty:"));
  m_repetition->setAccessibleName(tr("Repetition penalty"));
  m_maxNewLabel->setText(tr("&Longest reply (tokens):"));
  m_maxNew->setAccessibleName(tr("Longest reply in tokens"));
  m_fixedSeed->setText(tr("Fixed &seed:"));
  m_seed->setAccessibleName(tr("Seed"));
  m_defaults->setText(tr("Restore the Model’s &Defaults"));
  m_defaults->setAccessibleName(tr("Restore the model’s default sampling"));
  m_systemLabel->setText(tr("&System prompt (used for new conversations and the current one):"));
  m_system->setAccessibleName(tr("System prompt"));
  m_restore->setText(tr("&Reopen the last conversation at start"));
  m_languageLabel->setText(tr("&Language:"));
  m_language->setAccessibleName(tr("Interface language"));
  m_themeLabel->setText(tr("&Colours:"));
  m_theme->setItemText(static_cast<int>(app::ThemeChoice::System), tr("As the desktop"));
  m_theme->setItemText(static_cast<int>(app::ThemeChoice::Light), tr("Light"));
  m_theme->setItemText(static_cast<int>(app::ThemeChoice::Dark), tr("Dark"));
  m_theme->setAccessibleName(tr("Colours"));
  m_fontLabel->setText(tr("&Text size:"));
  m_font->setSpecialValueText(tr("As the desktop"));
  m_font->setSuffix(tr(" pt"));
  m_font->setAccessibleName(tr("Text size in points"));
  m_buttons->button(QDialogButtonBox::Ok)->setText(tr("OK"));
  m_buttons->button(QDialogButtonBox::Cancel)->setText(tr("Cancel"));
  m_buttons->button(QDialogButtonBox::Apply)->setText(tr("Apply"));
}

void SettingsDialog::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QDialog::changeEvent(event);
}

}  // namespace qwenvl::ui
