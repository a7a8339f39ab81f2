#!/usr/bin/env bash
# Installs the Debian 12 packages QwenVL Studio builds and tests with (only those missing).
# clang and libclang-rt build the fuzz targets (libFuzzer); ccache serves the three builds of CI.
# CUDA is not installed here: the CUDA backend is built when /usr/local/cuda/bin/nvcc exists.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang-format ccache
  clang libclang-rt-14-dev
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libqt6svg6-dev libgl-dev
  qt6-multimedia-dev libsystemd-dev  # the camera; the kiosk's systemd watchdog (both optional)
  qt6-translations-l10n  # Qt's own dialogs and context menus in 简体中文 (a Recommends, so named)
  libsentencepiece-dev nlohmann-json3-dev libjpeg-dev libpng-dev libwebp-dev libtiff-dev libgif-dev
  libcpp-httplib-dev  # qwenvl-server: HTTP with server-sent events
  libdnnl-dev  # oneDNN's sgemm: the CPU backend's prompt and vision GEMMs (README: chosen over OpenBLAS)
  python3 python3-numpy python3-dev python3-pil unicode-data
  fonts-noto-cjk xvfb xauth
  desktop-file-utils appstream
  lintian  # the package_lintian test checks the .debs
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
