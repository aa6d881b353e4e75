// Four workers with their own connections drain 20,000 rows over 500 contacts
// while the shop is still inserting: no contact is held twice, per-contact
// order holds, every row is delivered exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "db/outbox_repository.hpp"
#include "support/migrated_database.hpp"

namespace keapsync::db {
namespace {

TEST(OutboxConcurrency, FourWorkersKeepOrderAndDeliverEveryRowOnce) {
  constexpr int kRows = 20000;
  constexpr int kContacts = 500;
  constexpr int kWorkers = 4;
  constexpr int kRowsPerStatement = 100;
  testing::MigratedDatabase db;

  std::mutex mutex;
  std::map<std::string, int> holder;              // contact → worker holding it
  std::map<std::string, std::int64_t> last_done;  // contact → last delivered id
  std::set<std::int64_t> delivered;
  std::vector<std::string> violations;
  std::atomic<bool> inserting{true};
  auto violation = [&](std::string what) {
    std::lock_guard lock(mutex);
    if (violations.size() < 20) violations.push_back(std::move(what));
  };

  std::thread shop([&] {
    auto conn = db.connect();
    std::mt19937 rng(42);
    for (int done = 0; done < kRows; done += kRowsPerStatement) {
      std::string values;
      for (int i = 0; i < kRowsPerStatement; ++i) {
        values += (i ? ",('c" : "('c") + std::to_string(rng() % kContacts) + "')";
      }
      pqxx::work tx(*conn);
      tx.exec("INSERT INTO keapsync.outbox (contact_ref) VALUES " + values);
      tx.commit();
    }
    inserting = false;
  });

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      auto conn = db.connect();
      OutboxRepository repo(*conn);
      ClaimOptions o;
      o.worker = "w" + std::to_string(w);
      o.max_contacts = 8;
      o.quotas = {{"default", 8}};
      o.max_rows_per_contact = 7;  // contacts need several claims: order is tested across them
      std::mt19937 rng(w);
      int idle_rounds = 0;
      while (idle_rounds < 3) {
        const auto claimed = repo.claim(o);
        if (claimed.empty()) {
          if (!inserting) ++idle_rounds;
          std::this_thread::yield();
          continue;
        }
        idle_rounds = 0;
        for (const auto& c : claimed) {
          {
            std::lock_guard lock(mutex);
            if (!holder.emplace(c.contact_ref, w).second) {
              violations.push_back(c.contact_ref + " held by two workers");
            }
            const auto last = last_done.count(c.contact_ref) ? last_done[c.contact_ref] : 0;
            for (size_t i = 0; i < c.rows.size(); ++i) {
              const auto prev = i == 0 ? last : c.rows[i - 1].id;
              if (c.rows[i].id <= prev) {
                violations.push_back(c.contact_ref + " out of order at " +
                                     std::to_string(c.rows[i].id));
              }
            }
          }
          // Every fifth contact fails transiently once and comes back at once.
          const bool fail = rng() % 5 == 0;
          {
            std::lock_guard lock(mutex);
            holder.erase(c.contact_ref);
            if (!fail) {
              last_done[c.contact_ref] = c.rows.back().id;
              for (const auto& r : c.rows) {
                if (!delivered.insert(r.id).second) {
                  violations.push_back("row " + std::to_string(r.id) + " delivered twice");
                }
              }
            }
          }
          // An open shop insert on the lane makes the settle busy: the dispatcher tries again.
          auto result = SettleResult::busy;
          while (result == SettleResult::busy) {
            result = fail ? repo.retry(c, "transient", std::chrono::milliseconds(0)) : repo.ack(c);
          }
          if (result != SettleResult::settled) violation("lease lost for " + c.contact_ref);
        }
      }
    });
  }
  shop.join();
  for (auto& t : workers)
    t.join();

  for (const auto& v : violations)
    ADD_FAILURE() << v;
  EXPECT_EQ(delivered.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.outbox"), "0");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM keapsync.lane"), "0");
}

}  // namespace
}  // namespace keapsync::db
