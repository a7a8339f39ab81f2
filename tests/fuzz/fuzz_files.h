// Helpers for fuzz targets whose code under test reads files: a private scratch folder per
// process, and "bundles" (one input holding several named files) written into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qwenvl::fuzz {

// A fresh folder under $TMPDIR (default /tmp), removed when the process exits.
const std::string& scratch_dir();
// Empties the scratch folder, then writes `bytes` there as `name`; returns the file's path.
std::string write_scratch_file(std::string_view name, std::string_view bytes);

// A bundle: the first file's bytes, then for each further file a line "\n--8<-- NAME\n" and its
// bytes. NAME must be 1..64 bytes of [A-Za-z0-9._-]; a marker with any other name is kept as
// part of the file before it. Empties the scratch folder, writes the first file as `first_name`
// and the others under their names (a repeated name: the last wins).
void write_bundle(std::string_view bytes, std::string_view first_name);

// The value of environment variable `name`; exits with a message when unset (a setup error,
// not a finding).
std::string required_env(const char* name, const char* what);

}  // namespace qwenvl::fuzz
