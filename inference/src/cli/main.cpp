// qwenvl-cli: every step of the engine checkable from outside (JSON lines on stdin/stdout),
// plus a command-line chat.
#include "cli/command.h"

int main(int argc, char** argv) { return qwenvl::cli::dispatch("qwenvl-cli", argc, argv); }
