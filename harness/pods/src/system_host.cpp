#include "troupe/pods/system_host.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

namespace troupe::pods {

namespace {

volatile std::sig_atomic_t interrupt_signal = 0;
constexpr int handled_signals[3] = {SIGINT, SIGTERM, SIGHUP};
/// Bounds of one readiness probe.
constexpr int probe_connect_ms = 300;
constexpr int probe_answer_ms = 700;
/// The most output of a helper command kept for an error message.
constexpr std::size_t command_output_max = 4096;

void on_interrupt(int signal) { interrupt_signal = signal; }

std::vector<char*> c_argv(const argv& command) {
  std::vector<char*> out;
  for (const auto& a : command) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string netns_path(const std::string& netns) { return "/run/netns/" + netns; }

/// Runs `command`, returns its exit code (-1: could not start) and its stdout and stderr.
/// `ip netns exec NS PROGRAM ...` is run as PROGRAM inside NS directly (setns in the child):
/// the same effect without `ip`'s remount of /sys, about half the time per command, which
/// matters when a partition is a command per pod.
int capture(const argv& command, std::string& output) {
  const bool in_netns = command.size() > 4 && command[0] == "ip" && command[1] == "netns" &&
                        command[2] == "exec";
  const std::string ns = in_netns ? netns_path(command[3]) : std::string();
  const argv program = in_netns ? argv(command.begin() + 4, command.end()) : command;
  auto args = c_argv(program);  // points into `program`, which outlives the child's exec
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    output = std::strerror(errno);
    return -1;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    output = std::strerror(errno);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return -1;
  }
  if (pid == 0) {
    const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    dup2(null, 0);
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    if (in_netns) {
      const int ns_fd = open(ns.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns_fd < 0 || setns(ns_fd, CLONE_NEWNET) != 0) {
        static const char message[] = "cannot enter the network namespace\n";
        (void)!write(2, message, sizeof message - 1);
        _exit(126);
      }
    }
    execvp(args[0], args.data());
    static const char message[] = "cannot run the program\n";
    (void)!write(2, message, sizeof message - 1);
    _exit(127);
  }
  close(pipe_fds[1]);
  char buffer[512];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (output.size() < command_output_max) output.append(buffer, static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output == "cannot run the program") return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// One HTTP GET from a socket created inside `netns` (setns on this thread only).
int probe_in_netns(const std::string& netns, const std::string& ip, int port, const std::string& path) {
  const int ns_fd = open(netns_path(netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0) return -1;
  const bool entered = setns(ns_fd, CLONE_NEWNET) == 0;
  close(ns_fd);
  if (!entered) return -1;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
  int result = -1;
  pollfd p{fd, POLLOUT, 0};
  int error = 0;
  socklen_t length = sizeof error;
  const int connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  if ((connected == 0 || errno == EINPROGRESS) && poll(&p, 1, probe_connect_ms) == 1 &&
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) {
    result = 0;
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + ip + "\r\nConnection: close\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      std::string answer;
      p = {fd, POLLIN, 0};
      char buffer[256];
      while (answer.find("\r\n") == std::string::npos && poll(&p, 1, probe_answer_ms) == 1) {
        const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        answer.append(buffer, static_cast<std::size_t>(n));
      }
      int status = 0;
      if (std::sscanf(answer.c_str(), "HTTP/%*d.%*d %d", &status) == 1) result = status;
    }
  }
  close(fd);
  return result;
}

}  // namespace

system_host::system_host() {
  interrupt_signal = 0;
  struct sigaction action{};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a sleep ends early
  for (int i = 0; i < 3; ++i) sigaction(handled_signals[i], &action, &previous_[i]);
  started_ns_ = now_ns();
}

system_host::~system_host() {
  for (int i = 0; i < 3; ++i) sigaction(handled_signals[i], &previous_[i], nullptr);
}

std::string system_host::run(const argv& command) {
  std::string output;
  const int code = capture(command, output);
  if (code == 0) return {};
  if (output.empty()) output = "exit status " + std::to_string(code);
  return output;
}

int system_host::spawn(const std::string& netns, const argv& command, const std::string& log_path,
                       std::string& error) {
  // Everything the child needs is prepared before fork: after it, only system calls.
  const std::string ns = netns_path(netns);
  auto args = c_argv(command);
  const pid_t parent = getpid();
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    return -1;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    error = std::strerror(errno);
    close(report[0]);
    close(report[1]);
    return -1;
  }
  if (pid == 0) {
    auto fail = [&](int code) {
      const int value = errno;
      (void)!write(report[1], &value, sizeof value);
      (void)code;
      _exit(127);
    };
    setpgid(0, 0);  // Ctrl-C in the terminal reaches the runner only; it stops the pods
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // the runner killed outright takes its pods along
    if (getppid() != parent) _exit(127);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    const int ns_fd = open(ns.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0 || setns(ns_fd, CLONE_NEWNET) != 0) fail(1);
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log < 0 || null < 0) fail(2);
    dup2(null, 0);
    dup2(log, 1);
    dup2(log, 2);
    execv(args[0], args.data());
    fail(3);
  }
  close(report[1]);
  int child_errno = 0;
  ssize_t n;
  while ((n = read(report[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
  }
  close(report[0]);
  if (n > 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    error = command[0] + " in " + netns + ": " + std::strerror(child_errno);
    return -1;
  }
  return pid;
}

void system_host::send_signal(int pid, int signal) {
  if (pid > 0) kill(pid, signal);
}

std::optional<int> system_host::poll_exit(int pid) {
  int status = 0;
  const pid_t done = waitpid(pid, &status, WNOHANG);
  if (done == 0) return std::nullopt;
  if (done < 0) return errno == ECHILD ? std::optional<int>(255) : std::nullopt;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int system_host::probe(const std::string& netns, const std::string& ip, int port, const std::string& path) {
  int result = -1;
  std::thread prober([&] { result = probe_in_netns(netns, ip, port, path); });
  prober.join();
  return result;
}

std::int64_t system_host::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void system_host::sleep_ns(std::int64_t ns) {
  if (ns <= 0 || interrupt_signal != 0) return;
  timespec t{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  nanosleep(&t, nullptr);  // EINTR: a signal ends the sleep early, as wanted
}

bool system_host::interrupted() { return interrupt_signal != 0; }

int system_host::interrupting_signal() const { return interrupt_signal; }

void system_host::say(const std::string& line) { std::fprintf(stderr, "[pods] %s\n", line.c_str()); }

std::string local_pods_unsupported() {
  if (geteuid() != 0) return "needs root (network namespaces, iptables)";
  for (const char* tool : {"ip", "iptables"}) {
    std::string output;
    if (capture({tool, "-V"}, output) < 0) return std::string(tool) + " not found (apt-get install iproute2 iptables)";
  }
  // A process of our own in a new network namespace: does the kernel let us?
  const pid_t pid = fork();
  if (pid == 0) _exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return "network namespaces are not available here (unshare(CLONE_NEWNET) failed)";
  return {};
}

bool netem_available(const std::string& scratch_netns) {
  std::string output;
  if (capture({"ip", "netns", "add", scratch_netns}, output) != 0) return false;
  const bool works = capture({"ip", "netns", "exec", scratch_netns, "tc", "qdisc", "add", "dev", "lo",
                              "root", "netem", "delay", "1ms"},
                             output) == 0;
  capture({"ip", "netns", "del", scratch_netns}, output);
  return works;
}

std::vector<std::string> sweep_leftovers() {
  std::vector<std::string> removed;
  DIR* dir = opendir("/run/netns");
  if (dir == nullptr) return removed;
  std::vector<std::string> stale;
  const std::string prefix = run_prefix;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid <= 0) continue;
    if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // its runner lives
    stale.push_back(name);
  }
  closedir(dir);
  for (const auto& name : stale) {
    std::string pids;
    capture({"ip", "netns", "pids", name}, pids);
    std::size_t start = 0;
    while (start < pids.size()) {
      const long pid = std::strtol(pids.c_str() + start, nullptr, 10);
      if (pid > 0) kill(static_cast<pid_t>(pid), SIGKILL);
      const auto next = pids.find('\n', start);
      if (next == std::string::npos) break;
      start = next + 1;
    }
    std::string output;
    if (capture({"ip", "netns", "del", name}, output) == 0) removed.push_back(name);
  }
  return removed;
}

}  // namespace troupe::pods
