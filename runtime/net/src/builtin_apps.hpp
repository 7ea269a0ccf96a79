#pragma once
// The applications `troupe node --app NAME` runs when no scenario application is linked in:
// small, but enough to see two processes talk (docs/transport.md).
//
//   echo     /user/echo answers every std::string with the same string.
//   counter  /user/counter: increment{by} adds, get_count{} answers the count; plus echo.
//   ping     echo, plus /user/pinger, which every 200 ms asks /user/echo on every connected
//            node and prints "reply from <node>: <text>" on stdout for each answer.

#include <cstdio>
#include <string>
#include <variant>

#include "troupe/net/tcp_transport.hpp"
#include "troupe/runtime.hpp"

namespace troupe::net::apps {

struct increment {
  std::int64_t by = 1;
  template <class A>
  void fields(A& a) { a(by); }
};
struct get_count {
  template <class A>
  void fields(A&) {}
};
struct ping_tick {
  template <class A>
  void fields(A&) {}
};

}  // namespace troupe::net::apps

// Stable wire names, declared before any use of the types.
TROUPE_MESSAGE(troupe::net::apps::increment, "troupe.counter.increment");
TROUPE_MESSAGE(troupe::net::apps::get_count, "troupe.counter.get_count");
TROUPE_MESSAGE(troupe::net::apps::ping_tick, "troupe.ping.tick");

namespace troupe::net::apps {

using counter_protocol = std::variant<increment, get_count>;

struct echo final : actor<std::string> {
  void on_message(std::string& text) override { reply(text); }
};

struct counter final : actor<counter_protocol> {
  void on_message(counter_protocol& m) override {
    if (auto* inc = std::get_if<increment>(&m)) count += inc->by;
    else reply(count);
  }
  std::int64_t count = 0;
};

struct pinger final : actor<ping_tick> {
  explicit pinger(tcp_transport* transport) : transport_(transport) {}
  void pre_start() override { start_periodic_timer("ping", ping_tick{}, std::chrono::milliseconds(200)); }
  void on_message(ping_tick&) override {
    for (const auto& node : transport_->connected_nodes()) {
      auto target = system().remote_ref<std::string>(node, "/user/echo");
      std::string text = "ping " + std::to_string(++sent_) + " from " + system().node_name();
      ask<std::string>(target, std::move(text), std::chrono::seconds(5),
                       [node](result<std::string> answer) {
                         if (!answer.ok()) return;
                         std::printf("reply from %s: %s\n", node.c_str(), answer.value().c_str());
                         std::fflush(stdout);
                       });
    }
  }

 private:
  tcp_transport* transport_;
  std::uint64_t sent_ = 0;
};

}  // namespace troupe::net::apps
