// TokenStore against PostgreSQL: versions, states, encryption at rest (the
// raw bytea never holds a token), rows that must not open, key rotation.
#include "db/token_store.hpp"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <chrono>
#include <sstream>

#include "db/migrator.hpp"
#include "log/logger.hpp"
#include "support/migrated_database.hpp"

namespace keapsync::db {
namespace {

using namespace std::chrono_literals;

TokenCipher key(char fill) {
  return TokenCipher::from_key_material(std::string(64, fill));
}

const Timestamp kNow = from_micros(1'800'000'000'000'000);

TokenPair pair(const std::string& tag) {
  return {config::Secret("access-" + tag + "-Zq81x"), config::Secret("refresh-" + tag + "-Kp20w"),
          kNow, kNow + 24h, "full|ab123.infusionsoft.com"};
}

std::string raw_column(testing::MigratedDatabase& db, const std::string& account,
                       const std::string& column) {
  pqxx::work tx(db.conn());
  const auto r = tx.exec_params1(
      "SELECT " + column + " FROM keapsync.credentials WHERE account = $1", account);
  return pqxx::binarystring(r[0]).str();
}

TEST(TokenStore, SaveAndReadBackWithVersionsAndTimes) {
  testing::MigratedDatabase db;
  TokenStore store(db.conn(), key('1'));
  EXPECT_EQ(store.read("shop"), std::nullopt);
  EXPECT_EQ(store.save("shop", pair("a")), 1);
  auto c = store.read("shop");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_token.reveal(), "access-a-Zq81x");
  EXPECT_EQ(c->refresh_token.reveal(), "refresh-a-Kp20w");
  EXPECT_EQ(c->issued_at, kNow);
  EXPECT_EQ(c->expires_at, kNow + 24h);
  EXPECT_EQ(c->scope, "full|ab123.infusionsoft.com");
  EXPECT_EQ(c->version, 1);
  EXPECT_EQ(c->state, CredentialState::ok);
  EXPECT_EQ(c->key_id, key('1').key_id());
  EXPECT_EQ(store.save("shop", pair("b")), 2);
  EXPECT_EQ(store.read("shop")->refresh_token.reveal(), "refresh-b-Kp20w");
  EXPECT_EQ(store.save("other", pair("c")), 1);
  EXPECT_EQ(store.read("shop")->version, 2);
}

TEST(TokenStore, EncryptedBytesHoldNoToken) {
  testing::MigratedDatabase db;
  TokenStore store(db.conn(), key('1'));
  store.save("shop", pair("a"));
  for (const char* column : {"access_token", "refresh_token"}) {
    const auto raw = raw_column(db, "shop", column);
    EXPECT_EQ(raw.find("Zq81x"), std::string::npos) << column;
    EXPECT_EQ(raw.find("Kp20w"), std::string::npos) << column;
    EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x01);
  }
  // And the whole row as text, as a pg_dump would show it.
  EXPECT_EQ(db.scalar("SELECT position('Zq81x' in t.*::text) + position('Kp20w' in t.*::text)"
                      " FROM keapsync.credentials t"),
            "0");
}

TEST(TokenStore, WithoutAKeyTokensAreStoredPlainWithoutKeyId) {
  testing::MigratedDatabase db;
  TokenStore store(db.conn(), std::nullopt);
  EXPECT_FALSE(store.encrypts());
  store.save("shop", pair("a"));
  EXPECT_EQ(raw_column(db, "shop", "refresh_token"), "refresh-a-Kp20w");
  EXPECT_EQ(db.scalar("SELECT key_id FROM keapsync.credentials"), "NULL");
  EXPECT_EQ(store.read("shop")->key_id, std::nullopt);
}

TEST(TokenStore, RowsMovedBetweenAccountsOrColumnsDoNotOpen) {
  testing::MigratedDatabase db;
  TokenStore store(db.conn(), key('1'));
  store.save("shop", pair("a"));
  store.save("thief", pair("b"));
  db.scalar(
      "UPDATE keapsync.credentials t SET refresh_token = s.refresh_token FROM keapsync.credentials "
      "s"
      " WHERE t.account = 'thief' AND s.account = 'shop' RETURNING 1");
  EXPECT_THROW(store.read("thief"), CredentialDecryptError);
  db.scalar(
      "UPDATE keapsync.credentials SET access_token = refresh_token WHERE account = 'shop'"
      " RETURNING 1");
  try {
    store.read("shop");
    ADD_FAILURE() << "a swapped column opened";
  } catch (const CredentialDecryptError& e) {
    EXPECT_NE(std::string(e.what()).find("access_token of account 'shop'"), std::string::npos)
        << e.what();
  }
}

TEST(TokenStore, UnknownKeyOrMissingKeyIsAClearError) {
  testing::MigratedDatabase db;
  TokenStore(db.conn(), key('1')).save("shop", pair("a"));
  try {
    TokenStore(db.conn(), key('2')).read("shop");
    ADD_FAILURE() << "opened with another key";
  } catch (const CredentialDecryptError& e) {
    EXPECT_NE(std::string(e.what()).find(key('1').key_id()), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("Zq81x"), std::string::npos);
  }
  try {
    TokenStore(db.conn(), std::nullopt).read("shop");
    ADD_FAILURE() << "opened without a key";
  } catch (const CredentialDecryptError& e) {
    EXPECT_NE(std::string(e.what()).find("no token_encryption_key_file"), std::string::npos)
        << e.what();
  }
}

TEST(TokenStore, RotateKeyRewritesOldAndPlainRows) {
  testing::MigratedDatabase db;
  TokenStore(db.conn(), std::nullopt).save("plain", pair("p"));
  TokenStore(db.conn(), key('1')).save("old", pair("o"));
  TokenStore(db.conn(), key('2')).save("new", pair("n"));
  const auto old_bytes = raw_column(db, "old", "refresh_token");

  TokenStore rotating(db.conn(), key('2'), {key('1')});
  EXPECT_EQ(rotating.read("old")->refresh_token.reveal(),
            "refresh-o-Kp20w");  // before: via previous
  // Without --seal-plain the unsealed row is named and left alone.
  const auto careful = rotating.rotate_key();
  EXPECT_EQ(careful.rewritten, 1);
  EXPECT_EQ(careful.plain, (std::vector<std::string>{"plain"}));
  EXPECT_EQ(raw_column(db, "plain", "refresh_token"), "refresh-p-Kp20w");
  const auto report = rotating.rotate_key(true);
  EXPECT_EQ(report.rewritten, 1);
  EXPECT_EQ(report.unchanged, 2);
  EXPECT_TRUE(report.plain.empty());
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.credentials WHERE key_id = '" +
                      key('2').key_id() + "'"),
            "3");
  EXPECT_NE(raw_column(db, "old", "refresh_token"), old_bytes);
  EXPECT_EQ(raw_column(db, "plain", "refresh_token").find("Kp20w"), std::string::npos);

  // The new key alone now opens every row; versions did not move (same tokens).
  TokenStore only_new(db.conn(), key('2'));
  EXPECT_EQ(only_new.read("plain")->access_token.reveal(), "access-p-Zq81x");
  EXPECT_EQ(only_new.read("old")->refresh_token.reveal(), "refresh-o-Kp20w");
  EXPECT_EQ(only_new.read("old")->version, 1);
  EXPECT_THROW(TokenStore(db.conn(), key('1')).read("old"), CredentialDecryptError);
  EXPECT_EQ(only_new.rotate_key().rewritten, 0);
  EXPECT_THROW(TokenStore(db.conn(), std::nullopt).rotate_key(), std::logic_error);
}

TEST(TokenStore, APlainRowIsRefusedWhileAKeyIsConfiguredUntilRotateKeySealsIt) {
  testing::MigratedDatabase db;
  // Planted by whoever could write the table, or left from token_encryption: none.
  db.scalar(
      "INSERT INTO keapsync.credentials (account, access_token, refresh_token, issued_at,"
      " expires_at) VALUES ('shop', 'access-planted-Zq81x'::bytea, 'refresh-planted-Kp20w'::bytea,"
      " now(), now() + interval '1 day') RETURNING account");
  TokenStore sealed(db.conn(), key('1'));
  try {
    sealed.read("shop");
    FAIL() << "a plain row opened while a key is configured";
  } catch (const CredentialDecryptError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("stored unencrypted while token_encryption_key_file is set"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("keapsync auth --rotate-key --seal-plain"), std::string::npos) << what;
    EXPECT_EQ(what.find("planted"), std::string::npos) << what;
  }
  EXPECT_EQ(TokenStore(db.conn(), std::nullopt).read("shop")->refresh_token.reveal(),
            "refresh-planted-Kp20w");           // token_encryption: none reads what it wrote
  EXPECT_EQ(sealed.rotate_key().rewritten, 0);  // a routine rotation does not adopt it
  EXPECT_EQ(sealed.rotate_key(true).rewritten, 1);
  EXPECT_EQ(sealed.read("shop")->refresh_token.reveal(), "refresh-planted-Kp20w");
}

TEST(TokenStore, TokensOfAnotherTenantDoNotReplaceTheAccountsUnlessAskedFor) {
  testing::MigratedDatabase db;
  TokenStore store(db.conn(), key('1'));
  EXPECT_EQ(store.save("shop", pair("a"), {.seen = "tenant-a"}), 1);
  EXPECT_EQ(store.tenant("shop"), "tenant-a");
  EXPECT_EQ(store.save("shop", pair("b"), {.seen = "tenant-a"}), 2);
  // Unknown (userinfo did not answer): not taken for the recorded tenant.
  EXPECT_THROW(store.save("shop", pair("u"), {}), TenantMismatch);
  EXPECT_EQ(store.save("shop", pair("c"), {.seen = "tenant-a"}), 3);
  // What keapsync learned in tenant-a: ids that name other things in tenant-b.
  db.scalar(
      "WITH i AS (INSERT INTO keapsync.contact_map (account, contact_ref, keap_id) VALUES"
      " ('shop', 'ada', '1'), ('other', 'bob', '2') RETURNING 1) SELECT count(*) FROM i");
  db.scalar(
      "INSERT INTO keapsync.tag_name (account, name, keap_id) VALUES ('shop', 'VIP', 5)"
      " RETURNING 1");

  try {
    store.save("shop", pair("x"), {.seen = "tenant-b"});
    FAIL() << "another tenant's tokens replaced the account's";
  } catch (const TenantMismatch& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("tenant-a"), std::string::npos) << what;
    EXPECT_NE(what.find("tenant-b"), std::string::npos) << what;
    EXPECT_NE(what.find("--new-tenant"), std::string::npos) << what;
  }
  EXPECT_EQ(store.read("shop")->refresh_token.reveal(), "refresh-c-Kp20w");
  EXPECT_EQ(store.read("shop")->version, 3);

  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.contact_map"), "2");  // nothing changed

  EXPECT_EQ(store.save("shop", pair("x"), {.seen = "tenant-b", .replace = true}), 4);
  EXPECT_EQ(store.tenant("shop"), "tenant-b");
  EXPECT_EQ(store.read("shop")->refresh_token.reveal(), "refresh-x-Kp20w");
  EXPECT_EQ(db.scalar("SELECT string_agg(account, ',') FROM keapsync.contact_map"), "other");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.tag_name"), "0");
  EXPECT_EQ(store.tenant("nobody"), std::nullopt);
}

TEST(TokenStore, RotateKeyWithoutThePreviousKeyChangesNothing) {
  testing::MigratedDatabase db;
  TokenStore(db.conn(), std::nullopt).save("plain", pair("p"));
  TokenStore(db.conn(), key('1')).save("old", pair("o"));
  EXPECT_THROW(TokenStore(db.conn(), key('2')).rotate_key(), CredentialDecryptError);
  // One transaction: the plain row was not rewritten either.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.credentials WHERE key_id IS NULL"), "1");
}

TEST(TokenStore, ReauthorizationRequiredUntilTheNextAuthorization) {
  testing::MigratedDatabase db;
  TokenStore store(db.conn(), key('1'));
  EXPECT_FALSE(store.mark_reauthorization_required("shop", "invalid_grant", kNow));
  store.save("shop", pair("a"));
  EXPECT_TRUE(store.mark_reauthorization_required("shop", "invalid_grant: Invalid refresh token",
                                                  kNow + 1h));
  auto c = store.read("shop");
  EXPECT_EQ(c->state, CredentialState::reauthorization_required);
  EXPECT_EQ(c->reauthorization_reason, "invalid_grant: Invalid refresh token");
  EXPECT_EQ(c->version, 1);  // the pair itself did not change
  EXPECT_EQ(c->refresh_token.reveal(), "refresh-a-Kp20w");
  EXPECT_EQ(db.scalar("SELECT keapsync.ts_to_us(reauth_at)"
                      " FROM keapsync.credentials"),
            std::to_string(to_micros(kNow + 1h)));
  EXPECT_EQ(store.save("shop", pair("b")), 2);
  c = store.read("shop");
  EXPECT_EQ(c->state, CredentialState::ok);
  EXPECT_EQ(c->reauthorization_reason, "");
}

TEST(TokenStore, TokensReadFromTheDatabaseNeverReachALog) {
  testing::MigratedDatabase db;
  // Written by SQL, so this process meets the tokens first through read().
  const std::string access = "access-only-in-db-" + std::to_string(::getpid()) + "-Yv7t";
  const std::string refresh = "refresh-only-in-db-" + std::to_string(::getpid()) + "-Wq3e";
  {
    pqxx::work tx(db.conn());
    tx.exec_params(
        "INSERT INTO keapsync.credentials (account, access_token, refresh_token)"
        " VALUES ('shop', convert_to($1, 'UTF8'), convert_to($2, 'UTF8'))",
        access, refresh);
    tx.commit();
  }
  const auto c = TokenStore(db.conn(), std::nullopt).read("shop");
  ASSERT_EQ(c->refresh_token.reveal(), refresh);
  std::ostringstream out;
  auto logger = log::make_logger({}, std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger.info("careless " + c->access_token.reveal(), {{"token", c->refresh_token.reveal()}});
  EXPECT_NE(out.str().find("careless"), std::string::npos);
  EXPECT_EQ(out.str().find("Yv7t"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("Wq3e"), std::string::npos) << out.str();
}

TEST(TokenStore, MigrationTwoAddsTheColumnsToAnExistingStore) {
  testing::MigratedDatabase db;
  EXPECT_GE(Migrator::current_version(db.conn()), 2);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_schema ="
                      " 'keapsync' AND table_name = 'credentials' AND column_name IN"
                      " ('issued_at', 'scope', 'reauth_reason', 'reauth_at')"),
            "4");
}

}  // namespace
}  // namespace keapsync::db
