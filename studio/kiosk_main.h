// Kiosk mode's entry (qwenvl-studio --kiosk): composes a StudioApp that writes nothing (memory-only
// settings, no conversation library) with the kiosk controller and window, feeds the systemd
// watchdog, and shows a wrong configuration full screen. Also --kiosk-hash-pin.
#pragma once

#include "app/command_line.h"

namespace qwenvl::studio {

// Runs the kiosk until the admin leaves it; returns the exit code.
int runKiosk(const app::CommandLineOptions& options);
// Reads a PIN from standard input and prints its hash; returns the exit code.
int hashKioskPin();

}  // namespace qwenvl::studio
