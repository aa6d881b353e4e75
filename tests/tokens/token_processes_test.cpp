// Two processes (this test binary run again as children) refresh one account
// at the same moment: the token endpoint is called once in total and both end
// with the same new pair, also when the call outlasts the lock timeout and
// when it reports a dead refresh token. Each child's callback records its call
// in a table, so the parent counts calls across processes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "auth/token_refresher.hpp"
#include "support/migrated_database.hpp"

extern char** environ;

namespace keapsync::auth {
namespace {

using namespace std::chrono_literals;
using db::CredentialState;
using db::TokenCipher;
using db::TokenStore;

constexpr const char* kAccount = "shop";
constexpr const char* kKeyHex = "5f3c9a0e21d4b7683f0a1c2e4d6b8f9071a3c5e7092b4d6f8a1c3e5071b2d4f6";
constexpr int kGoFd = 200;     // the child's read end of the start signal
constexpr int kReadyFd = 201;  // the child's write end of "I am ready"
constexpr auto kChildDeadline = 30s;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// What the child does in its token call: how long it holds the lock, and what Keap answers.
enum class Mode { overlap, slow, dead, crash };

Mode mode_from(const std::string& s) {
  if (s == "slow") return Mode::slow;
  if (s == "dead") return Mode::dead;
  if (s == "crash") return Mode::crash;
  return Mode::overlap;
}

// Waits (bounded) until another session of this database has been seen blocked
// on a lock in `transactions` distinct transactions: the sibling is waiting for
// our row (and, for more than one, its lock wait ran out and it waited again).
void await_blocked_sibling(pqxx::connection& conn, int transactions) {
  std::set<std::string> seen;
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (static_cast<int>(seen.size()) < transactions && std::chrono::steady_clock::now() < until) {
    pqxx::work tx(conn);
    for (const auto& row :
         tx.exec("SELECT xact_start::text FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                 " AND datname = current_database()")) {
      seen.insert(row[0].as<std::string>());
    }
    tx.commit();
    std::this_thread::sleep_for(5ms);  // polling pg_stat_activity: no event exists for it
  }
  ASSERT_GE(static_cast<int>(seen.size()), transactions) << "the sibling never waited";
}

// The child: runs only when started by RefreshRace below.
TEST(TokenRefreshChild, DISABLED_Run) {
  const std::string role = env("KEAPSYNC_TOKENS_ROLE");
  ASSERT_FALSE(role.empty()) << "started by hand: this test is the child of TokenProcesses.*";
  const std::string url = env("KEAPSYNC_TOKENS_DB");
  const Mode mode = mode_from(env("KEAPSYNC_TOKENS_MODE"));
  const auto lock_timeout = std::chrono::milliseconds(std::stoi(env("KEAPSYNC_TOKENS_LOCK_MS")));

  pqxx::connection conn(url);
  pqxx::connection side(url);  // records calls outside the refresh transaction
  TokenStore store(conn, TokenCipher::from_key_material(kKeyHex));
  db::RefreshJournal journal(url);
  RefreshTiming timing;
  timing.lock_wait = lock_timeout;
  TokenRefresher refresher(store, journal, timing);
  const auto seen = store.read(kAccount);
  ASSERT_TRUE(seen);

  // Barrier: tell the parent we are ready, then wait for the start signal (EOF).
  ASSERT_EQ(::write(kReadyFd, "r", 1), 1);
  char byte;
  ASSERT_EQ(::read(kGoFd, &byte, 1), 0);

  auto fn = [&](const config::Secret& refresh_token) {
    int earlier_calls = 0;
    {
      pqxx::work tx(side);
      earlier_calls = tx.exec("SELECT count(*) FROM token_calls")[0][0].as<int>();
      tx.exec_params("INSERT INTO token_calls (role, refresh_token) VALUES ($1, $2)", role,
                     refresh_token.reveal());
      tx.commit();
    }
    // Hold the lock until the sibling is seen waiting for it (slow: through
    // two lock timeouts and into a third wait), so the race is real.
    if (mode != Mode::crash || earlier_calls == 0) {
      await_blocked_sibling(side, mode == Mode::slow ? 3 : 1);
    }
    // The crash window: Keap has answered (in reality it has rotated), and the
    // process dies before its commit.
    if (mode == Mode::crash && earlier_calls == 0) ::raise(SIGKILL);
    if (mode == Mode::dead) {
      return TokenResult(TokenError{TokenErrorKind::dead_refresh_token, 400, "invalid_grant",
                                    "invalid_grant: Invalid refresh token"});
    }
    return TokenResult(TokenGrant{config::Secret("access-from-" + role + "-8fk2"),
                                  config::Secret("refresh-from-" + role + "-3jq9"), 24h,
                                  "full|ab123.infusionsoft.com", ""});
  };
  const auto r = refresher.refresh(kAccount, seen->version, fn,
                                   std::chrono::steady_clock::now() + kChildDeadline);
  pqxx::work tx(side);
  tx.exec_params(
      "INSERT INTO token_results (role, kind, access_token, version, lock_timeouts)"
      " VALUES ($1, $2, $3, $4, $5)",
      role, to_string(r.kind), r.credentials ? r.credentials->access_token.reveal() : "",
      r.credentials ? r.credentials->version : -1, r.lock_timeouts);
  tx.commit();
}

std::string self_exe() {
  char buf[4096];
  const auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("readlink /proc/self/exe failed");
  return std::string(buf, static_cast<size_t>(n));
}

// Starts children that block on a shared start signal, releases them at once,
// and reaps them within a deadline (killing any that overstays).
class RefreshRace {
 public:
  RefreshRace() {
    if (::pipe2(go_, O_CLOEXEC) != 0 || ::pipe2(ready_, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
  }
  ~RefreshRace() {
    for (const pid_t pid : pids_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    for (int fd : {go_[0], go_[1], ready_[0], ready_[1]})
      if (fd >= 0) ::close(fd);
  }

  void start(const std::string& role, const std::map<std::string, std::string>& extra) {
    std::vector<std::string> envs;
    for (char** e = environ; *e != nullptr; ++e)
      envs.emplace_back(*e);
    envs.push_back("KEAPSYNC_TOKENS_ROLE=" + role);
    for (const auto& [k, v] : extra)
      envs.push_back(k + "=" + v);
    const std::vector<std::string> args = {self_exe(), "--gtest_also_run_disabled_tests",
                                           "--gtest_filter=TokenRefreshChild.DISABLED_Run"};
    auto pointers = [](const std::vector<std::string>& v) {
      std::vector<char*> p;
      for (const auto& s : v)
        p.push_back(const_cast<char*>(s.c_str()));
      p.push_back(nullptr);
      return p;
    };
    auto argv = pointers(args);
    auto envp = pointers(envs);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 onto fixed numbers clears O_CLOEXEC there; every other end stays with us.
    posix_spawn_file_actions_adddup2(&actions, go_[0], kGoFd);
    posix_spawn_file_actions_adddup2(&actions, ready_[1], kReadyFd);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
    pids_.push_back(pid);
  }

  // Waits until every child is ready, then starts them all with one event.
  void release() {
    ::close(ready_[1]);
    ready_[1] = -1;
    size_t ready = 0;
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (ready < pids_.size()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      pollfd p{ready_[0], POLLIN, 0};
      ASSERT_GT(::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0))), 0)
          << "children not ready in time";
      char buf[8];
      const auto n = ::read(ready_[0], buf, sizeof buf);
      ASSERT_GT(n, 0) << "a child died before it was ready";
      ready += static_cast<size_t>(n);
    }
    ::close(go_[1]);  // EOF on every child's start pipe at the same instant
    go_[1] = -1;
  }

  // Exit codes of the children, in start order; a child still running after
  // the deadline is killed (exit code -1).
  std::vector<int> wait(std::chrono::seconds deadline) {
    std::vector<int> codes;
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (const pid_t pid : pids_) {
      const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
      if (pidfd >= 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        pollfd p{pidfd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0))) <= 0) {
          ::kill(pid, SIGKILL);
        }
        ::close(pidfd);
      }
      int status = 0;
      ::waitpid(pid, &status, 0);
      codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    pids_.clear();
    return codes;
  }

 private:
  int go_[2] = {-1, -1};
  int ready_[2] = {-1, -1};
  std::vector<pid_t> pids_;
};

struct Outcome {
  std::string kind, access_token;
  std::int64_t version;
  int lock_timeouts;
};

class TokenProcesses : public ::testing::Test {
 protected:
  void SetUp() override {
    db.scalar(
        "CREATE TABLE token_calls (role text, refresh_token text, at timestamptz DEFAULT "
        "clock_timestamp()); CREATE TABLE token_results (role text PRIMARY KEY, kind text,"
        " access_token text, version bigint, lock_timeouts int); SELECT 1");
    const auto now = std::chrono::system_clock::now();
    TokenStore(db.conn(), TokenCipher::from_key_material(kKeyHex))
        .save(kAccount, {config::Secret("access-original-5mz1"),
                         config::Secret("refresh-original-7hc4"), now, now + 24h, "full"});
  }

  // Runs children "a" and "b" at once; returns what each ended with.
  std::map<std::string, Outcome> race(Mode mode, std::chrono::milliseconds lock_timeout,
                                      std::multiset<int> expected_exit_codes = {0, 0}) {
    RefreshRace r;
    const std::map<std::string, std::string> extra = {
        {"KEAPSYNC_TOKENS_DB", db.url()},
        {"KEAPSYNC_TOKENS_MODE", mode == Mode::slow    ? "slow"
                                 : mode == Mode::dead  ? "dead"
                                 : mode == Mode::crash ? "crash"
                                                       : "overlap"},
        {"KEAPSYNC_TOKENS_LOCK_MS", std::to_string(lock_timeout.count())}};
    r.start("a", extra);
    r.start("b", extra);
    r.release();
    const auto codes = r.wait(60s);
    EXPECT_EQ(std::multiset<int>(codes.begin(), codes.end()), expected_exit_codes)
        << "a child failed (its output is above)";
    std::map<std::string, Outcome> out;
    pqxx::work tx(db.conn());
    for (const auto& row :
         tx.exec("SELECT role, kind, access_token, version, lock_timeouts FROM token_results")) {
      out[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<std::string>(),
                                       row[3].as<std::int64_t>(), row[4].as<int>()};
    }
    tx.commit();
    EXPECT_EQ(out.size(), expected_exit_codes.count(0)) << "every surviving child reports";
    return out;
  }

  int calls() { return std::stoi(db.scalar("SELECT count(*) FROM token_calls")); }

  testing::MigratedDatabase db;
};

TEST_F(TokenProcesses, TwoProcessesAtOnceRefreshOnceAndShareThePair) {
  auto out = race(Mode::overlap, 5000ms);
  EXPECT_EQ(calls(), 1);
  EXPECT_EQ(db.scalar("SELECT refresh_token FROM token_calls"), "refresh-original-7hc4");
  ASSERT_EQ(out.size(), 2u);
  const auto stored = TokenStore(db.conn(), TokenCipher::from_key_material(kKeyHex)).read(kAccount);
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(out["a"].access_token, stored->access_token.reveal());
  EXPECT_EQ(out["b"].access_token, stored->access_token.reveal());
  EXPECT_EQ(out["a"].version, 2);
  EXPECT_EQ(out["b"].version, 2);
  // One refreshed, the other took its pair.
  std::multiset<std::string> kinds = {out["a"].kind, out["b"].kind};
  EXPECT_EQ(kinds, (std::multiset<std::string>{"refreshed", "refreshed_by_sibling"}));
}

TEST_F(TokenProcesses, ATokenCallSlowerThanTheLockTimeoutIsStillTheOnlyOne) {
  auto out = race(Mode::slow, 150ms);
  EXPECT_EQ(calls(), 1);
  ASSERT_EQ(out.size(), 2u);
  const auto stored = TokenStore(db.conn(), TokenCipher::from_key_material(kKeyHex)).read(kAccount);
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(out["a"].access_token, stored->access_token.reveal());
  EXPECT_EQ(out["b"].access_token, stored->access_token.reveal());
  // The waiter's lock wait ran out at least twice, and it still did not refresh.
  EXPECT_GE(out["a"].lock_timeouts + out["b"].lock_timeouts, 2);
}

TEST_F(TokenProcesses, ADeadTokenStopsBothProcesses) {
  auto out = race(Mode::dead, 5000ms);
  EXPECT_EQ(calls(), 1);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out["a"].kind, "reauthorization_required");
  EXPECT_EQ(out["b"].kind, "reauthorization_required");
  const auto stored = TokenStore(db.conn(), TokenCipher::from_key_material(kKeyHex)).read(kAccount);
  EXPECT_EQ(stored->state, CredentialState::reauthorization_required);
  EXPECT_EQ(stored->reauthorization_reason, "invalid_grant: Invalid refresh token");
  EXPECT_EQ(stored->version, 1);
}

// The holder dies after Keap answered but before its commit. The lock dies
// with its session; the sibling (which never refreshed by itself while
// waiting) finds the old pair still stored, but the journal shows an attempt
// on it that may still be answered and stored, so the sibling does not send
// the same single-use refresh token a second time (against real Keap that
// call would spend it or race the holder's late commit). Once the attempt
// window has passed, the next refresh finds out (TokenRefresher tests).
TEST_F(TokenProcesses, AHolderKilledBeforeItsCommitLeavesItsTokenUnsentForAWhile) {
  auto out = race(Mode::crash, 5000ms, {-1, 0});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(calls(), 1);
  const auto& survivor = out.begin()->second;
  EXPECT_EQ(survivor.kind, "transient_failure");
  const auto stored = TokenStore(db.conn(), TokenCipher::from_key_material(kKeyHex)).read(kAccount);
  EXPECT_EQ(stored->version, 1);
  EXPECT_EQ(db.scalar("SELECT coalesce(outcome, 'unfinished') FROM keapsync.refresh_attempt"),
            "unfinished");
}

}  // namespace
}  // namespace keapsync::auth
