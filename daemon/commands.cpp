// The command table: finds the command named on the command line, handles
// --help and --version, and turns failures into messages and exit codes.
#include "commands.hpp"

#include <cstdio>
#include <exception>
#include <string>

#include "command.hpp"
#include "exit_codes.hpp"
#include "sandbox_command.hpp"
#include "version.hpp"

namespace keapsync::cli {
namespace {

std::vector<Command> all_commands() {
  std::vector<Command> all;
  for (auto part : {daemon_commands(), auth_commands(), config_commands(), database_commands(),
                    dead_letter_commands()}) {
    for (auto& c : part)
      all.push_back(std::move(c));
  }
  // The sandbox parses its own command line (flags of its own, --help included).
  all.push_back({"sandbox",
                 "a local Keap look-alike for demos and tests (docs/sandbox.md)",
                 "",
                 "keapsync sandbox --help",
                 {},
                 nullptr,
                 run_sandbox_command});
  return all;
}

void print_overview(std::FILE* out, const std::vector<Command>& commands) {
  std::fprintf(out,
               "keapsync %s: pushes contact changes from a PostgreSQL outbox to Keap.\n"
               "\n"
               "usage: keapsync COMMAND [OPTIONS]\n"
               "       keapsync COMMAND --help\n"
               "       keapsync --version\n"
               "\n"
               "Commands:\n",
               kVersion);
  for (const auto& c : commands) {
    std::fprintf(out, "  %-14s %s\n", c.name.c_str(), c.summary.c_str());
  }
  std::fprintf(out,
               "\nConfiguration: /etc/keapsync/keapsync.yaml unless -c FILE is given;\n"
               "KEAPSYNC_<SECTION>_<KEY> environment variables override its keys.\n");
}

bool wants_help(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

}  // namespace

int dispatch(int argc, char** argv) {
  const auto commands = all_commands();
  const std::string first = argc > 1 ? argv[1] : "";
  if (first.empty() || first == "--help" || first == "-h" || first == "help") {
    print_overview(first.empty() ? stderr : stdout, commands);
    return first.empty() ? kExitUsage : kExitOk;
  }
  if (first == "--version") {
    std::printf("keapsync %s\n", kVersion);
    return kExitOk;
  }
  // Commands are one word ("migrate") or two ("dead list").
  const Command* command = nullptr;
  int words = 0;
  for (const auto& c : commands) {
    if (c.name == first) {
      command = &c;
      words = 1;
    } else if (argc > 2 && c.name == first + " " + argv[2]) {
      command = &c;
      words = 2;
    }
  }
  if (command == nullptr) {
    // A group ("dead"): name its commands; `keapsync dead --help` is not an error.
    std::string group;
    for (const auto& c : commands) {
      if (c.name.starts_with(first + " "))
        group += "  keapsync " + c.name +
                 std::string(c.name.size() < 14 ? 14 - c.name.size() : 1, ' ') + c.summary + "\n";
    }
    if (!group.empty()) {
      const bool help =
          argc > 2 && (std::string(argv[2]) == "--help" || std::string(argv[2]) == "-h");
      std::fprintf(help ? stdout : stderr,
                   "keapsync %s is a group of commands:\n%s(each has --help)\n", first.c_str(),
                   group.c_str());
      return help ? kExitOk : kExitUsage;
    }
    std::fprintf(stderr, "keapsync: unknown command \"%s\"\n\n", first.c_str());
    print_overview(stderr, commands);
    return kExitUsage;
  }
  if (command->run_raw != nullptr) return command->run_raw(argc - 1, argv + 1);
  if (wants_help(argc, argv, 1 + words)) {
    std::printf("usage: %s\n\n%s", command->usage.c_str(), command->help.c_str());
    return kExitOk;
  }
  try {
    const Arguments args(argc, argv, 1 + words, command->options);
    if (!args.positional().empty()) {
      throw UsageError("unexpected argument \"" + args.positional().front() + "\"");
    }
    return command->run(args);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "keapsync %s: %s\nusage: %s\n(see keapsync %s --help)\n",
                 command->name.c_str(), e.what(), command->usage.c_str(), command->name.c_str());
    return kExitUsage;
  } catch (const CommandFailed& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return e.code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "keapsync %s: %s\n", command->name.c_str(), e.what());
    return kExitFailure;
  }
}

}  // namespace keapsync::cli
