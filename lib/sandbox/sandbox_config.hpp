// The sandbox's own configuration (`keapsync sandbox --config FILE`): OAuth
// clients, API keys, token lifetimes, rate limits, faults, automation goals.
// Defaults follow Keap's documented values (docs/keap-api.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace keapsync::sandbox {

struct SandboxConfig {
  struct Client {
    std::string id;
    std::string secret;
  };
  // A limit of `limit` requests per `window`; limit 0 means no limit.
  struct Limit {
    std::uint64_t limit = 0;
    std::chrono::seconds window{60};
  };
  struct Tokens {
    std::chrono::seconds access_expires_in{86400};        // Keap: 24 h
    std::chrono::seconds refresh_expires_in{45 * 86400};  // Keap staff: 45 days
    std::chrono::seconds code_expires_in{600};            // unconfirmed: strict 10 min
    bool revoke_access_on_refresh = true;                 // unconfirmed: strict
    bool reuse_revokes_chain = true;                      // unconfirmed: strict
    bool new_authorization_revokes_old = true;            // unconfirmed: strict
  };
  struct RateLimits {
    // OAuth: per client id. Spike arrest: per client id, no headers of its own.
    Limit oauth_quota{150000, std::chrono::seconds{86400}};
    Limit oauth_throttle{1500, std::chrono::seconds{60}};
    Limit oauth_spike{25, std::chrono::seconds{1}};
    // PAT / SAK: per key.
    Limit key_quota{30000, std::chrono::seconds{86400}};
    Limit key_throttle{240, std::chrono::seconds{60}};
    Limit key_spike{10, std::chrono::seconds{1}};
    // Per tenant, any credential.
    Limit tenant_quota{250000, std::chrono::seconds{86400}};
    Limit tenant_throttle{10000, std::chrono::seconds{60}};
  };
  struct Faults {
    double error_rate = 0;  // share of API calls answered with error_status
    int error_status = 500;
    // "" or one route ("POST /rest/v2/contacts"): errors, drops, latency and
    // jitter only there (token_delay stays on /token).
    std::string route;
    std::chrono::milliseconds latency{0};      // added to every answer
    std::chrono::milliseconds jitter{0};       // plus uniform [0, jitter]
    double drop_rate = 0;                      // share of connections dropped unanswered
    std::chrono::milliseconds token_delay{0};  // slow /token
    // The delays pass before a request takes effect, not after: Keap carrying
    // out a change after the client has given up on its answer.
    bool apply_after_latency = false;
    std::uint64_t seed = 1;
  };
  struct User {
    std::string email = "owner@sandbox.example";
    std::string given_name = "Sandbox";
    std::string family_name = "Owner";
    std::string id = "1";
  };

  // A goal POST /rest/v2/automations/goals/achieve can fire, reached by
  // integration + call_name, by automation_id + goal_id, or by either.
  struct Goal {
    std::string integration;  // with call_name; both "" when reached by ids only
    std::string call_name;
    std::int64_t automation_id = 0;  // with goal_id; both 0: derived (goal_ids below)
    std::int64_t goal_id = 0;
    std::vector<std::int64_t> flow_ids;  // the flows achieving it starts
  };

  std::string tenant_id = "sandbox.infusionsoft.com";
  std::vector<Client> clients{{"sandbox-client", "sandbox-secret"}};
  std::vector<std::string> api_keys{"KeapAK-sandbox-key"};
  Tokens tokens;
  RateLimits rate_limits;
  Faults faults;
  User user;
  std::size_t max_body_bytes = 1 << 20;
  std::vector<Goal> goals;  // none by default: every goal is unknown
};

// The automation_id and goal_id goal `index` of `goals` answers with: its own,
// or, for a goal configured without them, automation_id 900000 + its 1-based
// position and goal_id 1.
std::pair<std::int64_t, std::int64_t> goal_ids(const std::vector<SandboxConfig::Goal>& goals,
                                               std::size_t index);

// Reads and validates a YAML file; throws std::runtime_error naming the key
// (and line) on any error.
SandboxConfig load_sandbox_config(const std::string& path);
// Same for YAML text (tests).
SandboxConfig parse_sandbox_config(const std::string& yaml_text);

}  // namespace keapsync::sandbox
