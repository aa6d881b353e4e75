// Starting and stopping `keapsync sandbox` for tests.
#include "sandbox_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace keapsync::testing {

std::string read_first_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
    char buf[256];
    auto n = read(fd, buf, sizeof buf);
    if (n <= 0) return "";
    line.append(buf, static_cast<std::size_t>(n));
  }
  return line.substr(0, line.find('\n'));
}

SandboxProcess::SandboxProcess(Options options) {
  if (options.dir.empty()) {
    std::string templ =
        (std::filesystem::temp_directory_path() / "keapsync-sandbox-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    own_dir_ = true;
  } else {
    dir_ = options.dir;
    std::filesystem::create_directories(dir_);
  }
  std::vector<std::string> args{options.binary, "sandbox",       "--listen",
                                "127.0.0.1:0",  "--self-signed", dir_ + "/tls"};
  if (!options.config_yaml.empty()) {
    std::ofstream(dir_ + "/sandbox.yaml") << options.config_yaml;
    args.insert(args.end(), {"--config", dir_ + "/sandbox.yaml"});
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  out_ = fds[0];
  if (rc != 0) throw std::runtime_error("cannot start " + options.binary);
  pid_ = pid;
  auto line = read_first_line(out_, options.start_timeout);
  const std::string prefix = "listening on 127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) {
    stop(SIGKILL);
    throw std::runtime_error("keapsync sandbox did not start (first line: \"" + line + "\")");
  }
  port_ = static_cast<unsigned short>(std::stoi(line.substr(prefix.size())));
}

SandboxProcess::~SandboxProcess() {
  if (pid_ > 0) stop(SIGKILL);
  if (out_ >= 0) close(out_);
  if (own_dir_) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

int SandboxProcess::stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  kill(pid_, signal);
  pollfd p{pidfd, POLLIN, 0};
  int ready = pidfd >= 0 ? poll(&p, 1, static_cast<int>(timeout.count())) : 0;
  if (pidfd >= 0) close(pidfd);
  if (ready <= 0) return -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace keapsync::testing
