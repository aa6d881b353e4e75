// YAML → SandboxConfig, strict: unknown keys and bad values name the key.
#include "sandbox/sandbox_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace keapsync::sandbox {
namespace {

[[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& what) {
  std::string where =
      node.Mark().is_null() ? "" : " (line " + std::to_string(node.Mark().line + 1) + ")";
  throw std::runtime_error("sandbox config: " + key + where + ": " + what);
}

void only_keys(const YAML::Node& map, const std::string& key,
               const std::set<std::string>& allowed) {
  if (!map.IsMap()) fail(map, key, "must be a mapping");
  for (const auto& kv : map) {
    auto name = kv.first.as<std::string>();
    if (!allowed.count(name)) fail(kv.first, key.empty() ? name : key + "." + name, "unknown key");
  }
}

template <typename T>
T scalar(const YAML::Node& node, const std::string& key) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    fail(node, key, "has the wrong type");
  }
}

std::string nonempty(const YAML::Node& node, const std::string& key) {
  auto s = scalar<std::string>(node, key);
  if (s.empty()) fail(node, key, "must not be empty");
  return s;
}

std::chrono::seconds positive_seconds(const YAML::Node& node, const std::string& key) {
  auto v = scalar<long long>(node, key);
  if (v <= 0) fail(node, key, "must be a positive number of seconds");
  return std::chrono::seconds{v};
}

std::chrono::milliseconds millis(const YAML::Node& node, const std::string& key) {
  auto v = scalar<long long>(node, key);
  if (v < 0) fail(node, key, "must not be negative");
  return std::chrono::milliseconds{v};
}

double share(const YAML::Node& node, const std::string& key) {
  auto v = scalar<double>(node, key);
  if (v < 0 || v > 1) fail(node, key, "must be between 0 and 1");
  return v;
}

void read_limit(const YAML::Node& node, const std::string& key, SandboxConfig::Limit& limit) {
  if (!node) return;
  only_keys(node, key, {"limit", "window_seconds"});
  if (node["limit"]) {
    auto v = scalar<long long>(node["limit"], key + ".limit");
    if (v < 0) fail(node["limit"], key + ".limit", "must not be negative");
    limit.limit = static_cast<std::uint64_t>(v);
  }
  if (node["window_seconds"])
    limit.window = positive_seconds(node["window_seconds"], key + ".window_seconds");
}

std::int64_t positive_id(const YAML::Node& node, const std::string& key) {
  auto v = scalar<long long>(node, key);
  if (v <= 0) fail(node, key, "must be a positive integer");
  return v;
}

// goals: [{integration, call_name} and/or {automation_id, goal_id}, flow_ids: [..]]
std::vector<SandboxConfig::Goal> read_goals(const YAML::Node& n) {
  if (!n.IsSequence()) fail(n, "goals", "must be a list");
  std::vector<SandboxConfig::Goal> goals;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const auto key = "goals[" + std::to_string(i) + "]";
    const auto& g = n[i];
    only_keys(g, key, {"integration", "call_name", "automation_id", "goal_id", "flow_ids"});
    // Each pair is all or nothing.
    const auto pair = [&](const char* a, const char* b) {
      if (g[a] && !g[b]) fail(g, key + "." + b, std::string("is required with ") + a);
      if (g[b] && !g[a]) fail(g, key + "." + a, std::string("is required with ") + b);
      return bool(g[a]);
    };
    const bool by_name = pair("integration", "call_name");
    const bool by_ids = pair("automation_id", "goal_id");
    if (!by_name && !by_ids)
      fail(g, key, "needs integration and call_name, or automation_id and goal_id (or both)");
    SandboxConfig::Goal goal;
    if (by_name) {
      goal.integration = nonempty(g["integration"], key + ".integration");
      goal.call_name = nonempty(g["call_name"], key + ".call_name");
    }
    if (by_ids) {
      goal.automation_id = positive_id(g["automation_id"], key + ".automation_id");
      goal.goal_id = positive_id(g["goal_id"], key + ".goal_id");
    }
    if (auto flows = g["flow_ids"]) {
      if (!flows.IsSequence()) fail(flows, key + ".flow_ids", "must be a list");
      for (std::size_t j = 0; j < flows.size(); ++j)
        goal.flow_ids.push_back(
            positive_id(flows[j], key + ".flow_ids[" + std::to_string(j) + "]"));
    }
    goals.push_back(std::move(goal));
  }
  // automation_id + goal_id name one goal, derived ones included.
  std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> seen;
  for (std::size_t i = 0; i < goals.size(); ++i) {
    auto ids = goal_ids(goals, i);
    auto [it, fresh] = seen.emplace(ids, i);
    if (!fresh)
      fail(n[i], "goals[" + std::to_string(i) + "]",
           "automation_id " + std::to_string(ids.first) + " and goal_id " +
               std::to_string(ids.second) + " are also goals[" + std::to_string(it->second) +
               "]'s");
  }
  return goals;
}

SandboxConfig from_node(const YAML::Node& root) {
  SandboxConfig c;
  if (!root || root.IsNull()) return c;
  only_keys(root, "",
            {"tenant_id", "clients", "api_keys", "tokens", "rate_limits", "faults", "user",
             "max_body_bytes", "goals"});
  if (root["tenant_id"]) c.tenant_id = nonempty(root["tenant_id"], "tenant_id");
  if (auto n = root["clients"]) {
    if (!n.IsSequence()) fail(n, "clients", "must be a list");
    c.clients.clear();
    for (std::size_t i = 0; i < n.size(); ++i) {
      auto key = "clients[" + std::to_string(i) + "]";
      only_keys(n[i], key, {"id", "secret"});
      if (!n[i]["id"] || !n[i]["secret"]) fail(n[i], key, "needs id and secret");
      c.clients.push_back(
          {nonempty(n[i]["id"], key + ".id"), nonempty(n[i]["secret"], key + ".secret")});
    }
  }
  if (auto n = root["api_keys"]) {
    if (!n.IsSequence()) fail(n, "api_keys", "must be a list");
    c.api_keys.clear();
    for (std::size_t i = 0; i < n.size(); ++i)
      c.api_keys.push_back(nonempty(n[i], "api_keys[" + std::to_string(i) + "]"));
  }
  if (auto n = root["tokens"]) {
    only_keys(n, "tokens",
              {"access_expires_in", "refresh_expires_in", "code_expires_in",
               "revoke_access_on_refresh", "reuse_revokes_chain", "new_authorization_revokes_old"});
    auto& t = c.tokens;
    if (n["access_expires_in"])
      t.access_expires_in = positive_seconds(n["access_expires_in"], "tokens.access_expires_in");
    if (n["refresh_expires_in"])
      t.refresh_expires_in = positive_seconds(n["refresh_expires_in"], "tokens.refresh_expires_in");
    if (n["code_expires_in"])
      t.code_expires_in = positive_seconds(n["code_expires_in"], "tokens.code_expires_in");
    if (n["revoke_access_on_refresh"])
      t.revoke_access_on_refresh =
          scalar<bool>(n["revoke_access_on_refresh"], "tokens.revoke_access_on_refresh");
    if (n["reuse_revokes_chain"])
      t.reuse_revokes_chain = scalar<bool>(n["reuse_revokes_chain"], "tokens.reuse_revokes_chain");
    if (n["new_authorization_revokes_old"])
      t.new_authorization_revokes_old =
          scalar<bool>(n["new_authorization_revokes_old"], "tokens.new_authorization_revokes_old");
  }
  if (auto n = root["rate_limits"]) {
    only_keys(n, "rate_limits",
              {"oauth_quota", "oauth_throttle", "oauth_spike", "key_quota", "key_throttle",
               "key_spike", "tenant_quota", "tenant_throttle"});
    auto& r = c.rate_limits;
    read_limit(n["oauth_quota"], "rate_limits.oauth_quota", r.oauth_quota);
    read_limit(n["oauth_throttle"], "rate_limits.oauth_throttle", r.oauth_throttle);
    read_limit(n["oauth_spike"], "rate_limits.oauth_spike", r.oauth_spike);
    read_limit(n["key_quota"], "rate_limits.key_quota", r.key_quota);
    read_limit(n["key_throttle"], "rate_limits.key_throttle", r.key_throttle);
    read_limit(n["key_spike"], "rate_limits.key_spike", r.key_spike);
    read_limit(n["tenant_quota"], "rate_limits.tenant_quota", r.tenant_quota);
    read_limit(n["tenant_throttle"], "rate_limits.tenant_throttle", r.tenant_throttle);
  }
  if (auto n = root["faults"]) {
    only_keys(n, "faults",
              {"error_rate", "error_status", "route", "latency_ms", "jitter_ms", "drop_rate",
               "token_delay_ms", "apply_after_latency", "seed"});
    auto& f = c.faults;
    if (n["error_rate"]) f.error_rate = share(n["error_rate"], "faults.error_rate");
    if (n["error_status"]) {
      f.error_status = scalar<int>(n["error_status"], "faults.error_status");
      if (f.error_status < 500 || f.error_status > 599)
        fail(n["error_status"], "faults.error_status", "must be 5xx");
    }
    if (n["route"]) f.route = scalar<std::string>(n["route"], "faults.route");
    if (n["latency_ms"]) f.latency = millis(n["latency_ms"], "faults.latency_ms");
    if (n["jitter_ms"]) f.jitter = millis(n["jitter_ms"], "faults.jitter_ms");
    if (n["drop_rate"]) f.drop_rate = share(n["drop_rate"], "faults.drop_rate");
    if (n["token_delay_ms"]) f.token_delay = millis(n["token_delay_ms"], "faults.token_delay_ms");
    if (n["apply_after_latency"])
      f.apply_after_latency = scalar<bool>(n["apply_after_latency"], "faults.apply_after_latency");
    if (n["seed"]) f.seed = scalar<std::uint64_t>(n["seed"], "faults.seed");
  }
  if (auto n = root["user"]) {
    only_keys(n, "user", {"email", "given_name", "family_name", "id"});
    if (n["email"]) c.user.email = nonempty(n["email"], "user.email");
    if (n["given_name"])
      c.user.given_name = scalar<std::string>(n["given_name"], "user.given_name");
    if (n["family_name"])
      c.user.family_name = scalar<std::string>(n["family_name"], "user.family_name");
    if (n["id"]) c.user.id = nonempty(n["id"], "user.id");
  }
  if (root["max_body_bytes"]) {
    auto v = scalar<long long>(root["max_body_bytes"], "max_body_bytes");
    if (v < 1024) fail(root["max_body_bytes"], "max_body_bytes", "must be at least 1024");
    c.max_body_bytes = static_cast<std::size_t>(v);
  }
  if (root["goals"]) c.goals = read_goals(root["goals"]);
  return c;
}

}  // namespace

std::pair<std::int64_t, std::int64_t> goal_ids(const std::vector<SandboxConfig::Goal>& goals,
                                               std::size_t index) {
  const auto& g = goals.at(index);
  if (g.automation_id != 0 || g.goal_id != 0) return {g.automation_id, g.goal_id};
  return {900000 + static_cast<std::int64_t>(index) + 1, 1};
}

SandboxConfig parse_sandbox_config(const std::string& yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(std::string("sandbox config: ") + e.what());
  }
  return from_node(root);
}

SandboxConfig load_sandbox_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("sandbox config: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_sandbox_config(text.str());
}

}  // namespace keapsync::sandbox
