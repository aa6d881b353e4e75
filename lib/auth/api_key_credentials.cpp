// API key credentials and their blocked state.
#include "auth/api_key_credentials.hpp"

namespace keapsync::auth {

ApiKeyCredentials::ApiKeyCredentials(std::string key_file, Clock clock, log::Logger logger,
                                     Duration recheck)
    : key_file_(std::move(key_file)),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      recheck_(recheck),
      key_(config::read_secret_file(key_file_)) {}

boost::asio::awaitable<std::optional<AuthHeader>> ApiKeyCredentials::header() {
  if (state_ == AccountState::credentials_rejected && clock_() >= next_check_) {
    next_check_ = clock_() + recheck_;
    try {
      auto key = config::read_secret_file(key_file_);
      if (!(key == key_)) {
        key_ = std::move(key);
        state_ = AccountState::ok;
        logger_.info("a new API key was found; the account is usable again",
                     {{"key_file", key_file_}});
      }
    } catch (const std::exception& e) {
      logger_.warn("cannot re-read the API key file", {{"error", e.what()}});
    }
  }
  if (state_ != AccountState::ok) co_return std::nullopt;
  co_return AuthHeader{"X-Keap-API-Key", key_};
}

boost::asio::awaitable<bool> ApiKeyCredentials::on_unauthorized(const AuthHeader& used) {
  if (!(used.value == key_)) co_return true;  // the key changed meanwhile: try the new one
  if (state_ != AccountState::credentials_rejected) {
    state_ = AccountState::credentials_rejected;
    next_check_ = clock_() + recheck_;
    logger_.error(
        "Keap rejected the API key (HTTP 401): the account is blocked until api_key_file holds "
        "a valid Service Account Key or Personal Access Token",
        {{"state", to_string(state_)}, {"key_file", key_file_}});
  }
  co_return false;
}

}  // namespace keapsync::auth
