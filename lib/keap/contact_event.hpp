// ContactEvent: an outbox row that is an event, not contact state (a goal, an
// e-mail status change): never merged with other rows, sent one by one in row
// order after the contact's upserts that are pending with it.
#pragma once

#include <variant>

#include "keap/email_status_event.hpp"
#include "keap/goal_event.hpp"

namespace keapsync::keap {

using ContactEvent = std::variant<GoalEvent, EmailStatusEvent>;

}  // namespace keapsync::keap
