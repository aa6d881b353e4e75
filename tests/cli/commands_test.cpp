// The keapsync executable as an operator uses it: help, check-config,
// migrate, status and the dead-letter desk, with their exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <boost/json.hpp>

#include "support/migrated_database.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace keapsync::cli {
namespace {

using testing::run_process;

class Cli : public ::testing::Test {
 protected:
  testing::TempDir dir;

  std::string config_for(const std::string& url) {
    const auto key = dir.write_secret("api-key", "KeapAK-cli-test-key-0001\n");
    return dir.write("keapsync.yaml", "database:\n  url: \"" + url +
                                          "\"\naccounts:\n  default:\n    auth: api_key\n"
                                          "    api_key_file: " +
                                          key + "\n");
  }

  testing::ProcessResult run(std::vector<std::string> args,
                             const std::map<std::string, std::string>& env = {}) {
    args.insert(args.begin(), KEAPSYNC_BINARY);
    return run_process(args, env);
  }
};

TEST_F(Cli, AGroupOfCommandsNamesItsCommands) {
  const auto help = run({"dead", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  for (const char* c : {"keapsync dead list ", "keapsync dead retry ", "keapsync dead discard "})
    EXPECT_NE(help.out.find(c), std::string::npos) << c << "\n" << help.out;
  const auto bare = run({"dead"});
  EXPECT_EQ(bare.exit_code, 64);
  EXPECT_NE(bare.err.find("keapsync dead list "), std::string::npos) << bare.err;
}

TEST_F(Cli, VersionAndHelp) {
  const auto v = run({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("keapsync ", 0), 0u);
  const auto help = run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* c :
       {"check-config", "migrate", "status", "dead list", "dead retry", "dead discard"}) {
    EXPECT_NE(help.out.find(c), std::string::npos) << c;
  }
  for (const char* c :
       {"check-config", "migrate", "status", "dead list", "dead retry", "dead discard"}) {
    std::vector<std::string> args;
    std::string word;
    for (const char ch : std::string(c) + " ") {
      if (ch == ' ') {
        args.push_back(word);
        word.clear();
      } else {
        word += ch;
      }
    }
    args.push_back("--help");
    const auto r = run(args);
    EXPECT_EQ(r.exit_code, 0) << c;
    EXPECT_EQ(r.out.rfind(std::string("usage: keapsync ") + c, 0), 0u) << r.out;
  }
}

TEST_F(Cli, UsageErrorsExit64) {
  EXPECT_EQ(run({"frobnicate"}).exit_code, 64);
  EXPECT_EQ(run({}).exit_code, 64);
  const auto r = run({"status", "--colour"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("unknown option --colour"), std::string::npos) << r.err;
  const auto nothing = run({"dead", "discard", "-c", "x.yaml"});
  EXPECT_EQ(nothing.exit_code, 64);
  EXPECT_NE(nothing.err.find("--all"), std::string::npos) << nothing.err;
}

TEST_F(Cli, CheckConfigPrintsOkOrEveryErrorWithExit78) {
  const auto ok = run({"check-config", "-c", config_for("host=/nowhere dbname=x")});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out.rfind("OK", 0), 0u);
  EXPECT_EQ(ok.out.find("warning"), std::string::npos) << ok.out;
  const auto remote = run({"check-config", "-c", config_for("host=db.example.com dbname=x")});
  EXPECT_EQ(remote.exit_code, 0) << remote.err;
  EXPECT_NE(remote.out.find("warning: database.url: db.example.com is reached over TCP without "
                            "sslmode=verify-full"),
            std::string::npos)
      << remote.out;

  const auto bad = dir.write(
      "bad.yaml", "database:\n  url: x\nworker:\n  concurency: 2\n  poll_interval: soon\n");
  const auto r = run({"check-config", "--config=" + bad});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(
      r.err.find(bad + ":4:3: worker.concurency: unknown key (did you mean \"concurrency\"?)"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(bad + ":5:18: worker.poll_interval: expected a duration"),
            std::string::npos);
  EXPECT_NE(r.err.find("accounts: missing required key"), std::string::npos);

  const auto env = run({"check-config", "-c", config_for("x")}, {{"KEAPSYNC_LOG_LEVEL", "chatty"}});
  EXPECT_EQ(env.exit_code, 78);
  EXPECT_NE(env.err.find("environment KEAPSYNC_LOG_LEVEL: log.level: expected one of"),
            std::string::npos)
      << env.err;
}

TEST_F(Cli, ASecretFileOthersCanReadStopsCheckConfigAndRunWithExit78AndTheFix) {
  const auto config = config_for("host=/nowhere dbname=x");
  const std::string key = dir.path() + "/api-key";
  std::filesystem::permissions(key, std::filesystem::perms(0644));
  for (const char* command : {"check-config", "run"}) {
    const auto r = run({command, "-c", config});
    EXPECT_EQ(r.exit_code, 78) << command << ": " << r.err;
    EXPECT_NE(r.err.find("accounts.default.api_key_file: secret file " + key +
                         " is open to group or others (mode 0644); fix: chmod 600 " + key),
              std::string::npos)
        << command << ": " << r.err;
  }
}

TEST_F(Cli, StatusAndTheDeadLetterDeskRunWithoutReadingSecretFiles) {
  testing::TestDatabase db;
  const auto config = config_for(db.url());
  ASSERT_EQ(run({"migrate", "-c", config}).exit_code, 0);
  // As when the CLI runs outside the unit's LoadCredential=: the secrets are not there.
  std::filesystem::remove(dir.path() + "/api-key");
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"status", "-c", config},
        std::vector<std::string>{"dead", "list", "-c", config}}) {
    const auto r = run(command);
    EXPECT_EQ(r.exit_code, 0) << command[0] << ": " << r.err;
  }
  EXPECT_EQ(run({"check-config", "-c", config}).exit_code, 78);
}

TEST_F(Cli, UnreachableDatabaseExits69) {
  const auto r = run(
      {"migrate", "-c", config_for("host=" + dir.path() + " port=1 dbname=x connect_timeout=2")});
  EXPECT_EQ(r.exit_code, 69);
  EXPECT_NE(r.err.find("cannot connect to the database (database.url)"), std::string::npos)
      << r.err;
}

TEST_F(Cli, MigrateStatusAndTheDeadLetterDesk) {
  testing::TestDatabase db;
  const auto config = config_for(db.url());
  const auto first = run({"migrate", "-c", config});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("migrated from version 0 to"), std::string::npos) << first.out;
  const auto second = run({"migrate", "-c", config});
  EXPECT_NE(second.out.find("up to date"), std::string::npos) << second.out;

  const auto empty = run({"status", "-c", config}).out;
  EXPECT_NE(empty.find("default          api_key  key file"), std::string::npos) << empty;
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec("INSERT INTO keapsync.outbox (contact_ref, payload) VALUES ('a', '{}'), ('b', '{}')");
    tx.exec(
        "UPDATE keapsync.outbox SET state = 'dead', last_error = 'Keap said 400', dead_at = now()"
        " WHERE contact_ref = 'b'");
    tx.commit();
  }
  const auto status = run({"status", "-c", config, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto doc = boost::json::parse(status.out).as_array().at(0).as_object();
  EXPECT_EQ(doc.at("account").as_string(), "default");
  EXPECT_EQ(doc.at("pending_rows").as_int64(), 1);
  EXPECT_EQ(doc.at("dead_rows").as_int64(), 1);
  EXPECT_TRUE(doc.at("oldest_pending_age_seconds").is_int64());
  EXPECT_NE(run({"status", "-c", config}).out.find("default"), std::string::npos);

  const auto list = run({"dead", "list", "-c", config});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("Keap said 400"), std::string::npos) << list.out;
  const auto listed =
      boost::json::parse(run({"dead", "list", "-c", config, "--json"}).out).as_array();
  ASSERT_EQ(listed.size(), 1u);
  const auto id = std::to_string(listed[0].at("id").as_int64());

  EXPECT_NE(run({"dead", "retry", "-c", config, "--id", id}).out.find("1 dead row(s) queued again"),
            std::string::npos);
  EXPECT_NE(run({"dead", "list", "-c", config}).out.find("no dead rows"), std::string::npos);
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    tx.exec("UPDATE keapsync.outbox SET state = 'dead', dead_at = now()");
    tx.commit();
  }
  EXPECT_NE(
      run({"dead", "discard", "-c", config, "--all", "--account", "other"}).out.find("0 dead"),
      std::string::npos);
  EXPECT_NE(run({"dead", "discard", "-c", config, "--all"}).out.find("2 dead row(s) discarded"),
            std::string::npos);
}

TEST_F(Cli, StatusAndDeadListShowControlCharactersAsEscapesNeverRaw) {
  testing::TestDatabase db;
  const auto config = config_for(db.url());
  ASSERT_EQ(run({"migrate", "-c", config}).exit_code, 0);
  {
    pqxx::connection conn(db.url());
    pqxx::work tx(conn);
    // A shop-written account and contact_ref, and an error, that try to clear the screen and
    // forge a line; U+009B is the one-character CSI.
    tx.exec_params(
        "INSERT INTO keapsync.outbox (account, contact_ref, payload, state, last_error, dead_at)"
        " VALUES ($1, $2, '{}', 'dead', $3, now())",
        "evil\x1b[2J", "ref\x1b]0;pwned\x07\r\n7 default x",
        "bad\nfake line\xC2\x9B"
        "31m\x7f");
    tx.commit();
  }
  const auto list = run({"dead", "list", "-c", config});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("ref\\x1b]0;pwned\\x07\\r\\n7 default x"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("bad\\nfake line\\u009b31m\\x7f"), std::string::npos) << list.out;
  const auto status = run({"status", "-c", config});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("evil\\x1b[2J"), std::string::npos) << status.out;
  for (const auto* out : {&list.out, &status.out}) {
    EXPECT_EQ(out->find('\x1b'), std::string::npos) << *out;
    EXPECT_EQ(out->find('\r'), std::string::npos) << *out;
    EXPECT_EQ(out->find('\x7f'), std::string::npos) << *out;
    EXPECT_EQ(out->find("\xC2\x9B"), std::string::npos) << *out;
  }
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 2) << list.out;  // head, row
}

TEST_F(Cli, StatusShowsEveryAccountWithItsCredentialsAndBacklog) {
  testing::TestDatabase db;
  const auto secret = dir.write_secret("client-secret", "cli-client-secret-0002\n");
  const auto config =
      dir.write("status.yaml", "database:\n  url: \"" + db.url() +
                                   "\"\ntoken_encryption: none\n"
                                   "accounts:\n  shop:\n    auth: oauth\n    client_id: app\n"
                                   "    client_secret_file: " +
                                   secret + "\n");
  ASSERT_EQ(run({"migrate", "-c", config}).exit_code, 0);
  pqxx::connection conn(db.url());
  const auto sql = [&](const std::string& statement) {
    pqxx::work tx(conn);
    tx.exec(statement);
    tx.commit();
  };
  EXPECT_NE(run({"status", "-c", config}).out.find("no_tokens"), std::string::npos);

  sql("INSERT INTO keapsync.credentials (account, access_token, refresh_token, issued_at,"
      " expires_at) VALUES ('shop', 'a'::bytea, 'r'::bytea, now(), now() + interval '2 hours')");
  sql("INSERT INTO keapsync.outbox (account, contact_ref, payload) VALUES ('ghost', 'g', '{}')");
  const auto r = run({"status", "-c", config, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = boost::json::parse(r.out).as_array();
  ASSERT_EQ(doc.size(), 2u) << r.out;
  EXPECT_EQ(doc[0].at("account"), "ghost");  // in the outbox, not in the config
  EXPECT_EQ(doc[0].at("auth"), "not_configured");
  EXPECT_EQ(doc[0].at("pending_rows"), 1);
  EXPECT_EQ(doc[1].at("account"), "shop");
  EXPECT_EQ(doc[1].at("credentials_state"), "ok");
  EXPECT_TRUE(doc[1].at("token_expires_at").is_string());
  const auto table = run({"status", "-c", config}).out;
  EXPECT_NE(table.find("shop             oauth    ok, token expires in 1h59m"), std::string::npos)
      << table;
  EXPECT_NE(table.find("ghost            -        not in the config"), std::string::npos) << table;

  sql("UPDATE keapsync.credentials SET state = 'reauthorization_required',"
      " reauth_reason = 'invalid_grant'");
  const auto blocked = run({"status", "-c", config}).out;
  EXPECT_NE(blocked.find("reauthorization_required"), std::string::npos) << blocked;
  EXPECT_NE(blocked.find("run keapsync auth --account NAME"), std::string::npos) << blocked;
  EXPECT_EQ(boost::json::parse(run({"status", "-c", config, "--json"}).out)
                .as_array()[1]
                .at("reauthorization_reason"),
            "invalid_grant");

  // The same plain row under a configured key: the daemon refuses it, and status says so
  // (without reading the key: status reads no secret).
  sql("UPDATE keapsync.credentials SET state = 'ok', reauth_reason = NULL, tenant = 'ab123'");
  const auto sealed_config =
      dir.write("sealed.yaml", "database:\n  url: \"" + db.url() +
                                   "\"\ntoken_encryption_key_file: keapsync_token-key\n"
                                   "accounts:\n  shop:\n    auth: oauth\n    client_id: app\n"
                                   "    client_secret_file: keapsync_client-secret\n");
  const auto unsealed = run({"status", "-c", sealed_config});
  EXPECT_EQ(unsealed.exit_code, 0) << unsealed.err;
  EXPECT_NE(unsealed.out.find("unsealed: refused"), std::string::npos) << unsealed.out;
  EXPECT_NE(unsealed.out.find("keapsync auth --rotate-key --seal-plain"), std::string::npos)
      << unsealed.out;
  const auto doc_unsealed =
      boost::json::parse(run({"status", "-c", sealed_config, "--json"}).out).as_array();
  EXPECT_EQ(doc_unsealed[1].at("credentials_state"), "unsealed");
  EXPECT_EQ(doc_unsealed[1].at("tenant"), "ab123");
}

}  // namespace
}  // namespace keapsync::cli
