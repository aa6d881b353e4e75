// Structured logging: JSON and text lines, fields, and secret scrubbing.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/secret.hpp"
#include "log/logger.hpp"
#include "support/temp_dir.hpp"

namespace keapsync::log {
namespace {

struct Captured {
  std::ostringstream out;
  Logger logger;
  explicit Captured(config::LogFormat format, config::LogLevel level = config::LogLevel::info)
      : logger(
            make_logger({level, format}, std::make_shared<spdlog::sinks::ostream_sink_mt>(out))) {}
};

TEST(Logger, JsonLineHasTsLevelMsgAndFields) {
  Captured c(config::LogFormat::json);
  c.logger.with({{"account", "shop"}})
      .info("row delivered", {{"outbox_id", 42}, {"contact_ref", "c\"1"}, {"ok", true}});
  const std::string line = c.out.str();
  ASSERT_EQ(line.back(), '\n');
  const auto doc = boost::json::parse(line).as_object();
  EXPECT_EQ(doc.at("level").as_string(), "info");
  EXPECT_EQ(doc.at("msg").as_string(), "row delivered");
  EXPECT_EQ(doc.at("account").as_string(), "shop");
  EXPECT_EQ(doc.at("outbox_id").as_int64(), 42);
  EXPECT_EQ(doc.at("contact_ref").as_string(), "c\"1");
  EXPECT_EQ(doc.at("ok").as_bool(), true);
  const std::string ts(doc.at("ts").as_string());
  EXPECT_EQ(ts.size(), 24u) << ts;
  EXPECT_EQ(ts.back(), 'Z');
}

TEST(Logger, TextLineIsReadable) {
  Captured c(config::LogFormat::text);
  c.logger.warn("retry scheduled", {{"attempt", 3}, {"error", "HTTP 503 from Keap"}});
  const std::string line = c.out.str();
  EXPECT_NE(line.find(" warn retry scheduled attempt=3 error=\"HTTP 503 from Keap\"\n"),
            std::string::npos)
      << line;
}

TEST(Logger, ControlCharactersInFieldsNeverReachTheLineRaw) {
  for (const auto format : {config::LogFormat::text, config::LogFormat::json}) {
    Captured c(format);
    c.logger.warn("row dead", {{"contact_ref",
                                "a\x1b[2Jb\x7f"
                                "c\xC2\x9B"
                                "31m\xC3\xA9"}});
    const std::string line = c.out.str();
    EXPECT_NE(line.find(R"("a\u001b[2Jb\u007fc\u009b31m)"
                        "\xC3\xA9\""),
              std::string::npos)
        << line;
    EXPECT_EQ(line.find('\x7f'), std::string::npos) << line;
    EXPECT_EQ(line.find("\xC2\x9B"), std::string::npos) << line;
  }
}

TEST(Logger, LevelFiltersLines) {
  Captured c(config::LogFormat::json, config::LogLevel::warn);
  c.logger.info("hidden");
  c.logger.error("shown");
  EXPECT_EQ(c.out.str().find("hidden"), std::string::npos);
  EXPECT_NE(c.out.str().find("shown"), std::string::npos);
}

TEST(Logger, SecretsAreScrubbedWhateverTheCallSiteDoes) {
  const config::Secret token("tok-3f9a1c\"quoted\\secret");
  for (const auto format : {config::LogFormat::json, config::LogFormat::text}) {
    Captured c(format);
    c.logger.info("refreshed " + token.reveal(),
                  {{"body", "{\"access_token\":\"" + token.reveal() + "\"}"}});
    const std::string line = c.out.str();
    EXPECT_EQ(line.find("3f9a1c"), std::string::npos) << line;
    EXPECT_NE(line.find("[REDACTED]"), std::string::npos) << line;
  }
}

TEST(Logger, ASecretReadFromAFileStaysScrubbedAfterThousandsOfNewerTokens) {
  // A client secret is read once at start; years of rotated tokens must not
  // push it out of what the logger scrubs.
  testing::TempDir dir;
  const auto secret =
      config::read_secret_file(dir.write_secret("secret", "client-secret-9Vq4Lm\n"));
  for (int i = 0; i < 5000; ++i)
    config::Secret("rotated-token-" + std::to_string(i) + "-x");
  Captured c(config::LogFormat::json);
  c.logger.info("oops " + secret.reveal());
  EXPECT_EQ(c.out.str().find("9Vq4Lm"), std::string::npos) << c.out.str();
}

TEST(Logger, ASecretSeenAfterALineIsScrubbedFromTheNext) {
  Captured c(config::LogFormat::json);
  c.logger.info("before");  // the scrubber's list is made
  const config::Secret late("late-token-\"Zr7\"-Qw");
  c.logger.info("oops " + late.reveal());
  EXPECT_EQ(c.out.str().find("Zr7"), std::string::npos) << c.out.str();
}

TEST(Logger, ASecretSeenAgainLeavesTheScrubbersListAsItIs) {
  // Every request builds its header's Secret: that must not remake the list per log line.
  const config::Secret header("Bearer per-request-Kd83x");
  const auto before = config::registered_secrets();
  const config::Secret again("Bearer per-request-Kd83x");
  EXPECT_EQ(config::registered_secrets(), before);
  const config::Secret other("Bearer another-token-Lm02q");
  EXPECT_NE(config::registered_secrets(), before);
}

}  // namespace
}  // namespace keapsync::log
