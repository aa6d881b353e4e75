// keapsync entry point: no core dumps, then the command table.
#include <sys/prctl.h>
#include <sys/resource.h>

#include "commands.hpp"

namespace {

// Memory holds tokens, keys and client secrets: it must never land in a core
// file. The systemd unit sets LimitCORE=0 too; this covers every other way
// keapsync is started (a container, a shell, cron).
void forbid_core_dumps() {
  const rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace

int main(int argc, char** argv) {
  forbid_core_dumps();
  return keapsync::cli::dispatch(argc, argv);
}
