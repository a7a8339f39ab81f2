#!/usr/bin/env bash
# Turns a Debian 12 machine with qwenvl-studio installed into a demo stand: installs cage, makes
# the unprivileged user qwenvl-kiosk, installs the systemd unit and its PAM file, puts an example
# configuration in /etc/qwenvl-studio/kiosk.json (root-owned, readable by the kiosk user only)
# if there is none, and starts the kiosk at boot. Run as root from this folder. docs/kiosk.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ "$(id -u)" = 0 ] || { echo "install-kiosk: run as root" >&2; exit 1; }
command -v qwenvl-studio >/dev/null || { echo "install-kiosk: install qwenvl-studio first" >&2; exit 1; }
apt-get install -y cage qt6-wayland
id qwenvl-kiosk >/dev/null 2>&1 ||
  useradd --system --create-home --home-dir /var/lib/qwenvl-kiosk --shell /usr/sbin/nologin \
          --groups video,render,input qwenvl-kiosk
install -m 0644 "$here/pam-cage" /etc/pam.d/cage
install -m 0644 "$here/qwenvl-kiosk.service" /etc/systemd/system/qwenvl-kiosk.service
install -d -m 0750 -o root -g qwenvl-kiosk /etc/qwenvl-studio
if [ ! -e /etc/qwenvl-studio/kiosk.json ]; then
  install -m 0640 -o root -g qwenvl-kiosk "$here/kiosk.json.example" /etc/qwenvl-studio/kiosk.json
  echo "install-kiosk: edit /etc/qwenvl-studio/kiosk.json (model folder, PIN hash, pictures)"
fi
systemctl daemon-reload
systemctl disable getty@tty1.service || true
systemctl enable qwenvl-kiosk.service
systemctl set-default graphical.target
echo "install-kiosk: done; reboot, or: systemctl start qwenvl-kiosk"
