// `keapsync dead list | retry | discard`: the dead-letter desk.
#include <boost/json.hpp>

#include <charconv>
#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "db/outbox_repository.hpp"
#include "db/timestamp.hpp"
#include "exit_codes.hpp"
#include "terminal_text.hpp"

namespace keapsync::cli {
namespace {

const std::vector<OptionSpec> kSelectOptions{
    kConfigOption, {"--id", "", true}, {"--account", "", true}, {"--all", "", false}};

std::int64_t parse_number(const std::string& option, const std::string& text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    throw UsageError(option + " expects a positive number, got \"" + text + "\"");
  }
  return value;
}

db::DeadLetterFilter filter_of(const Arguments& args) {
  db::DeadLetterFilter f;
  for (const auto& id : args.values("--id"))
    f.ids.push_back(parse_number("--id", id));
  f.account = args.value("--account");
  return f;
}

// retry and discard act on everything only when asked to in so many words.
db::DeadLetterFilter selection_of(const Arguments& args) {
  auto f = filter_of(args);
  if (f.ids.empty() && !args.has("--all")) {
    throw UsageError(
        "name the rows with --id N (repeatable), or pass --all (with --account NAME "
        "to limit it to one account)");
  }
  if (!f.ids.empty() && args.has("--all")) throw UsageError("--id and --all exclude each other");
  return f;
}

int list(const Arguments& args) {
  const auto config = load_config(args, Secrets::skip);
  auto conn = connect_database(config);
  const int limit = static_cast<int>(parse_number("--limit", args.value("--limit").value_or("50")));
  const auto rows = db::OutboxRepository(*conn).list_dead(filter_of(args), limit);
  if (args.has("--json")) {
    boost::json::array out;
    for (const auto& r : rows) {
      out.push_back({{"id", r.id},
                     {"account", r.account},
                     {"contact_ref", r.contact_ref},
                     {"op", r.op},
                     {"payload", r.payload ? boost::json::parse(*r.payload) : nullptr},
                     {"attempts", r.attempts},
                     {"last_error", r.last_error},
                     {"created_at", db::iso_time(r.created_at)},
                     {"dead_at", db::iso_time(r.dead_at)}});
    }
    std::cout << boost::json::serialize(out) << "\n";
    return kExitOk;
  }
  if (rows.empty()) {
    std::printf("no dead rows\n");
    return kExitOk;
  }
  std::printf("%-10s %-12s %-20s %-7s %8s %-20s %s\n", "ID", "ACCOUNT", "CONTACT_REF", "OP",
              "ATTEMPTS", "DEAD_AT", "LAST_ERROR");
  for (const auto& r : rows) {
    std::printf("%-10lld %-12s %-20s %-7s %8d %-20s %s\n", static_cast<long long>(r.id),
                printable(r.account).c_str(), printable(r.contact_ref).c_str(),
                printable(r.op).c_str(), r.attempts, db::iso_time(r.dead_at).c_str(),
                printable(r.last_error).c_str());
  }
  return kExitOk;
}

int retry(const Arguments& args) {
  const auto filter = selection_of(args);
  const auto config = load_config(args, Secrets::skip);
  auto conn = connect_database(config);
  db::OutboxRepository outbox(*conn);
  const auto held = filter.ids.empty() ? outbox.uncertain_dead(filter) : 0;
  const auto n = outbox.retry_dead(filter);
  std::printf("%lld dead row(s) queued again\n", static_cast<long long>(n));
  if (held > 0) {
    std::printf(
        "%lld goal row(s) left dead: they may have fired already (keapsync lost Keap's answer); "
        "check each contact's automation in Keap, then retry it with --id\n",
        static_cast<long long>(held));
  }
  return kExitOk;
}

int discard(const Arguments& args) {
  const auto filter = selection_of(args);
  const auto config = load_config(args, Secrets::skip);
  auto conn = connect_database(config);
  const auto n = db::OutboxRepository(*conn).discard_dead(filter);
  std::printf("%lld dead row(s) discarded\n", static_cast<long long>(n));
  return kExitOk;
}

constexpr const char* kExitText =
    "\nExit status: 0 done, 1 failed, 64 bad command line, 69 database unreachable,\n"
    "78 bad configuration.\n";

}  // namespace

std::vector<Command> dead_letter_commands() {
  return {
      {"dead list",
       "list dead rows with their last error",
       std::string(
           "Lists rows that went dead (invalid payload, a Keap error that retrying\n"
           "cannot fix, or worker.max_attempts transient failures), oldest first.\n"
           "\n"
           "Options:\n"
           "  -c, --config FILE   configuration file (default /etc/keapsync/keapsync.yaml)\n"
           "  --account NAME      only this account\n"
           "  --id N              only this row (repeatable)\n"
           "  --limit N           at most N rows (default 50)\n"
           "  --json              one JSON array, payloads included\n") +
           kExitText,
       "keapsync dead list [-c FILE] [--account NAME] [--id N]... [--limit N] [--json]",
       {kConfigOption,
        {"--id", "", true},
        {"--account", "", true},
        {"--limit", "", true},
        {"--json", "", false}},
       list},
      {"dead retry", "queue dead rows again",
       std::string(
           "Makes the named dead rows pending again with their attempts reset. They\n"
           "rejoin their contact in id order: a revived row is applied before any\n"
           "newer pending row of the same contact, but after those already delivered,\n"
           "so its fields may overwrite newer values that reached Keap since.\n"
           "A goal row that may have fired already (keapsync sent it but lost Keap's\n"
           "answer) is retried only when named with --id: --all leaves it dead and says\n"
           "how many, so that a campaign is not started twice by accident.\n"
           "\n"
           "Options:\n"
           "  -c, --config FILE   configuration file (default /etc/keapsync/keapsync.yaml)\n"
           "  --id N              this row (repeatable)\n"
           "  --all               every dead row (of --account NAME when given)\n"
           "  --account NAME      only this account\n") +
           kExitText,
       "keapsync dead retry [-c FILE] (--id N... | --all) [--account NAME]", kSelectOptions, retry},
      {"dead discard", "delete dead rows for good",
       std::string(
           "Deletes the named dead rows; they are never sent to Keap.\n"
           "\n"
           "Options:\n"
           "  -c, --config FILE   configuration file (default /etc/keapsync/keapsync.yaml)\n"
           "  --id N              this row (repeatable)\n"
           "  --all               every dead row (of --account NAME when given)\n"
           "  --account NAME      only this account\n") +
           kExitText,
       "keapsync dead discard [-c FILE] (--id N... | --all) [--account NAME]", kSelectOptions,
       discard},
  };
}

}  // namespace keapsync::cli
