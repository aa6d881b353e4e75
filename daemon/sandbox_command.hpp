// `keapsync sandbox`: runs the local Keap look-alike (lib/sandbox) until
// SIGTERM/SIGINT.
#pragma once

namespace keapsync::cli {

// argv[0] is "sandbox"; returns the process exit code.
int run_sandbox_command(int argc, char** argv);

}  // namespace keapsync::cli
