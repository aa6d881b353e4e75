// TokenRefresher in one process: what each outcome leaves in the store, and
// that a waiter never calls the token endpoint while another session holds
// the account's row.
#include "auth/token_refresher.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "base/manual_clock.hpp"
#include "support/migrated_database.hpp"

namespace keapsync::auth {
namespace {

using namespace std::chrono_literals;
using Kind = RefreshResult::Kind;
using db::CredentialState;
using db::from_micros;
using db::Timestamp;
using db::to_micros;
using db::TokenCipher;
using db::TokenPair;
using db::TokenStore;

const Timestamp kNow = from_micros(1'800'000'000'000'000);

TokenPair pair(const std::string& tag) {
  return {config::Secret("access-" + tag + "-Zq81x"), config::Secret("refresh-" + tag + "-Kp20w"),
          kNow, kNow + 24h, "full|ab123.infusionsoft.com"};
}

// What Keap's token endpoint answers, in the shapes the tests use.
struct Answer {
  // A grant of `p`'s tokens; its issue time is the refresher's clock.
  static TokenResult refreshed(const TokenPair& p) {
    return TokenGrant{p.access_token, p.refresh_token,
                      std::chrono::duration_cast<std::chrono::seconds>(p.expires_at - p.issued_at),
                      p.scope, ""};
  }
  static TokenResult dead_token(std::string message) {
    return TokenError{TokenErrorKind::dead_refresh_token, 400, "invalid_grant", std::move(message)};
  }
  static TokenResult transient(std::string message, bool may_have_rotated = false) {
    return TokenError{TokenErrorKind::transient, 0, "", std::move(message), may_have_rotated};
  }
  static TokenResult client_rejected(std::string message) {
    return TokenError{TokenErrorKind::bad_client_credentials, 401, "invalid_client",
                      std::move(message)};
  }
};

std::chrono::steady_clock::time_point in(std::chrono::milliseconds d) {
  return std::chrono::steady_clock::now() + d;
}

struct Fixture {
  testing::MigratedDatabase db;
  TokenStore store{db.conn(), TokenCipher::from_key_material(std::string(64, 'a'))};
  db::RefreshJournal journal{db.url()};
  ManualClock clock{kNow};
  TokenRefresher refresher{store, journal, {}, clock.clock()};
  int calls = 0;
  std::string seen_refresh_token;

  TokenRefresher::RefreshFn answer(TokenResult outcome) {
    return [this, outcome](const config::Secret& refresh_token) {
      ++calls;
      seen_refresh_token = refresh_token.reveal();
      return outcome;
    };
  }
};

TEST(TokenRefresher, SuccessCommitsTheNewPairBeforeReturningIt) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  f.clock.set(kNow + 1h);  // Keap answers an hour after the first pair
  const auto r = f.refresher.refresh("shop", 1, f.answer(Answer::refreshed(pair("v2"))), in(10s));
  EXPECT_EQ(r.kind, Kind::refreshed) << to_string(r.kind);
  EXPECT_TRUE(r.called_token_endpoint);
  EXPECT_EQ(f.calls, 1);
  EXPECT_EQ(f.seen_refresh_token, "refresh-v1-Kp20w");
  ASSERT_TRUE(r.credentials);
  EXPECT_EQ(r.credentials->version, 2);
  EXPECT_EQ(r.credentials->access_token.reveal(), "access-v2-Zq81x");
  const auto stored = f.store.read("shop");
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(stored->refresh_token.reveal(), "refresh-v2-Kp20w");
  EXPECT_EQ(stored->issued_at, kNow + 1h);
  EXPECT_EQ(stored->expires_at, kNow + 25h);
  EXPECT_EQ(stored->key_id, r.credentials->key_id);
  EXPECT_EQ(f.db.scalar("SELECT keapsync.ts_to_us(updated_at) FROM keapsync.credentials"),
            std::to_string(to_micros(kNow + 1h)));
}

TEST(TokenRefresher, ANewerVersionIsReturnedWithoutACall) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  f.store.save("shop", pair("v2"));  // a sibling (or `keapsync auth`) got there first
  const auto r = f.refresher.refresh("shop", 1, f.answer(Answer::refreshed(pair("x"))), in(10s));
  EXPECT_EQ(r.kind, Kind::refreshed_by_sibling);
  EXPECT_EQ(f.calls, 0);
  EXPECT_FALSE(r.called_token_endpoint);
  EXPECT_EQ(r.credentials->access_token.reveal(), "access-v2-Zq81x");
  EXPECT_EQ(r.credentials->version, 2);
}

TEST(TokenRefresher, ARejectedClientLeavesThePairAsItWas) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  const auto before = f.db.scalar("SELECT t.*::text FROM keapsync.credentials t");
  const auto r =
      f.refresher.refresh("shop", 1, f.answer(Answer::client_rejected("invalid_client")), in(10s));
  EXPECT_EQ(r.kind, Kind::client_rejected);
  EXPECT_EQ(r.error, "invalid_client");
  // Keap did not take the refresh token: it stays, and the account is not marked dead.
  EXPECT_EQ(f.db.scalar("SELECT t.*::text FROM keapsync.credentials t"), before);
}

TEST(TokenRefresher, TransientFailureLeavesEverythingAsItWas) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  const auto before = f.db.scalar("SELECT t.*::text FROM keapsync.credentials t");
  const auto r =
      f.refresher.refresh("shop", 1, f.answer(Answer::transient("token endpoint: 503")), in(10s));
  EXPECT_EQ(r.kind, Kind::transient_failure);
  EXPECT_EQ(r.error, "token endpoint: 503");
  EXPECT_EQ(f.db.scalar("SELECT t.*::text FROM keapsync.credentials t"), before);
  // The lock is gone with the transaction: the next attempt proceeds.
  const auto again =
      f.refresher.refresh("shop", 1, f.answer(Answer::refreshed(pair("v2"))), in(10s));
  EXPECT_EQ(again.kind, Kind::refreshed);
  EXPECT_EQ(f.calls, 2);
}

TEST(TokenRefresher, ACallbackThatThrowsRollsBack) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  EXPECT_THROW(
      f.refresher.refresh(
          "shop", 1, [](const config::Secret&) -> TokenResult { throw std::runtime_error("boom"); },
          in(10s)),
      std::runtime_error);
  EXPECT_EQ(f.store.read("shop")->version, 1);
  EXPECT_EQ(f.refresher.refresh("shop", 1, f.answer(Answer::refreshed(pair("v2"))), in(10s)).kind,
            Kind::refreshed);
}

TEST(TokenRefresher, DeadTokenRequiresReauthorizationAndStopsFurtherCalls) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  const auto r = f.refresher.refresh(
      "shop", 1, f.answer(Answer::dead_token("invalid_grant: Invalid refresh token")), in(10s));
  EXPECT_EQ(r.kind, Kind::reauthorization_required);
  EXPECT_EQ(f.store.read("shop")->state, CredentialState::reauthorization_required);
  EXPECT_EQ(f.store.read("shop")->reauthorization_reason, "invalid_grant: Invalid refresh token");
  const auto again =
      f.refresher.refresh("shop", 1, f.answer(Answer::refreshed(pair("v2"))), in(10s));
  EXPECT_EQ(again.kind, Kind::reauthorization_required);
  EXPECT_EQ(again.error, "invalid_grant: Invalid refresh token");
  EXPECT_EQ(f.calls, 1);
  // A new authorization ends it.
  f.store.save("shop", pair("auth"));
  EXPECT_EQ(f.refresher.refresh("shop", 2, f.answer(Answer::refreshed(pair("v3"))), in(10s)).kind,
            Kind::refreshed);
}

TEST(TokenRefresher, NoRowOrNoRefreshTokenMeansNoCredentials) {
  Fixture f;
  auto r = f.refresher.refresh("shop", 0, f.answer(Answer::refreshed(pair("x"))), in(10s));
  EXPECT_EQ(r.kind, Kind::no_credentials);
  f.db.scalar("INSERT INTO keapsync.credentials (account) VALUES ('bare') RETURNING 1");
  r = f.refresher.refresh("bare", 1, f.answer(Answer::refreshed(pair("x"))), in(10s));
  EXPECT_EQ(r.kind, Kind::no_credentials);
  EXPECT_EQ(f.calls, 0);
}

TEST(TokenRefresher, AWaiterWhoseDeadlinePassesNeverCallsTheEndpoint) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  RefreshTiming timing;
  timing.lock_wait = 100ms;
  TokenRefresher impatient(f.store, f.journal, timing);
  // Another session holds the row, as a sibling in the middle of its token call would.
  auto other = f.db.connect();
  pqxx::work holder(*other);
  holder.exec("SELECT 1 FROM keapsync.credentials WHERE account = 'shop' FOR UPDATE");

  const auto started = std::chrono::steady_clock::now();
  const auto r = impatient.refresh("shop", 1, f.answer(Answer::refreshed(pair("x"))), in(550ms));
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.kind, Kind::timed_out) << to_string(r.kind);
  EXPECT_EQ(f.calls, 0);
  EXPECT_GE(r.lock_timeouts, 2);  // it waited, timed out, re-read and waited again
  EXPECT_GE(waited, 500ms);
  EXPECT_LT(waited, 5s);
  holder.abort();
  EXPECT_EQ(f.store.read("shop")->version, 1);
}

TEST(TokenRefresher, AWaiterTakesTheSiblingsPairWhenTheLockIsReleased) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  // The sibling's transaction commits a new pair while our refresh waits.
  auto other = f.db.connect();
  TokenStore sibling(*other, TokenCipher::from_key_material(std::string(64, 'a')));
  pqxx::work holder(*other);
  sibling.read(holder, "shop", true);
  std::thread release([&] {
    // Commit once our refresh is blocked on the row (seen in pg_stat_activity).
    auto watcher = f.db.connect();
    for (int i = 0; i < 1000; ++i) {
      pqxx::work w(*watcher);
      const auto n = w.exec(
                          "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                          " AND datname = current_database()")[0][0]
                         .as<int>();
      w.commit();
      if (n > 0) break;
      std::this_thread::sleep_for(5ms);
    }
    sibling.replace(holder, "shop", pair("sibling"), 1);
    holder.commit();
  });
  const auto r = f.refresher.refresh("shop", 1, f.answer(Answer::refreshed(pair("x"))), in(10s));
  release.join();
  EXPECT_EQ(r.kind, Kind::refreshed_by_sibling) << to_string(r.kind);
  EXPECT_EQ(f.calls, 0);
  EXPECT_EQ(r.credentials->access_token.reveal(), "access-sibling-Zq81x");
  EXPECT_EQ(r.lock_timeouts, 0);
}

TEST(TokenRefresher, TheAttemptIsDurableBeforeTheRefreshTokenLeaves) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  auto side = f.db.connect();
  std::string seen_during_call;
  const auto r = f.refresher.refresh(
      "shop", 1,
      [&](const config::Secret&) {
        // Another session sees it committed while the row is still locked.
        pqxx::work tx(*side);
        seen_during_call =
            tx.exec(
                  "SELECT version || ' ' || (finished_at IS NULL) FROM keapsync.refresh_attempt"
                  " WHERE account = 'shop'")[0][0]
                .as<std::string>();
        tx.commit();
        return Answer::refreshed(pair("v2"));
      },
      in(10s));
  EXPECT_EQ(r.kind, Kind::refreshed);
  EXPECT_EQ(seen_during_call, "1 true");
  EXPECT_EQ(f.db.scalar("SELECT outcome FROM keapsync.refresh_attempt"), "refreshed");
}

TEST(TokenRefresher, APairWhoseCommitFailsIsHandedBackAndStoredLater) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  const auto pid = f.store.connection().backendpid();
  auto admin = f.db.connect();
  // Keap answers, and meanwhile the server ends the session holding the lock.
  const auto r = f.refresher.refresh(
      "shop", 1,
      [&](const config::Secret&) {
        pqxx::nontransaction(*admin).exec("SELECT pg_terminate_backend(" + std::to_string(pid) +
                                          ")");
        return Answer::refreshed(pair("v2"));
      },
      in(10s));
  ASSERT_EQ(r.kind, Kind::refreshed_unsaved) << to_string(r.kind) << " " << r.error;
  ASSERT_TRUE(r.credentials);
  EXPECT_EQ(r.credentials->refresh_token.reveal(), "refresh-v2-Kp20w");
  EXPECT_EQ(r.credentials->version, 2);  // the version it will have
  EXPECT_EQ(f.db.scalar("SELECT outcome FROM keapsync.refresh_attempt"), "unsaved");

  // A sibling, refreshing from the spent token meanwhile, marks the account dead.
  auto fresh = f.db.connect();
  TokenStore store(*fresh, TokenCipher::from_key_material(std::string(64, 'a')));
  store.mark_reauthorization_required("shop", "invalid_grant", kNow);
  // The saved pair wins: version 2, usable again.
  EXPECT_EQ(store.save_rotated("shop", pair("v2"), 1), 2);
  const auto stored = store.read("shop");
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(stored->state, CredentialState::ok);
  EXPECT_EQ(stored->refresh_token.reveal(), "refresh-v2-Kp20w");
  // Saving again (a retry after a commit that had landed) changes nothing.
  EXPECT_EQ(store.save_rotated("shop", pair("v2"), 1), 2);
  // After another authorization the unsaved pair is not written over it.
  store.save("shop", pair("auth"));
  EXPECT_EQ(store.save_rotated("shop", pair("v2"), 1), std::nullopt);
  EXPECT_EQ(store.read("shop")->refresh_token.reveal(), "refresh-auth-Kp20w");
}

TEST(TokenRefresher, ADeadTokenAfterALostAnswerSaysWhereItWent) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  auto r = f.refresher.refresh(
      "shop", 1, f.answer(Answer::transient("connection closed after the request", true)), in(10s));
  EXPECT_EQ(r.kind, Kind::transient_failure);
  EXPECT_TRUE(r.may_have_rotated);
  EXPECT_EQ(f.db.scalar("SELECT outcome FROM keapsync.refresh_attempt"), "answer_lost");
  r = f.refresher.refresh(
      "shop", 1, f.answer(Answer::dead_token("invalid_grant: Invalid refresh token")), in(10s));
  EXPECT_EQ(r.kind, Kind::reauthorization_required);
  EXPECT_NE(r.error.find("whose answer was lost"), std::string::npos) << r.error;
  EXPECT_EQ(f.store.read("shop")->reauthorization_reason, r.error);
}

TEST(TokenRefresher, ADeadTokenAfterAnAttemptThatNeverFinishedSaysSo) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  f.journal.started("shop", 1);  // then the process was killed
  // While that attempt may still be answered and stored, its token is not sent again.
  auto r = f.refresher.refresh("shop", 1, f.answer(Answer::dead_token("invalid_grant")), in(10s));
  EXPECT_EQ(r.kind, Kind::transient_failure) << to_string(r.kind);
  EXPECT_FALSE(r.called_token_endpoint);
  EXPECT_EQ(f.calls, 0);
  // Once its process can no longer be storing it, the next attempt finds out.
  f.db.scalar(
      "UPDATE keapsync.refresh_attempt SET started_at = started_at - interval '76 seconds'"
      " RETURNING 1");
  r = f.refresher.refresh("shop", 1, f.answer(Answer::dead_token("invalid_grant")), in(10s));
  EXPECT_EQ(f.calls, 1);
  EXPECT_NE(r.error.find("never finished"), std::string::npos) << r.error;
  // An unexplained dead token (no earlier attempt on this pair) is reported as Keap said it.
  EXPECT_EQ(dead_token_reason(std::nullopt, 1, "invalid_grant"), "invalid_grant");
  db::RefreshAttempt other{7, kNow, kNow, "answer_lost", std::chrono::minutes(1)};
  EXPECT_EQ(dead_token_reason(other, 1, "invalid_grant"), "invalid_grant");
}

TEST(TokenRefresher, WaitsThatDoNotNestAreRefused) {
  Fixture f;
  RefreshTiming t;
  t.hold_limit = t.token_call;  // the server could end the session holding Keap's answer
  EXPECT_THROW(TokenRefresher(f.store, f.journal, t), std::invalid_argument);
  t = {};
  t.hold_limit = t.token_call + t.commit_margin;  // no time left to store it
  EXPECT_THROW(TokenRefresher(f.store, f.journal, t), std::invalid_argument);
  t = {};
  t.sibling_wait = t.token_call + t.commit_margin;  // a waiter gives up as the holder stores
  EXPECT_THROW(TokenRefresher(f.store, f.journal, t), std::invalid_argument);
  EXPECT_NO_THROW(TokenRefresher(f.store, f.journal, RefreshTiming{}));
}

TEST(TokenRefresher, APairWaitingUnsavedInAnotherProcessIsLeftToIt) {
  Fixture f;
  f.store.save("shop", pair("v1"));
  f.journal.started("shop", 1);
  f.journal.finished("shop", 1, "unsaved");  // its process holds the new pair, retrying the write
  f.db.scalar(
      "UPDATE keapsync.refresh_attempt SET started_at = started_at - interval '2 minutes'"
      " RETURNING 1");
  auto r = f.refresher.refresh("shop", 1, f.answer(Answer::refreshed(pair("v2"))), in(10s));
  EXPECT_EQ(r.kind, Kind::transient_failure) << to_string(r.kind);
  EXPECT_EQ(f.calls, 0);
  f.db.scalar(
      "UPDATE keapsync.refresh_attempt SET started_at = started_at - interval '4 minutes'"
      " RETURNING 1");
  r = f.refresher.refresh("shop", 1, f.answer(Answer::refreshed(pair("v2"))), in(10s));
  EXPECT_EQ(r.kind, Kind::refreshed) << to_string(r.kind);
  EXPECT_EQ(f.calls, 1);
}

TEST(TokenRefresher, AJournalConnectionTheServerEndedIsReplacedBeforeTheCall) {
  // A refresh comes about once a day: the journal's connection may have been
  // ended meanwhile (idle_session_timeout, a restart), and the refresh must
  // not fail on it.
  Fixture f;
  f.store.save("shop", pair("v1"));
  ASSERT_EQ(f.refresher.refresh("shop", 1, f.answer(Answer::refreshed(pair("v2"))), in(10s)).kind,
            Kind::refreshed);
  auto admin = f.db.connect();
  pqxx::nontransaction(*admin).exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + f.db.name() +
      "' AND pid NOT IN (pg_backend_pid(), " + std::to_string(f.store.connection().backendpid()) +
      ")");
  for (int i = 0; i < 500; ++i) {  // until the ended sessions are gone (no event to await)
    const auto left = pqxx::nontransaction(*admin).exec(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + f.db.name() + "'");
    if (left[0][0].as<int>() <= 2) break;
    std::this_thread::sleep_for(2ms);
  }
  const auto r = f.refresher.refresh("shop", 2, f.answer(Answer::refreshed(pair("v3"))), in(10s));
  EXPECT_EQ(r.kind, Kind::refreshed) << to_string(r.kind) << " " << r.error;
  EXPECT_EQ(f.calls, 2);
}

}  // namespace
}  // namespace keapsync::auth
