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
#include <utility>
#include <vector>

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
  --state FILE         load contacts, tags and tokens from FILE at start, save them at exit
  --config FILE        sandbox config (YAML; see config/sandbox.example.yaml)
  --threads N          server threads (default 2)
  --expires-in SECONDS access-token lifetime (overrides tokens.access_expires_in)
  --error-rate X       share 0..1 of API calls answered with a 5xx    (faults.error_rate)
  --error-status N     that status, 500..599                          (faults.error_status)
  --latency-ms N       delay added to every answer                    (faults.latency_ms)
  --jitter-ms N        plus a uniform random 0..N ms                  (faults.jitter_ms)
  --drop-rate X        share 0..1 of connections dropped unanswered   (faults.drop_rate)
  --token-delay-ms N   extra delay on /token                          (faults.token_delay_ms)
  --help               this text

Faults can also be changed at run time: POST /_sandbox/faults (docs/sandbox.md).
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
  std::vector<std::pair<std::string, std::string>> overrides;  // config overrides from flags
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
    } else if (arg == "--expires-in" || arg == "--error-rate" || arg == "--error-status" ||
               arg == "--latency-ms" || arg == "--jitter-ms" || arg == "--drop-rate" ||
               arg == "--token-delay-ms") {
      o.overrides.emplace_back(std::string(arg.substr(2)), value);
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

// Flags override the config file; values are checked by the config's own rules.
void apply_overrides(const std::vector<std::pair<std::string, std::string>>& overrides,
                     sandbox::SandboxConfig& config) {
  if (overrides.empty()) return;
  std::string tokens, faults;
  for (const auto& [flag, value] : overrides) {
    std::string key = flag;
    for (auto& c : key)
      if (c == '-') c = '_';
    if (key == "expires_in") {
      tokens += "access_expires_in: " + value + "\n";
    } else {
      faults += "  " + key + ": " + value + "\n";
    }
  }
  auto parsed = sandbox::parse_sandbox_config((tokens.empty() ? "" : "tokens:\n  " + tokens) +
                                              (faults.empty() ? "" : "faults:\n" + faults));
  if (!tokens.empty()) config.tokens.access_expires_in = parsed.tokens.access_expires_in;
  for (const auto& [flag, value] : overrides) {
    const auto& f = parsed.faults;
    if (flag == "error-rate") config.faults.error_rate = f.error_rate;
    if (flag == "error-status") config.faults.error_status = f.error_status;
    if (flag == "latency-ms") config.faults.latency = f.latency;
    if (flag == "jitter-ms") config.faults.jitter = f.jitter;
    if (flag == "drop-rate") config.faults.drop_rate = f.drop_rate;
    if (flag == "token-delay-ms") config.faults.token_delay = f.token_delay;
  }
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
    apply_overrides(options->overrides, config);

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
