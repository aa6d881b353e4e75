// The HEALTHCHECK command of docker/Dockerfile, run with bash against a real StatusServer.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/health_state.hpp"
#include "engine/metric_registry.hpp"
#include "engine/status_server.hpp"
#include "support/run_process.hpp"

namespace keapsync::engine {
namespace {

using namespace std::chrono_literals;

// The exec-form argv of the HEALTHCHECK line, with port 9464 replaced by `port`.
std::vector<std::string> healthcheck_argv(std::uint16_t port) {
  std::ifstream in(std::string(KEAPSYNC_SOURCE_DIR) + "/docker/Dockerfile");
  std::stringstream text;
  text << in.rdbuf();
  std::string dockerfile = text.str();
  auto at = dockerfile.find("CMD [\"bash\"");
  if (at == std::string::npos) throw std::runtime_error("no HEALTHCHECK CMD in docker/Dockerfile");
  auto end = dockerfile.find('\n', at);
  auto argv = boost::json::parse(dockerfile.substr(at + 4, end - at - 4)).as_array();
  std::vector<std::string> result;
  for (const auto& arg : argv) {
    std::string s(arg.as_string());
    if (auto p = s.find("/9464"); p != std::string::npos)
      s.replace(p, 5, "/" + std::to_string(port));
    result.push_back(s);
  }
  return result;
}

TEST(ContainerHealthcheck, PassesOn200AndFailsOn503) {
  boost::asio::io_context ioc;
  MetricRegistry registry;
  HealthRules rules;
  rules.loop_stall_after = 1h;
  HealthState health(rules);
  StatusServerOptions options;
  options.listen = "127.0.0.1:0";
  StatusServer server(ioc.get_executor(), options, health, registry);
  server.start();
  auto guard = boost::asio::make_work_guard(ioc);
  std::thread loop([&] { ioc.run_for(60s); });  // a deadline even if stop() never came

  auto argv = healthcheck_argv(server.port());
  auto ok = testing::run_process({"/usr/bin/timeout", "10", argv[0], argv[1], argv[2]});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;

  HealthState stalled(HealthRules{0ms});  // liveness fails at once
  StatusServer failing(ioc.get_executor(), options, stalled, registry);
  failing.start();
  auto argv_failing = healthcheck_argv(failing.port());
  auto bad = testing::run_process(
      {"/usr/bin/timeout", "10", argv_failing[0], argv_failing[1], argv_failing[2]});
  EXPECT_NE(bad.exit_code, 0);

  failing.stop();
  server.stop();
  guard.reset();
  loop.join();
}

}  // namespace
}  // namespace keapsync::engine
