// Tests of the Prometheus registry: exposition text, escaping, histograms, threads, Metrics.
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/exposition.hpp"
#include "engine/metric_registry.hpp"
#include "engine/metrics.hpp"

namespace keapsync::engine {
namespace {

using auth::AccountState;

TEST(Exposition, GoldenTextForEveryKind) {
  MetricRegistry registry;
  auto& requests = registry.counter("demo_requests_total", "Requests.", {"route", "status"});
  auto& depth = registry.gauge("demo_depth", "Queue depth.");
  auto& latency = registry.histogram("demo_seconds", "Latency.", {"route"}, {0.1, 1});
  requests.inc({"/b", "200"});
  requests.inc({"/a", "500"}, 2);
  requests.inc({"/a", "200"}, 3);
  depth.set({}, 1.5);
  latency.observe({"/a"}, 0.05);
  latency.observe({"/a"}, 0.1);  // "le" is inclusive
  latency.observe({"/a"}, 7);
  EXPECT_EQ(registry.render(),
            "# HELP demo_requests_total Requests.\n"
            "# TYPE demo_requests_total counter\n"
            "demo_requests_total{route=\"/a\",status=\"200\"} 3\n"
            "demo_requests_total{route=\"/a\",status=\"500\"} 2\n"
            "demo_requests_total{route=\"/b\",status=\"200\"} 1\n"
            "# HELP demo_depth Queue depth.\n"
            "# TYPE demo_depth gauge\n"
            "demo_depth 1.5\n"
            "# HELP demo_seconds Latency.\n"
            "# TYPE demo_seconds histogram\n"
            "demo_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
            "demo_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"
            "demo_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"
            "demo_seconds_sum{route=\"/a\"} 7.15\n"
            "demo_seconds_count{route=\"/a\"} 3\n");
}

TEST(Exposition, UnlabelledFamiliesShowZeroAndLabelledOnesOnlyTheirHeader) {
  MetricRegistry registry;
  registry.counter("a_total", "A.");
  registry.gauge("b", "B.", {"account"});
  registry.histogram("c_seconds", "C.", {}, {1});
  EXPECT_EQ(registry.render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
            "# HELP b B.\n# TYPE b gauge\n"
            "# HELP c_seconds C.\n# TYPE c_seconds histogram\n"
            "c_seconds_bucket{le=\"1\"} 0\nc_seconds_bucket{le=\"+Inf\"} 0\n"
            "c_seconds_sum 0\nc_seconds_count 0\n");
}

TEST(Exposition, EscapesLabelValuesAndHelp) {
  MetricRegistry registry;
  auto& gauge = registry.gauge("g", "Line one\nback\\slash \"quoted\".", {"account"});
  gauge.set({"shop \"eu\"\\x\nnext"}, 1);
  EXPECT_EQ(registry.render(),
            "# HELP g Line one\\nback\\\\slash \"quoted\".\n"
            "# TYPE g gauge\n"
            "g{account=\"shop \\\"eu\\\"\\\\x\\nnext\"} 1\n");
}

TEST(Exposition, FormatsValues) {
  EXPECT_EQ(exposition::format_value(0), "0");
  EXPECT_EQ(exposition::format_value(42), "42");
  EXPECT_EQ(exposition::format_value(0.25), "0.25");
  EXPECT_EQ(exposition::format_value(1700000000), "1700000000");
  EXPECT_EQ(exposition::format_value(-3.5), "-3.5");
  EXPECT_EQ(exposition::format_value(-0.0), "0");
  EXPECT_EQ(exposition::format_value(1e-9), "1e-09");
  EXPECT_EQ(exposition::format_value(1e20), "1e+20");
  EXPECT_EQ(exposition::format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(exposition::format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(exposition::format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricRegistry, RejectsBadNamesDuplicatesAndWrongLabelCounts) {
  MetricRegistry registry;
  EXPECT_THROW(registry.counter("1bad", "x"), std::invalid_argument);
  EXPECT_THROW(registry.counter("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("ok", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.gauge("ok", "x", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("h", "x", {}, {1, 1}), std::invalid_argument);
  auto& counter = registry.counter("c_total", "x", {"account"});
  EXPECT_THROW(registry.gauge("c_total", "x"), std::invalid_argument);
  EXPECT_THROW(counter.inc({}), std::invalid_argument);
  EXPECT_THROW(counter.inc({"a", "b"}), std::invalid_argument);
  EXPECT_THROW(counter.inc({"a"}, -1), std::invalid_argument);
  EXPECT_EQ(counter.value({"a"}), 0);
}

TEST(Histogram, CountsEachValueInItsBucketOnce) {
  MetricRegistry registry;
  auto& h = registry.histogram("h", "H.", {}, {1, 2, 5});
  for (double v : {0.0, 1.0, 1.5, 2.0, 4.9, 5.0, 5.1, 100.0})
    h.observe({}, v);
  h.observe({}, std::numeric_limits<double>::quiet_NaN());  // ignored
  EXPECT_EQ(h.count({}), 8u);
  std::string text = registry.render();
  EXPECT_NE(text.find("h_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_bucket{le=\"2\"} 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_bucket{le=\"5\"} 6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_bucket{le=\"+Inf\"} 8\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_sum 119.5\n"), std::string::npos) << text;
}

TEST(MetricRegistry, ConcurrentUpdatesAreAllCounted) {
  MetricRegistry registry;
  auto& counter = registry.counter("c_total", "C.", {"account"});
  auto& h = registry.histogram("h_seconds", "H.", {"account"}, {0.5});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string account = t % 2 == 0 ? "even" : "odd";
      for (int i = 0; i < kPerThread; ++i) {
        counter.inc({account});
        h.observe({account}, 0.1);
        if (i % 1000 == 0) (void)registry.render();  // readers race the writers
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(counter.value({"even"}), 2.0 * kPerThread);
  EXPECT_EQ(counter.value({"odd"}), 2.0 * kPerThread);
  EXPECT_EQ(h.count({"even"}) + h.count({"odd"}), std::uint64_t{kThreads * kPerThread});
}

TEST(Metrics, DeclaresKeapsyncFamiliesWithUpAndBuildInfo) {
  Metrics metrics("1.2.3", 1700000000);
  metrics.rows_delivered.inc({"shop"}, 5);
  metrics.keap_requests.inc({"shop", "PATCH", "/rest/v2/contacts/{id}", "200"});
  metrics.keap_request_duration.observe({"shop", "/rest/v2/contacts/{id}"}, 0.2);
  std::string text = metrics.render();
  for (const char* expected :
       {"keapsync_up 1\n", "keapsync_build_info{version=\"1.2.3\"} 1\n",
        "keapsync_start_time_seconds 1700000000\n",
        "keapsync_rows_delivered_total{account=\"shop\"} 5\n",
        "keapsync_keap_requests_total{account=\"shop\",method=\"PATCH\",route=\"/rest/v2/contacts/"
        "{id}\",status=\"200\"} 1\n",
        "keapsync_keap_request_duration_seconds_bucket{account=\"shop\",route=\"/rest/v2/contacts/"
        "{id}\",le=\"0.25\"} 1\n",
        "# TYPE keapsync_rows_dead_total counter\n", "# TYPE keapsync_rows_retried_total counter\n",
        "# TYPE keapsync_backlog_rows gauge\n",
        "# TYPE keapsync_oldest_pending_age_seconds gauge\n", "# TYPE keapsync_dead_rows gauge\n",
        "# TYPE keapsync_token_expiry_timestamp_seconds gauge\n",
        "# TYPE keapsync_rate_limit_remaining gauge\n", "# TYPE keapsync_account_state gauge\n"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n--- in ---\n" << text;
  }
}

TEST(Metrics, AccountStateIsOneForTheCurrentStateOnly) {
  Metrics metrics("0", 0);
  metrics.set_account_state("shop", AccountState::ok);
  metrics.set_account_state("shop", AccountState::reauthorization_required);
  EXPECT_EQ(metrics.account_state.value({"shop", "reauthorization_required"}), 1);
  EXPECT_EQ(metrics.account_state.value({"shop", "ok"}), 0);
  EXPECT_EQ(metrics.account_state.value({"shop", "throttled"}), 0);
  EXPECT_EQ(metrics.account_state.value({"shop", "credentials_rejected"}), 0);
  std::string text = metrics.render();
  EXPECT_NE(text.find("keapsync_account_state{account=\"shop\",state=\"ok\"} 0\n"),
            std::string::npos);
}

TEST(Metrics, RecordBacklogSetsTheThreeGauges) {
  Metrics metrics("0", 0);
  db::AccountStatus status;
  status.account = "shop";
  status.pending_rows = 12;
  status.dead_rows = 3;
  db::Timestamp now = db::from_micros(1'700'000'000'000'000);
  status.oldest_pending = now - std::chrono::milliseconds(90'500);
  metrics.record_backlog(status, now);
  EXPECT_EQ(metrics.backlog_rows.value({"shop"}), 12);
  EXPECT_EQ(metrics.oldest_pending_age.value({"shop"}), 90.5);
  EXPECT_EQ(metrics.dead_rows.value({"shop"}), 3);
  status.oldest_pending = now + std::chrono::seconds(5);  // clocks disagree: never negative
  metrics.record_backlog(status, now);
  EXPECT_EQ(metrics.oldest_pending_age.value({"shop"}), 0);
  status.oldest_pending.reset();
  status.pending_rows = 0;
  metrics.record_backlog(status, now);
  EXPECT_EQ(metrics.oldest_pending_age.value({"shop"}), 0);
  EXPECT_EQ(metrics.backlog_rows.value({"shop"}), 0);
}

TEST(Metrics, RecordKeapRequestTimesOnlyAnsweredRequests) {
  Metrics metrics("0", 0);
  metrics.record_keap_request("shop", "PATCH", "/rest/v2/contacts/{id}", "429", 0.3);
  metrics.record_keap_request("shop", "PATCH", "/rest/v2/contacts/{id}", "transport_error", 30);
  EXPECT_EQ(metrics.keap_requests.value({"shop", "PATCH", "/rest/v2/contacts/{id}", "429"}), 1);
  EXPECT_EQ(
      metrics.keap_requests.value({"shop", "PATCH", "/rest/v2/contacts/{id}", "transport_error"}),
      1);
  EXPECT_EQ(metrics.keap_request_duration.count({"shop", "/rest/v2/contacts/{id}"}), 1u);
}

}  // namespace
}  // namespace keapsync::engine
