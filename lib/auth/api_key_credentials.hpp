// `auth: api_key`: a Service Account Key or Personal Access Token sent as
// X-Keap-API-Key. A 401 blocks the account (credentials_rejected) until the
// key file changes; the file is re-read at most every `recheck` while blocked.
#pragma once

#include <chrono>
#include <string>

#include "auth/credentials.hpp"
#include "base/clock.hpp"
#include "log/logger.hpp"

namespace keapsync::auth {

class ApiKeyCredentials final : public Credentials {
 public:
  ApiKeyCredentials(std::string key_file, Clock clock, log::Logger logger,
                    Duration recheck = std::chrono::seconds(30));

  boost::asio::awaitable<std::optional<AuthHeader>> header() override;
  boost::asio::awaitable<bool> on_unauthorized(const AuthHeader& used) override;
  AccountState state() const override { return state_; }

 private:
  std::string key_file_;
  Clock clock_;
  log::Logger logger_;
  Duration recheck_;
  config::Secret key_;
  AccountState state_ = AccountState::ok;
  TimePoint next_check_{};
};

}  // namespace keapsync::auth
