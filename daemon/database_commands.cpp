// `keapsync migrate` and `keapsync status`.
#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

#include "command.hpp"
#include "config/duration.hpp"
#include "db/migrator.hpp"
#include "db/outbox_repository.hpp"
#include "exit_codes.hpp"

namespace keapsync::cli {
namespace {

int migrate(const Arguments& args) {
  const auto config = load_config(args);
  auto conn = connect_database(config);
  try {
    const auto report = db::Migrator().migrate(*conn);
    if (report.applied.empty()) {
      std::printf("schema keapsync is up to date (version %d)\n", report.to_version);
    } else {
      std::printf("schema keapsync migrated from version %d to %d\n", report.from_version,
                  report.to_version);
    }
  } catch (const db::SchemaTooNew& e) {
    throw CommandFailed(kExitFailure, e.what());
  }
  return kExitOk;
}

std::string age(std::optional<db::Timestamp> oldest, db::Timestamp now) {
  if (!oldest) return "-";
  const auto d = std::chrono::duration_cast<std::chrono::seconds>(now - *oldest);
  return config::format_duration(std::max(d, std::chrono::seconds(0)));
}

int status(const Arguments& args) {
  const auto config = load_config(args);
  auto conn = connect_database(config);
  if (db::Migrator::current_version(*conn) == 0) {
    throw CommandFailed(kExitFailure, "no keapsync schema in this database: run keapsync migrate");
  }
  const auto rows = db::OutboxRepository(*conn).status();
  const auto now = std::chrono::system_clock::now();
  if (args.has("--json")) {
    boost::json::array out;
    for (const auto& s : rows) {
      boost::json::object o;
      o["account"] = s.account;
      o["pending_rows"] = s.pending_rows;
      o["pending_contacts"] = s.pending_contacts;
      o["leased_contacts"] = s.leased_contacts;
      o["waiting_contacts"] = s.waiting_contacts;
      o["dead_rows"] = s.dead_rows;
      if (s.oldest_pending) {
        o["oldest_pending_age_seconds"] =
            std::chrono::duration_cast<std::chrono::seconds>(now - *s.oldest_pending).count();
      } else {
        o["oldest_pending_age_seconds"] = nullptr;
      }
      out.push_back(std::move(o));
    }
    std::cout << boost::json::serialize(out) << "\n";
    return kExitOk;
  }
  if (rows.empty()) {
    std::printf("outbox is empty: nothing pending, nothing dead\n");
    return kExitOk;
  }
  std::printf("%-20s %10s %9s %7s %8s %12s %8s\n", "ACCOUNT", "PENDING", "CONTACTS", "HELD",
              "WAITING", "OLDEST", "DEAD");
  for (const auto& s : rows) {
    std::printf("%-20s %10lld %9lld %7lld %8lld %12s %8lld\n", s.account.c_str(),
                static_cast<long long>(s.pending_rows), static_cast<long long>(s.pending_contacts),
                static_cast<long long>(s.leased_contacts),
                static_cast<long long>(s.waiting_contacts), age(s.oldest_pending, now).c_str(),
                static_cast<long long>(s.dead_rows));
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> database_commands() {
  return {
      {"migrate",
       "create or upgrade the keapsync schema",
       "Creates the schema `keapsync` (outbox, lanes, contact map, credentials) or\n"
       "upgrades it to this binary's version. Safe to run repeatedly and concurrently\n"
       "(an advisory lock serializes runs) and while the shop is live. Refuses a\n"
       "schema newer than this binary.\n"
       "\n"
       "Options:\n"
       "  -c, --config FILE   configuration file (default /etc/keapsync/keapsync.yaml)\n"
       "\n"
       "Exit status: 0 done, 1 failed, 69 database unreachable, 78 bad configuration.\n",
       "keapsync migrate [-c FILE]",
       {kConfigOption},
       migrate},
      {"status",
       "backlog, oldest pending age and dead rows per account",
       "Per account: pending rows and contacts, contacts held by a worker now,\n"
       "contacts waiting for a retry, age of the oldest pending row, dead rows.\n"
       "\n"
       "Options:\n"
       "  -c, --config FILE   configuration file (default /etc/keapsync/keapsync.yaml)\n"
       "  --json              one JSON array instead of the table\n"
       "\n"
       "Exit status: 0 done, 1 failed, 69 database unreachable, 78 bad configuration.\n",
       "keapsync status [-c FILE] [--json]",
       {kConfigOption, {"--json", "", false}},
       status},
  };
}

}  // namespace keapsync::cli
