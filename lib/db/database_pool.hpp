// Runs blocking libpqxx work on a small thread pool, each call on a connection
// of its own, and hands the result back to the awaiting coroutine's executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <type_traits>
#include <vector>

namespace keapsync::db {

class DatabasePool {
 public:
  // `threads` blocking calls run at once; connections are opened lazily and
  // reopened when broken. Each session has lock_timeout 5 s, statement_timeout
  // 30 s and idle_in_transaction_session_timeout 60 s.
  DatabasePool(std::string url, int threads);
  ~DatabasePool();
  DatabasePool(const DatabasePool&) = delete;
  DatabasePool& operator=(const DatabasePool&) = delete;

  // co_await pool.run([&](pqxx::connection& c) { return ...; });
  // Capture by reference only: GCC 12 destroys a lambda temporary of a
  // co_await expression twice, which frees by-value captures twice.
  // Exceptions of `fn` (a lost database) reach the caller; the connection is
  // then dropped and the next call reconnects.
  template <typename Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn, pqxx::connection&>> run(Fn fn) {
    using R = std::invoke_result_t<Fn, pqxx::connection&>;
    // co_spawn onto the pool: the inner coroutine runs on a pool thread and
    // the caller resumes on its own executor. (A plain `co_await post(pool)`
    // would resume the caller on its own executor and block the event loop.)
    co_return co_await boost::asio::co_spawn(
        threads_,
        [this, fn = std::move(fn)]() mutable -> boost::asio::awaitable<R> {
          if constexpr (std::is_void_v<R>) {
            with_connection([&](pqxx::connection& c) { fn(c); });
          } else {
            std::optional<R> result;
            with_connection([&](pqxx::connection& c) { result.emplace(fn(c)); });
            co_return std::move(*result);
          }
        },
        boost::asio::use_awaitable);
  }

  const std::string& url() const { return url_; }

 private:
  template <typename Body>
  void with_connection(Body&& body) {
    auto conn = acquire();
    try {
      body(*conn);
    } catch (...) {
      discard(std::move(conn));
      throw;
    }
    give_back(std::move(conn));
  }
  std::unique_ptr<pqxx::connection> acquire();
  void give_back(std::unique_ptr<pqxx::connection> conn);
  void discard(std::unique_ptr<pqxx::connection> conn);

  std::string url_;
  boost::asio::thread_pool threads_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
};

}  // namespace keapsync::db
