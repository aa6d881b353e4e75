// The command table of the keapsync executable.
#pragma once

namespace keapsync::cli {

// Runs the command named by argv[1]; returns the process exit code.
int dispatch(int argc, char** argv);

}  // namespace keapsync::cli
