// What became of one claimed contact: the settlement the database applies,
// and why rows died or wait, by class (the labels of the row metrics).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "db/settlement.hpp"

namespace keapsync::engine {

struct Verdict {
  db::Settlement settlement;
  // Dead rows by reason class: payload, permanent, attempts_exhausted, internal.
  std::map<std::string, std::int64_t> dead_by_class;
  // The error class of the retried rows (transient, throttled, auth); "" when none wait.
  std::string retry_class;
  // The plan stopped before a call because the lease was no longer certain:
  // the rows whose steps reached Keap are settled (if the lease still holds),
  // the others stay pending for whoever holds the contact now.
  bool fenced = false;

  void bury(std::int64_t id, std::string reason, const std::string& reason_class) {
    settlement.dead.emplace_back(id, std::move(reason));
    ++dead_by_class[reason_class];
  }
};

}  // namespace keapsync::engine
