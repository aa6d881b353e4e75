// `keapsync sandbox`: parses its flags, prepares TLS (files or a fresh CA),
// starts the server, prints "listening on ADDRESS:PORT" first, and stops
// cleanly on SIGTERM/SIGINT (saving --state).
#include "sandbox_command.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "sandbox/router.hpp"
#include "sandbox/sandbox_config.hpp"
#include "sandbox/server.hpp"
#include "tls/certificate_authority.hpp"

namespace keapsync::cli {
namespace {

constexpr const char* kUsage = R"(usage: keapsync sandbox [OPTIONS]

A local Keap REST look-alike over HTTPS (see docs/sandbox.md).

  --listen ADDR:PORT   address to serve on (default 127.0.0.1:8443; port 0 picks a free
                       port); the first line printed is "listening on ADDR:PORT"
  --tls-cert FILE      server certificate chain (PEM), with --tls-key FILE
  --tls-key FILE       its private key (PEM)
  --self-signed DIR    make a CA and a certificate for 127.0.0.1 and localhost; writes
                       DIR/ca.pem (trust this one), DIR/cert.pem, DIR/key.pem
  --state FILE         load contacts and tags from FILE at start, save them at exit
  --config FILE        sandbox config (YAML; see config/sandbox.example.yaml)
  --threads N          server threads (default 2)
  --help               this text
)";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& path, const std::string& text, bool secret) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  if (secret) ::chmod(path.c_str(), 0600);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

struct Options {
  std::string address = "127.0.0.1";
  unsigned short port = 8443;
  std::string cert_file, key_file, self_signed_dir, state_file, config_file;
  unsigned threads = 2;
};

// nullopt after printing an error; throws nothing.
std::optional<Options> parse(int argc, char** argv, bool& help) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return o;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "keapsync sandbox: %s needs a value\n%s", argv[i], kUsage);
      return std::nullopt;
    }
    std::string value = argv[++i];
    if (arg == "--listen") {
      auto colon = value.rfind(':');
      if (colon == std::string::npos) {
        std::fprintf(stderr, "keapsync sandbox: --listen wants ADDR:PORT, got %s\n", value.c_str());
        return std::nullopt;
      }
      o.address = value.substr(0, colon);
      try {
        auto port = std::stoul(value.substr(colon + 1));
        if (port > 65535) throw std::out_of_range("port");
        o.port = static_cast<unsigned short>(port);
      } catch (const std::exception&) {
        std::fprintf(stderr, "keapsync sandbox: bad port in --listen %s\n", value.c_str());
        return std::nullopt;
      }
    } else if (arg == "--tls-cert") {
      o.cert_file = value;
    } else if (arg == "--tls-key") {
      o.key_file = value;
    } else if (arg == "--self-signed") {
      o.self_signed_dir = value;
    } else if (arg == "--state") {
      o.state_file = value;
    } else if (arg == "--config") {
      o.config_file = value;
    } else if (arg == "--threads") {
      try {
        o.threads = static_cast<unsigned>(std::stoul(value));
      } catch (const std::exception&) {
        o.threads = 0;
      }
      if (o.threads == 0 || o.threads > 64) {
        std::fprintf(stderr, "keapsync sandbox: --threads wants 1..64\n");
        return std::nullopt;
      }
    } else {
      std::fprintf(stderr, "keapsync sandbox: unknown option %s\n%s", std::string(arg).c_str(),
                   kUsage);
      return std::nullopt;
    }
  }
  bool files = !o.cert_file.empty() || !o.key_file.empty();
  if (files == !o.self_signed_dir.empty() ||
      (files && (o.cert_file.empty() || o.key_file.empty()))) {
    std::fprintf(stderr,
                 "keapsync sandbox: give either --tls-cert and --tls-key, or --self-signed DIR\n");
    return std::nullopt;
  }
  return o;
}

}  // namespace

int run_sandbox_command(int argc, char** argv) {
  bool help = false;
  auto options = parse(argc, argv, help);
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!options) return 64;
  try {
    sandbox::SandboxConfig config;
    if (!options->config_file.empty()) config = sandbox::load_sandbox_config(options->config_file);

    sandbox::Server::Options server_options;
    server_options.address = options->address;
    server_options.port = options->port;
    server_options.threads = options->threads;
    if (!options->self_signed_dir.empty()) {
      std::filesystem::path dir = options->self_signed_dir;
      std::filesystem::create_directories(dir);
      tls::CertificateAuthority ca("keapsync sandbox CA");
      auto pair = ca.issue_server({"127.0.0.1", "localhost"});
      write_file(dir / "ca.pem", ca.certificate_pem(), false);
      write_file(dir / "cert.pem", pair.certificate_pem, false);
      write_file(dir / "key.pem", pair.private_key_pem, true);
      server_options.certificate_pem = pair.certificate_pem;
      server_options.private_key_pem = pair.private_key_pem;
    } else {
      server_options.certificate_pem = read_file(options->cert_file);
      server_options.private_key_pem = read_file(options->key_file);
    }

    sandbox::Router router(config);
    if (!options->state_file.empty()) router.load_state(options->state_file);

    // Block the stop signals before any thread starts, so only sigwait sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    sandbox::Server server(router, server_options);
    server.start();
    std::printf("listening on %s:%u\n", options->address.c_str(), server.port());
    std::fflush(stdout);

    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    server.stop();
    if (!options->state_file.empty()) router.save_state(options->state_file);
    std::fprintf(stderr, "keapsync sandbox: stopped (signal %d)\n", signal_number);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "keapsync sandbox: %s\n", e.what());
    return 1;
  }
}

}  // namespace keapsync::cli
