// The app's own look, independent of the desktop: light or dark colours (Qt's Fusion style with
// a palette of ours, so every widget and the one bundled icon set agree) and the text size.
// "System" leaves the desktop's style and palette as they were at start.
#pragma once

#include "app/app_settings.h"

class QPalette;

namespace qwenvl::ui {

// Applies to the whole application; safe to call again when the settings change.
void applyAppearance(app::ThemeChoice theme, int fontPoints);
QPalette darkPalette();
QPalette lightPalette();

}  // namespace qwenvl::ui
