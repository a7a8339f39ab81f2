// Settings: the model folder, backend and the GPU's low-memory mode, sampling (temperature, top-p, top-k, repetition
// penalty, max new tokens, seed, greedy; ranges from the engine's qwenvl::sampling_limits), the
// system prompt and the interface language. Reads and writes AppSettings; `applied` tells the
// window what to act on.
#pragma once

#include <QDialog>

#include "app/app_settings.h"
#include "app/engine_bridge.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTabWidget;
class QDialogButtonBox;

namespace qwenvl::ui {

class SettingsDialog : public QDialog {
  Q_OBJECT
 public:
  SettingsDialog(app::AppSettings* settings, const app::CudaStatus& cuda, QWidget* parent = nullptr);

  QLineEdit* modelDirEdit() const { return m_modelDir; }
  QLineEdit* serverUrlEdit() const { return m_serverUrl; }
  QLineEdit* serverKeyEdit() const { return m_serverKey; }
  QLineEdit* serverModelEdit() const { return m_serverModel; }
  QComboBox* languageBox() const { return m_language; }
  QComboBox* themeBox() const { return m_theme; }
  QSpinBox* fontBox() const { return m_font; }
  QDoubleSpinBox* temperatureBox() const { return m_temperature; }
  QDoubleSpinBox* topPBox() const { return m_topP; }
  QSpinBox* topKBox() const { return m_topK; }
  QDoubleSpinBox* repetitionBox() const { return m_repetition; }
  QSpinBox* maxNewBox() const { return m_maxNew; }
  QCheckBox* greedyBox() const { return m_greedy; }
  QCheckBox* lowMemoryBox() const { return m_lowMemory; }
  QRadioButton* cudaButton() const { return m_cudaButton; }
  QRadioButton* cpuButton() const { return m_cpuButton; }
  void apply();

 signals:
  void applied();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void load();
  void loadSampling(const app::SamplingSettings& s);
  void updateEnabled();
  void retranslateUi();

  app::AppSettings* m_settings;
  app::CudaStatus m_cuda;
  QTabWidget* m_tabs;
  // Model
  QLabel* m_modelDirLabel;
  QLineEdit* m_modelDir;
  QPushButton* m_browse;
  QLabel* m_backendLabel;
  QRadioButton* m_cudaButton;
  QRadioButton* m_cpuButton;
  QLabel* m_cudaNote;
  QCheckBox* m_lowMemory;
  QLabel* m_lowMemoryNote;
  QLabel* m_threadsLabel;
  QSpinBox* m_threads;
  QLabel* m_serverLabel;
  QLineEdit* m_serverUrl;
  QLabel* m_serverKeyLabel;
  QLineEdit* m_serverKey;
  QLabel* m_serverModelLabel;
  QLineEdit* m_serverModel;
  // Generation
  QCheckBox* m_greedy;
  QLabel* m_temperatureLabel;
  QDoubleSpinBox* m_temperature;
  QLabel* m_topPLabel;
  QDoubleSpinBox* m_topP;
  QLabel* m_topKLabel;
  QSpinBox* m_topK;
  QLabel* m_repetitionLabel;
  QDoubleSpinBox* m_repetition;
  QLabel* m_maxNewLabel;
  QSpinBox* m_maxNew;
  QCheckBox* m_fixedSeed;
  QSpinBox* m_seed;
  QPushButton* m_defaults;
  // Conversation
  QLabel* m_systemLabel;
  QPlainTextEdit* m_system;
  QCheckBox* m_restore;
  // Interface
  QLabel* m_languageLabel;
  QComboBox* m_language;
  QLabel* m_themeLabel;
  QComboBox* m_theme;
  QLabel* m_fontLabel;
  QSpinBox* m_font;
  QDialogButtonBox* m_buttons;
};

}  // namespace qwenvl::ui
