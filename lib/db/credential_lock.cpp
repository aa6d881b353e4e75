// SELECT … FOR UPDATE with a bounded wait, and the writes that end the lock.
#include "db/credential_lock.hpp"

#include <pqxx/pqxx>

namespace keapsync::db {
namespace {

constexpr const char* kLockNotAvailable = "55P03";

}  // namespace

CredentialLock::CredentialLock(TokenStore& store, std::string account)
    : store_(store), account_(std::move(account)), tx_(store.connection(), "token_refresh") {}

std::unique_ptr<CredentialLock> CredentialLock::acquire(TokenStore& store,
                                                        const std::string& account,
                                                        std::chrono::milliseconds wait,
                                                        std::chrono::milliseconds hold_limit) {
  auto lock = std::make_unique<CredentialLock>(store, account);
  // lock_timeout 0 would mean "wait for ever": at least 1 ms. statement_timeout
  // 0: lock_timeout alone bounds the wait (a server-wide statement_timeout
  // would end it with another error). synchronous_commit: the commit that
  // saves a rotated pair must be durable even where the server trades
  // durability for speed.
  lock->tx_.exec(
      "SET LOCAL lock_timeout = " + std::to_string(std::max<long long>(1, wait.count())) +
      "; SET LOCAL statement_timeout = 0"
      "; SET LOCAL idle_in_transaction_session_timeout = " +
      std::to_string(hold_limit.count()) + "; SET LOCAL synchronous_commit = on");
  try {
    lock->row_ = store.read(lock->tx_, account, /*for_update=*/true);
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() != kLockNotAvailable) throw;
    return nullptr;  // the failed transaction rolls back with the object
  }
  return lock;
}

std::int64_t CredentialLock::replace(const TokenPair& tokens) {
  const auto version = store_.replace(tx_, account_, tokens, row_.value().version);
  tx_.commit();
  return version;
}

void CredentialLock::mark_reauthorization_required(const std::string& reason, Timestamp at) {
  store_.mark_reauthorization_required(tx_, account_, reason, at);
  tx_.commit();
}

void CredentialLock::release() {
  tx_.abort();
}

}  // namespace keapsync::db
