// Shared fixture for the sandbox tests that drive the Router directly (no
// sockets): a fixed, test-controlled clock and helpers for OAuth and API calls.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "sandbox/form_codec.hpp"
#include "sandbox/router.hpp"

namespace keapsync::sandbox::test {

namespace json = boost::json;

class RouterTest : public ::testing::Test {
 protected:
  using TimePoint = std::chrono::system_clock::time_point;

  // 2026-01-01T12:00:00Z
  TimePoint now{std::chrono::seconds{1767268800}};
  SandboxConfig config;
  std::unique_ptr<Router> router;

  Router& r() {
    if (!router) router = std::make_unique<Router>(config);
    return *router;
  }

  Response call(const std::string& method, const std::string& target,
                std::map<std::string, std::string> headers = {}, std::string body = {}) {
    Request req{method, target, std::move(headers), std::move(body)};
    return r().handle(req, now);
  }

  Response token_request(const std::string& form, bool basic = true,
                         const std::string& secret = "sandbox-secret") {
    std::map<std::string, std::string> h{{"content-type", "application/x-www-form-urlencoded"}};
    if (basic) h["authorization"] = "Basic " + base64_encode("sandbox-client:" + secret);
    return call("POST", "/token", h, form);
  }

  std::string authorize_code(const std::string& redirect = "https://shop.example/cb") {
    auto res =
        call("GET",
             "/app/oauth/"
             "authorize?client_id=sandbox-client&response_type=code&scope=full&redirect_uri=" +
                 percent_encode(redirect) + "&state=s1");
    EXPECT_EQ(res.status, 302);
    auto location = res.header("Location");
    auto q = location.find('?');
    auto params = parse_form(location.substr(q + 1));
    return params ? param(*params, "code").value_or("") : "";
  }

  // A fresh token pair: {access_token, refresh_token}.
  std::pair<std::string, std::string> login() {
    auto code = authorize_code();
    auto res = token_request("grant_type=authorization_code&code=" + percent_encode(code) +
                             "&redirect_uri=" + percent_encode("https://shop.example/cb"));
    EXPECT_EQ(res.status, 200) << res.body;
    auto v = json::parse(res.body).as_object();
    return {std::string(v.at("access_token").as_string()),
            std::string(v.at("refresh_token").as_string())};
  }

  Response refresh(const std::string& refresh_token) {
    return token_request("grant_type=refresh_token&refresh_token=" + percent_encode(refresh_token));
  }

  // An API call with the default API key.
  Response api(const std::string& method, const std::string& target, const std::string& body = {},
               const std::string& key = "KeapAK-sandbox-key") {
    std::map<std::string, std::string> h{{"x-keap-api-key", key}};
    if (!body.empty()) h["content-type"] = "application/json";
    return call(method, target, h, body);
  }

  Response bearer(const std::string& method, const std::string& target, const std::string& token) {
    return call(method, target, {{"authorization", "Bearer " + token}});
  }

  static json::object body(const Response& res) { return json::parse(res.body).as_object(); }

  // A v2 error body: {code:int, message, status, details:[]}.
  static void expect_v2_error(const Response& res, int status,
                              const std::string& message_part = {}) {
    EXPECT_EQ(res.status, status) << res.body;
    auto v = json::parse(res.body).as_object();
    EXPECT_EQ(v.at("code").as_int64(), status);
    EXPECT_TRUE(v.at("status").is_string());
    EXPECT_TRUE(v.at("details").is_array());
    if (!message_part.empty()) {
      EXPECT_NE(std::string(v.at("message").as_string()).find(message_part), std::string::npos)
          << res.body;
    }
  }
};

}  // namespace keapsync::sandbox::test
