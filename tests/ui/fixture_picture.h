// The fixture pictures by name, for the UI tests and the headless ones linked without widgets.
#pragma once

#include <QString>

#include "support/test_env.h"

namespace qwenvl::test {

// .../fixtures/images/NAME
inline QString fixturePicture(const QString& name) {
  return QString::fromStdString(fixture("images/" + name.toStdString()));
}

}  // namespace qwenvl::test
