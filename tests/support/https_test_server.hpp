// HttpsTestServer: a scriptable HTTPS/1.1 server on 127.0.0.1 (port 0) for tests, with fault
// injection.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/headers.hpp"
#include "tls/certificate_authority.hpp"

namespace keapsync::testing {

// One request as the server received it.
struct TestRequest {
  std::string method;
  std::string target;
  http::Headers headers;
  std::string body;
  std::size_t connection = 0;  // 1-based index of the TCP connection it came on
  std::string sni;             // the TLS server name the client sent ("" if none)
};

// What the handler wants sent back (Content-Length is added).
struct TestResponse {
  enum class Fault {
    none,
    stall,                   // read the request, never answer
    stall_mid_body,          // send the head and half the body, then nothing
    close_without_response,  // close the TCP connection instead of answering
  };
  int status = 200;
  http::Headers headers;
  std::string body;
  Fault fault = Fault::none;
  bool close_after = false;  // close the connection after this response, without saying so
};

class HttpsTestServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;

  // Where every connection stops making progress, if anywhere.
  enum class Stall {
    none,
    accept,     // listen with a full backlog: TCP connects never complete
    handshake,  // accept, then never speak TLS
    request,    // handshake, then never read the request
  };

  // Which TLS sessions a client may resume.
  enum class Resumption {
    tickets,      // OpenSSL's server defaults: TLS 1.3 tickets (two per full handshake)
    session_ids,  // TLS 1.2 without tickets: sessions resumed by id from the server's cache
    refused,      // TLS 1.3 tickets issued but never accepted, no cache: full handshakes only
  };

  struct Options {
    std::vector<std::string> names = {"127.0.0.1", "localhost"};  // in the certificate
    Stall stall = Stall::none;
    Resumption resumption = Resumption::tickets;
  };

  // Starts serving on its own thread; the certificate is issued by `ca`.
  explicit HttpsTestServer(const tls::CertificateAuthority& ca);
  HttpsTestServer(const tls::CertificateAuthority& ca, Options options);
  // Stops the thread; stalled connections are dropped.
  ~HttpsTestServer();
  HttpsTestServer(const HttpsTestServer&) = delete;
  HttpsTestServer& operator=(const HttpsTestServer&) = delete;

  // Called on the server thread for every request; the default answers 200 "ok".
  void set_handler(Handler handler);

  std::uint16_t port() const;
  std::string origin(const std::string& host = "127.0.0.1") const;  // "https://host:port"

  std::size_t connections() const;  // TCP connections accepted
  std::size_t requests() const;     // requests read completely
  // Handshakes that resumed a session (SSL_session_reused).
  std::size_t resumed_handshakes() const;
  // ClientHellos that offered a session ticket, whether it could be used or not
  // (another server's, a refused one): what a client offered, not what it got.
  std::size_t tickets_offered() const;
  std::vector<TestRequest> received() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keapsync::testing
