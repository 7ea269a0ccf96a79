#pragma once
// Test helper of troupe_node_tests: a real dnsmasq on 127.0.0.1 serving what CoreDNS serves
// for a Kubernetes headless service (SRV records `_remoting._tcp.SERVICE` with one target
// `POD.SERVICE` per pod, and that target's A record), so that `troupe node --discovery
// dns:SERVICE` can be run against it on loopback. Debian's dnsmasq-base; tests skip without it.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "troupe/k8s/discovery.hpp"
#include "troupe/k8s/discovery_method.hpp"

namespace troupe::node::testing {

/// A loopback port nothing listens on now (the kernel's pick for a socket closed at once);
/// `type` is SOCK_STREAM or SOCK_DGRAM.
inline std::uint16_t free_port(int type) {
  const int fd = socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t length = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
  close(fd);
  return ntohs(a.sin_port);
}

/// The dnsmasq program, or "" when it is not installed.
inline std::string find_dnsmasq() {
  for (const char* path : {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"})
    if (access(path, X_OK) == 0) return path;
  return {};
}

/// dnsmasq on 127.0.0.1:`port` answering for `service` (SERVICE.NS.svc.cluster.local) with
/// the pods given (name -> remoting port), all at 127.0.0.1. Stopped by the destructor.
class dnsmasq_server {
 public:
  dnsmasq_server(const std::string& binary, std::uint16_t port, const std::string& service,
                 const std::vector<std::pair<std::string, std::uint16_t>>& pods,
                 const std::string& pid_file) {
    std::vector<std::string> args = {binary,
                                     "--keep-in-foreground",
                                     "--no-resolv",
                                     "--no-hosts",
                                     "--conf-file=/dev/null",
                                     "--listen-address=127.0.0.1",
                                     "--bind-interfaces",
                                     "--port=" + std::to_string(port),
                                     "--pid-file=" + pid_file,
                                     "--local=/cluster.local/"};
    for (const auto& [name, remoting] : pods) {
      args.push_back("--srv-host=_remoting._tcp." + service + "," + name + "." + service + "," +
                     std::to_string(remoting) + ",0,33");
      args.push_back("--host-record=" + name + "." + service + ",127.0.0.1");
    }
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      std::freopen("/dev/null", "w", stdout);
      std::freopen("/dev/null", "w", stderr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    // Ready once it answers with every pod (bounded: 5 s).
    const auto method = k8s::parse_discovery_method("dns:" + service).method;
    for (int attempt = 0; attempt < 50 && !ready_; ++attempt) {
      ready_ = k8s::poll_dns(method, "127.0.0.1", port, 100).peers.size() == pods.size();
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~dnsmasq_server() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  dnsmasq_server(const dnsmasq_server&) = delete;
  dnsmasq_server& operator=(const dnsmasq_server&) = delete;

  /// True once it answered the SRV query with every pod.
  bool ready() const { return ready_; }

 private:
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace troupe::node::testing
