// `keapsync migrate` and `keapsync status`.
#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <pqxx/transaction>

#include "command.hpp"
#include "config/duration.hpp"
#include "db/connection_security.hpp"
#include "db/credential_summary.hpp"
#include "db/migrator.hpp"
#include "db/outbox_repository.hpp"
#include "db/refresh_journal.hpp"
#include "db/role_grants.hpp"
#include "db/timestamp.hpp"
#include "exit_codes.hpp"
#include "status_watch.hpp"
#include "terminal_text.hpp"

namespace keapsync::cli {
namespace {

// The roles named by --grant-daemon and --grant-shop, in that order.
std::vector<std::pair<db::Grantee, std::string>> grantees(const Arguments& args) {
  std::vector<std::pair<db::Grantee, std::string>> out;
  for (const auto& [option, grantee] : {std::pair{"--grant-daemon", db::Grantee::daemon},
                                        std::pair{"--grant-shop", db::Grantee::shop}}) {
    const auto roles = args.values(option);
    if (roles.size() > 1) throw UsageError(std::string(option) + " is given more than once");
    if (!roles.empty() && roles[0].empty())
      throw UsageError(std::string(option) + " needs a role name");
    if (!roles.empty()) out.emplace_back(grantee, roles[0]);
  }
  if (out.size() == 2 && out[0].second == out[1].second) {
    throw UsageError("--grant-daemon and --grant-shop name the same role: give each its own");
  }
  if (args.has("--print") && out.empty()) {
    throw UsageError(
        "--print prints the GRANTs of --grant-daemon ROLE or --grant-shop ROLE: give one");
  }
  return out;
}

const char* option_of(db::Grantee g) {
  return g == db::Grantee::daemon ? "--grant-daemon" : "--grant-shop";
}

// Prints the statements for the roles, or applies them in one transaction.
void grant(pqxx::connection& conn, const std::vector<std::pair<db::Grantee, std::string>>& roles,
           bool print) {
  pqxx::work tx(conn);
  for (const auto& [grantee, role] : roles) {
    const auto statements = db::grant_statements(tx, grantee, role, option_of(grantee));
    if (print) {
      std::printf("-- %s %s\n", option_of(grantee), tx.quote_name(role).c_str());
      for (const auto& s : statements)
        std::printf("%s;\n", s.c_str());
      continue;
    }
    for (const auto& s : statements)
      tx.exec(s);
  }
  if (print) return;  // the transaction is rolled back
  tx.commit();
  for (const auto& [grantee, role] : roles) {
    std::printf("role %s has the %s's privileges on schema keapsync\n", tx.quote_name(role).c_str(),
                grantee == db::Grantee::daemon ? "daemon" : "shop");
  }
}

int migrate(const Arguments& args) {
  const auto config = load_config(args, Secrets::skip);
  const auto roles = grantees(args);
  const bool print = args.has("--print");
  const auto& url =
      config.database.migrate_url.empty() ? config.database.url : config.database.migrate_url;
  if (const auto host = db::unverified_remote_host(url)) {
    std::fprintf(stderr, "warning: %s: %s is reached over TCP without sslmode=verify-full\n",
                 config.database.migrate_url.empty() ? "database.url" : "database.migrate_url",
                 host->c_str());
  }
  auto conn = connect_owner_database(config);
  try {
    if (!print) {
      const auto report = db::Migrator().migrate(*conn);
      if (report.applied.empty()) {
        std::printf("schema keapsync is up to date (version %d)\n", report.to_version);
      } else {
        std::printf("schema keapsync migrated from version %d to %d\n", report.from_version,
                    report.to_version);
      }
    }
    if (!roles.empty()) grant(*conn, roles, print);
  } catch (const db::SchemaTooNew& e) {
    throw CommandFailed(kExitFailure, e.what());
  } catch (const db::SchemaOwnedByAnother& e) {
    throw CommandFailed(kExitFailure, e.what());
  } catch (const db::GrantRefused& e) {
    throw CommandFailed(kExitFailure, e.what());
  }
  return kExitOk;
}

std::string age(std::optional<db::Timestamp> oldest, db::Timestamp now) {
  if (!oldest) return "-";
  const auto d = std::chrono::duration_cast<std::chrono::seconds>(now - *oldest);
  return config::format_duration(std::max(d, std::chrono::seconds(0)));
}

// One line of `keapsync status`: a configured account, or one the outbox names.
struct AccountView {
  std::string account;
  std::string auth = "not_configured";  // oauth, api_key, or not_configured
  bool key_configured = false;          // token_encryption_key_file is set
  db::AccountStatus backlog;
  std::optional<db::CredentialSummary> tokens;     // oauth accounts with stored tokens
  std::optional<db::RefreshAttempt> last_refresh;  // the latest token call, as recorded
};

std::vector<AccountView> account_views(const config::Config& config, pqxx::connection& conn) {
  std::map<std::string, AccountView> views;
  for (const auto& [name, account] : config.accounts) {
    views[name].auth = config::to_string(account.auth);
    views[name].key_configured = !config.token_encryption_key_file.empty();
  }
  for (auto& s : db::OutboxRepository(conn).status())
    views[s.account].backlog = std::move(s);
  for (auto& t : db::credential_summaries(conn)) {
    if (auto it = views.find(t.account); it != views.end() && it->second.auth == "oauth") {
      it->second.tokens = std::move(t);
    }
  }
  std::vector<AccountView> out;
  for (auto& [name, view] : views) {
    view.account = name;
    if (view.auth == "oauth") view.last_refresh = db::read_refresh_attempt(conn, name);
    view.backlog.account = name;
    out.push_back(std::move(view));
  }
  return out;
}

// "ok", "reauthorization_required", "no_tokens", "unsealed" (stored
// unencrypted while a key is configured: the daemon refuses them) for OAuth;
// "" otherwise.
std::string credential_state(const AccountView& v) {
  if (v.auth != "oauth") return "";
  if (!v.tokens) return "no_tokens";
  if (v.key_configured && !v.tokens->sealed) return "unsealed";
  return db::to_string(v.tokens->state);
}

std::string credential_text(const AccountView& v, db::Timestamp now) {
  if (v.auth == "api_key") return "key file";
  if (v.auth != "oauth") return "not in the config";
  const auto state = credential_state(v);
  if (state == "unsealed") return "unsealed: refused (see below)";
  if (state != "ok") return state;
  if (!v.tokens->expires_at) return "ok";
  auto left = std::chrono::duration_cast<std::chrono::seconds>(*v.tokens->expires_at - now);
  // Whole minutes are precise enough for a person (the JSON has the exact time).
  if (std::chrono::abs(left) >= std::chrono::minutes(1))
    left = std::chrono::duration_cast<std::chrono::minutes>(left);
  return left.count() > 0 ? "ok, token expires in " + config::format_duration(left)
                          : "ok, token expired " + config::format_duration(-left) + " ago";
}

int status(const Arguments& args) {
  const auto config = load_config(args, Secrets::skip);
  auto conn = connect_database(config);
  if (db::Migrator::current_version(*conn) == 0) {
    throw CommandFailed(kExitFailure, "no keapsync schema in this database: run keapsync migrate");
  }
  if (args.has("--watch") || args.has("--until-drained"))
    return watch_status(config, *conn, WatchOptions{args.has("--until-drained")});
  const auto views = account_views(config, *conn);
  const auto now = std::chrono::system_clock::now();
  if (args.has("--json")) {
    boost::json::array out;
    for (const auto& v : views) {
      const auto& s = v.backlog;
      boost::json::object o;
      o["account"] = v.account;
      o["auth"] = v.auth;
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
      const auto state = credential_state(v);
      o["credentials_state"] =
          state.empty() ? boost::json::value(nullptr) : boost::json::value(state);
      o["token_expires_at"] = v.tokens && v.tokens->expires_at
                                  ? boost::json::value(db::iso_time(*v.tokens->expires_at))
                                  : boost::json::value(nullptr);
      if (v.tokens && !v.tokens->reauthorization_reason.empty()) {
        o["reauthorization_reason"] = v.tokens->reauthorization_reason;
      }
      if (v.tokens && v.tokens->tenant) o["tenant"] = *v.tokens->tenant;
      if (v.last_refresh) {
        o["last_refresh"] = {
            {"started_at", db::iso_time(v.last_refresh->started_at)},
            {"finished_at", v.last_refresh->finished_at
                                ? boost::json::value(db::iso_time(*v.last_refresh->finished_at))
                                : boost::json::value(nullptr)},
            {"outcome", v.last_refresh->outcome.empty() ? "unfinished" : v.last_refresh->outcome}};
      }
      out.push_back(std::move(o));
    }
    std::cout << boost::json::serialize(out) << "\n";
    return kExitOk;
  }
  std::printf("%-16s %-8s %-30s %8s %8s %5s %7s %9s %6s\n", "ACCOUNT", "AUTH", "CREDENTIALS",
              "PENDING", "CONTACTS", "HELD", "WAITING", "OLDEST", "DEAD");
  for (const auto& v : views) {
    const auto& s = v.backlog;
    std::printf(
        "%-16s %-8s %-30s %8lld %8lld %5lld %7lld %9s %6lld\n", printable(v.account).c_str(),
        v.auth == "not_configured" ? "-" : v.auth.c_str(), credential_text(v, now).c_str(),
        static_cast<long long>(s.pending_rows), static_cast<long long>(s.pending_contacts),
        static_cast<long long>(s.leased_contacts), static_cast<long long>(s.waiting_contacts),
        age(s.oldest_pending, now).c_str(), static_cast<long long>(s.dead_rows));
  }
  for (const auto& v : views) {
    if (v.tokens && !v.tokens->reauthorization_reason.empty()) {
      std::printf("\n%s: %s\n", printable(v.account).c_str(),
                  printable(v.tokens->reauthorization_reason).c_str());
    }
  }
  if (std::any_of(views.begin(), views.end(), [](const AccountView& v) {
        return credential_state(v) == "reauthorization_required" ||
               credential_state(v) == "no_tokens";
      })) {
    std::printf("\nrun keapsync auth --account NAME for every account without usable tokens\n");
  }
  if (std::any_of(views.begin(), views.end(),
                  [](const AccountView& v) { return credential_state(v) == "unsealed"; })) {
    std::printf(
        "\nunsealed: tokens stored unencrypted while token_encryption_key_file is set; the "
        "daemon refuses them. If they are yours: keapsync auth --rotate-key --seal-plain\n");
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> database_commands() {
  return {
      {"migrate",
       "create or upgrade the keapsync schema; grant the daemon's and the shop's roles",
       "Creates the schema `keapsync` (outbox, lanes, contact map, credentials) or\n"
       "upgrades it to this binary's version. Safe to run repeatedly and concurrently\n"
       "(an advisory lock serializes runs) and while the shop is live. Refuses a\n"
       "schema newer than this binary, and a schema owned by another role than the\n"
       "one migrating. Connects with database.migrate_url (the schema's owner) when it\n"
       "is set, else with database.url.\n"
       "\n"
       "--grant-daemon and --grant-shop then give a role exactly its privileges on the\n"
       "schema (what it held there before is revoked; docs/operations.md, \"Database\n"
       "roles\"): the daemon's role DML on every keapsync table, no DDL, and the\n"
       "tables of later migrations by default; the shop's role INSERT into the outbox\n"
       "(account, contact_ref, op, payload; the id back) and EXECUTE on\n"
       "keapsync.enqueue, nothing else. Each role must exist and be neither a\n"
       "superuser nor the schema's owner.\n"
       "\n"
       "Options:\n"
       "  -c, --config FILE      configuration file (default /etc/keapsync/keapsync.yaml)\n"
       "  --grant-daemon ROLE    give ROLE the daemon's privileges (keapsync run)\n"
       "  --grant-shop ROLE      give ROLE the shop's privileges\n"
       "  --print                print the SQL of the --grant options instead; change\n"
       "                         nothing (no migration either)\n"
       "\n"
       "Exit status: 0 done, 1 failed, 64 usage, 69 database unreachable, 78 bad\n"
       "configuration.\n",
       "keapsync migrate [-c FILE] [--grant-daemon ROLE] [--grant-shop ROLE] [--print]",
       {kConfigOption,
        {"--grant-daemon", "", true},
        {"--grant-shop", "", true},
        {"--print", "", false}},
       migrate},
      {"status",
       "credentials, backlog, oldest pending age and dead rows per account",
       "Per account (every configured one, and any other the outbox names): its auth\n"
       "kind; for OAuth the stored tokens' state (ok, reauthorization_required,\n"
       "no_tokens, unsealed: stored unencrypted while a key is configured), when the\n"
       "access token expires and, under the table, why an account needs\n"
       "re-authorization (e.g. a refresh whose answer was lost spent the token);\n"
       "--json adds the latest token call (last_refresh: started_at, finished_at,\n"
       "outcome) and the recorded Keap tenant; pending rows and contacts,\n"
       "contacts held by a worker now, contacts waiting for a retry, age of the\n"
       "oldest pending row, dead rows.\n"
       "\n"
       "--watch shows one live line instead, every second until Ctrl-C: pending rows\n"
       "and the oldest one's age, dead rows (from the database), and from the running\n"
       "daemon's status page on `listen`: rows delivered since it started, rows/s and\n"
       "Keap requests/s with the share of the accounts' per-minute limits. The page\n"
       "itself (http://LISTEN/) shows the last hour.\n"
       "\n"
       "Options:\n"
       "  -c, --config FILE   configuration file (default /etc/keapsync/keapsync.yaml)\n"
       "  --json              one JSON array instead of the table\n"
       "  --watch             the live line (rewritten in place on a terminal)\n"
       "  --until-drained     --watch until no row is pending, then exit 0\n"
       "\n"
       "Exit status: 0 done, 1 failed, 69 database unreachable, 78 bad configuration.\n",
       "keapsync status [-c FILE] [--json | --watch [--until-drained]]",
       {kConfigOption,
        {"--json", "", false},
        {"--watch", "", false},
        {"--until-drained", "", false}},
       status},
  };
}

}  // namespace keapsync::cli
