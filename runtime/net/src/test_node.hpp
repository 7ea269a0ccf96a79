#pragma once
// Test support for runtime/net: one node (platform, TCP transport, actor system) on
// 127.0.0.1 with a kernel-chosen port, a log capture, and waiting on conditions.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "troupe/net/tcp_transport.hpp"
#include "troupe/runtime.hpp"

namespace troupe::net::testing {

using namespace std::chrono_literals;

/// Polls `condition` every few milliseconds until it holds or `timeout` passes. Generous
/// timeouts: a sanitizer build on a loaded 2-core machine is slow, a correct one is not late.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

/// Collects a transport's log lines (thread-safe).
class log_capture {
 public:
  log_function function() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    };
  }
  bool contains(std::string_view text) const {
    std::lock_guard lock(mutex_);
    for (const auto& line : lines_)
      if (line.find(text) != std::string::npos) return true;
    return false;
  }
  std::string all() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& line : lines_) out += line + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

inline std::vector<std::byte> secret_bytes(std::string_view text) {
  std::vector<std::byte> out;
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  return out;
}

/// Timeouts short enough for tests, long enough for a sanitizer build.
inline tcp_transport_config fast_config(std::string name, std::vector<address> seeds = {}) {
  tcp_transport_config config;
  config.node_name = std::move(name);
  config.seeds = std::move(seeds);
  config.secret = secret_bytes("test cluster secret");
  config.handshake_timeout_ns = 1'000'000'000;
  config.heartbeat_interval_ns = 100'000'000;
  config.peer_timeout_ns = 3'000'000'000;
  config.down_after_ns = 1'000'000'000;
  config.reconnect_backoff_min_ns = 20'000'000;
  config.reconnect_backoff_max_ns = 200'000'000;
  config.tick_interval_ns = 20'000'000;
  return config;
}

/// One node: a two-thread platform, a TCP transport and an actor system, in the order their
/// lifetimes need (the transport outlives the system, and stops before the system dies).
class test_node {
 public:
  explicit test_node(tcp_transport_config config) {
    config.log = logs.function();
    name_ = config.node_name;
    transport = std::make_unique<tcp_transport>(std::move(config));
    system = std::make_unique<actor_system>(platform, system_config{.node_name = name_});
    const std::string error = transport->start(*system);
    EXPECT_EQ(error, "");
  }
  ~test_node() { stop(); }

  address where() const { return {"127.0.0.1", transport->local_port()}; }

  /// Graceful: actors stop (their remote watchers are told), goodbye, flush.
  void stop() {
    if (!system) return;
    system->shutdown();
    system->await_termination();
    transport->stop(5s);
    system.reset();
    transport.reset();
  }
  /// Like a crashed process: connections vanish without goodbye.
  void crash() {
    if (!system) return;
    transport->abort();
    system->abort();
    system->shutdown();
    system->await_termination();
    system.reset();
    transport.reset();
  }

  thread_pool_platform platform{2};
  log_capture logs;
  std::unique_ptr<tcp_transport> transport;
  std::unique_ptr<actor_system> system;

 private:
  std::string name_;
};

}  // namespace troupe::net::testing
