// The command table: names, one-line summaries, handlers.
#include "commands.hpp"

#include <cstdio>
#include <string_view>

#include "sandbox_command.hpp"
#include "version.hpp"

namespace keapsync::cli {

int dispatch(int argc, char** argv) {
  const std::string_view cmd = argc > 1 ? argv[1] : "--help";
  if (cmd == "sandbox") return run_sandbox_command(argc - 1, argv + 1);
  if (cmd == "--version") {
    std::printf("keapsync %s\n", kVersion);
    return 0;
  }
  std::printf("usage: keapsync COMMAND [OPTIONS]\n");
  return cmd == "--help" ? 0 : 64;
}

}  // namespace keapsync::cli
