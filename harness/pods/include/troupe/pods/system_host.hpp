#pragma once
/// The real `host` of the local pod cluster: runs ip/iptables/tc, starts node processes
/// inside network namespaces (fork, setns, exec), signals them by pid, probes their HTTP
/// management port from inside their namespace, and turns SIGINT/SIGTERM/SIGHUP into a
/// flag the runner polls (so it can clean up). Linux only; needs root.

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include "troupe/pods/cluster.hpp"

namespace troupe::pods {

class system_host final : public host {
 public:
  /// Installs the signal handlers (SIGINT, SIGTERM, SIGHUP: set the flag) for the
  /// lifetime of the object; the destructor restores the previous ones. One at a time.
  system_host();
  ~system_host() override;
  system_host(const system_host&) = delete;
  system_host& operator=(const system_host&) = delete;

  std::string run(const argv& command) override;
  int spawn(const std::string& netns, const argv& command, const std::string& log_path,
            std::string& error) override;
  void send_signal(int pid, int signal) override;
  std::optional<int> poll_exit(int pid) override;
  int probe(const std::string& netns, const std::string& ip, int port, const std::string& path) override;
  std::int64_t now_ns() override;
  void sleep_ns(std::int64_t ns) override;
  bool interrupted() override;
  void say(const std::string& line) override;

  /// The signal that interrupted the run (0: none).
  int interrupting_signal() const;

 private:
  struct sigaction previous_[3];
  std::int64_t started_ns_ = 0;
};

/// Why this machine cannot run local pods ("" when it can): not root, no `ip`/`iptables`,
/// or network namespaces cannot be created.
std::string local_pods_unsupported();
/// True when tc netem works inside a scratch namespace (the kernel has sch_netem).
bool netem_available(const std::string& scratch_netns);

/// Removes what earlier runs left behind: namespaces named tpods-<pid>-* whose runner pid is
/// no longer alive (their processes are killed first). Returns the namespaces removed.
std::vector<std::string> sweep_leftovers();

}  // namespace troupe::pods
