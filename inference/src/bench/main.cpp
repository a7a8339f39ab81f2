// qwenvl-bench: throughput and latency of the engine's steps, printed as JSON. Not a test:
// numbers are measured, never asserted. `qwenvl-bench --model DIR` runs the model benchmark.
#include "cli/command.h"

int main(int argc, char** argv) { return qwenvl::cli::dispatch("qwenvl-bench", argc, argv, "model"); }
