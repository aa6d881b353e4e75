// ConnectTestProxy: a tiny HTTP CONNECT proxy on 127.0.0.1 (port 0) that tunnels or refuses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keapsync::testing {

class ConnectTestProxy {
 public:
  // refuse_status 0: tunnel every CONNECT; otherwise answer it with that status.
  // upstream_port 0: tunnel to the CONNECT target; otherwise to 127.0.0.1 at
  // that port whatever the target's name (DNS for names like api.example.test).
  explicit ConnectTestProxy(int refuse_status = 0, std::uint16_t upstream_port = 0);
  ~ConnectTestProxy();
  ConnectTestProxy(const ConnectTestProxy&) = delete;
  ConnectTestProxy& operator=(const ConnectTestProxy&) = delete;

  std::uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:port"

  std::size_t connects() const;              // CONNECT requests received
  std::vector<std::string> targets() const;  // their "host:port", in order

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keapsync::testing
