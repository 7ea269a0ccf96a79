// Goal: actor systems in one process, connected only by real TCP sockets on 127.0.0.1, use
// remote refs exactly like local ones (tell, ask, reply, death watch), keep per-pair order,
// learn when a peer goes away (goodbye or silence), refuse peers without the secret, bound
// their outbound queues, and reconnect when a peer comes back.

#include "troupe/net/tcp_transport.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <variant>

#include <asio.hpp>

#include "test_node.hpp"

namespace {

using namespace std::chrono_literals;
using troupe::net::testing::fast_config;
using troupe::net::testing::secret_bytes;
using troupe::net::testing::test_node;
using troupe::net::testing::wait_until;

struct put {
  std::string key;
  std::int64_t value = 0;
  template <class A>
  void fields(A& a) { a(key, value); }
};
struct get {
  std::string key;
  template <class A>
  void fields(A& a) { a(key); }
};
using store_protocol = std::variant<put, get>;

struct store final : troupe::actor<store_protocol> {
  void on_message(store_protocol& m) override {
    if (auto* p = std::get_if<put>(&m)) {
      // Order check: values for one key must arrive increasing.
      auto& last = data[p->key];
      if (p->value != last + 1) ++out_of_order;
      last = p->value;
    } else {
      const auto& g = std::get<get>(m);
      if (g.key == "out_of_order") reply(out_of_order);
      else reply(data.count(g.key) ? data[g.key] : std::int64_t{-1});
    }
  }
  std::map<std::string, std::int64_t> data;
  std::int64_t out_of_order = 0;
};

struct watcher final : troupe::actor<troupe::any_ref> {
  explicit watcher(std::atomic<int>* terminated_count) : count_(terminated_count) {}
  void on_message(troupe::any_ref& target) override { watch(target); }
  void on_terminated(const troupe::terminated&) override { count_->fetch_add(1); }
  std::atomic<int>* count_;
};

bool connected_both_ways(test_node& a, const std::string& a_name, test_node& b,
                         const std::string& b_name) {
  return wait_until([&] {
    return a.transport->connected(b_name) && b.transport->connected(a_name);
  });
}

std::int64_t ask_value(test_node& from, const troupe::actor_ref<store_protocol>& to,
                       std::string key) {
  auto answer = from.system->ask<std::int64_t>(to, get{std::move(key)}, 20s).get();
  return answer.ok() ? answer.value() : -100;
}

TEST(tcp_transport, tell_ask_and_reply_between_two_systems) {
  test_node b(fast_config("b"));
  test_node a(fast_config("a", {b.where()}));
  ASSERT_TRUE(connected_both_ways(a, "a", b, "b")) << a.logs.all() << b.logs.all();
  ASSERT_TRUE(b.system->spawn_with<store>({"store", {}}).ok());
  auto remote = a.system->remote_ref<store_protocol>("b", "/user/store");
  remote.tell(put{"k", 1});
  EXPECT_EQ(ask_value(a, remote, "k"), 1);
  // And back the other way over the same connection.
  ASSERT_TRUE(a.system->spawn_with<store>({"store", {}}).ok());
  auto back = b.system->remote_ref<store_protocol>("a", "/user/store");
  back.tell(put{"x", 1});
  EXPECT_EQ(ask_value(b, back, "x"), 1);
  EXPECT_EQ(a.transport->counters().connections_authenticated, 1u);
}

TEST(tcp_transport, messages_between_one_pair_keep_their_order) {
  test_node b(fast_config("b"));
  test_node a(fast_config("a", {b.where()}));
  ASSERT_TRUE(connected_both_ways(a, "a", b, "b"));
  auto target = b.system->spawn_with<store>({"store", {}}).value();
  auto remote = a.system->remote_ref<store_protocol>("b", "/user/store");
  constexpr int count = 20'000;
  for (int i = 1; i <= count; ++i) {
    // A full queue would be a test failure here: the default bound is far above `count`.
    remote.tell(put{"seq", i});
  }
  EXPECT_EQ(ask_value(a, remote, "seq"), count);
  EXPECT_EQ(a.system->dead_letters(), 0u);
  EXPECT_EQ(ask_value(a, remote, "out_of_order"), 0);
}

TEST(tcp_transport, remote_death_watch_reports_a_stopped_actor) {
  test_node b(fast_config("b"));
  test_node a(fast_config("a", {b.where()}));
  ASSERT_TRUE(connected_both_ways(a, "a", b, "b"));
  auto target = b.system->spawn_with<store>({"store", {}}).value();
  std::atomic<int> terminated{0};
  a.system->spawn<watcher>(&terminated).tell(a.system->remote_ref_any("b", "/user/store"));
  // The watch must have reached b before the stop, or b answers "not found" instead; both
  // end in `terminated`, which is what the user sees.
  auto remote = a.system->remote_ref<store_protocol>("b", "/user/store");
  EXPECT_EQ(ask_value(a, remote, "none"), -1);
  EXPECT_EQ(terminated.load(), 0);
  b.system->shutdown();
  EXPECT_TRUE(wait_until([&] { return terminated.load() == 1; }));
}

TEST(tcp_transport, node_down_when_the_peer_vanishes_without_goodbye) {
  auto b = std::make_unique<test_node>(fast_config("b"));
  test_node a(fast_config("a", {b->where()}));
  ASSERT_TRUE(connected_both_ways(a, "a", *b, "b"));
  ASSERT_TRUE(b->system->spawn_with<store>({"store", {}}).ok());
  std::atomic<int> terminated{0};
  a.system->spawn<watcher>(&terminated).tell(a.system->remote_ref_any("b", "/user/store"));
  EXPECT_EQ(ask_value(a, a.system->remote_ref<store_protocol>("b", "/user/store"), "k"), -1);
  b->crash();
  EXPECT_TRUE(wait_until([&] { return terminated.load() == 1; })) << a.logs.all();
  EXPECT_TRUE(a.logs.contains("node b is down")) << a.logs.all();
  // Once down, sends fail at once instead of queueing for a node that is gone.
  EXPECT_EQ(a.transport->send_user("b", {1, 1, "", "/user/store", "put", {}, ""}),
            troupe::send_result::unreachable);
}

TEST(tcp_transport, goodbye_declares_the_node_down_at_once) {
  auto config = fast_config("a");
  config.down_after_ns = 600'000'000'000;  // only the goodbye can explain a prompt node_down
  auto b = std::make_unique<test_node>(fast_config("b"));
  config.seeds = {b->where()};
  test_node a(config);
  ASSERT_TRUE(connected_both_ways(a, "a", *b, "b"));
  ASSERT_TRUE(b->system->spawn_with<store>({"store", {}}).ok());
  std::atomic<int> terminated{0};
  // Watch an actor b will not report itself (it never existed): only node_down ends it.
  a.system->spawn<watcher>(&terminated).tell(a.system->remote_ref_any("b", "/user/store"));
  EXPECT_EQ(ask_value(a, a.system->remote_ref<store_protocol>("b", "/user/store"), "k"), -1);
  b->transport->stop(5s);  // goodbye without stopping b's actors first
  EXPECT_TRUE(wait_until([&] { return terminated.load() == 1; })) << a.logs.all();
  EXPECT_TRUE(a.logs.contains("goodbye")) << a.logs.all();
}

TEST(tcp_transport, a_wrong_secret_cannot_deliver_anything) {
  test_node b(fast_config("b"));
  auto intruder_config = fast_config("mallory", {b.where()});
  intruder_config.secret = secret_bytes("guessed secret");
  test_node intruder(intruder_config);
  ASSERT_TRUE(b.system->spawn_with<store>({"store", {}}).ok());
  ASSERT_TRUE(wait_until([&] { return b.logs.contains("authentication"); })) << b.logs.all();
  EXPECT_FALSE(b.transport->connected("mallory"));
  EXPECT_FALSE(intruder.transport->connected("b"));
  intruder.system->remote_ref<store_protocol>("b", "/user/store").tell(put{"k", 1});
  EXPECT_EQ(intruder.transport->send_user("b", {1, 1, "", "/user/store", "put", {}, ""}),
            troupe::send_result::unreachable);
  // A legitimate node still gets through, and sees nothing of the intruder's message.
  test_node a(fast_config("a", {b.where()}));
  ASSERT_TRUE(connected_both_ways(a, "a", b, "b"));
  EXPECT_EQ(ask_value(a, a.system->remote_ref<store_protocol>("b", "/user/store"), "k"), -1);
  EXPECT_EQ(b.transport->counters().messages_received, 1u);  // the ask only
}

TEST(tcp_transport, a_full_outbound_queue_refuses_sends_and_stays_bounded) {
  auto b = std::make_unique<test_node>(fast_config("b"));
  auto config = fast_config("a", {b->where()});
  config.outbound_queue_messages = 100;
  config.down_after_ns = 600'000'000'000;  // b stays "lost, not down": messages queue
  config.reconnect_backoff_min_ns = 600'000'000'000;
  test_node a(config);
  ASSERT_TRUE(connected_both_ways(a, "a", *b, "b"));
  b->crash();
  ASSERT_TRUE(wait_until([&] { return !a.transport->connected("b"); }));
  int queued = 0, full = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto sent = a.transport->send_user("b", {1, 1, "", "/user/store", "put", {}, ""});
    if (sent == troupe::send_result::queued) ++queued;
    if (sent == troupe::send_result::queue_full) ++full;
  }
  EXPECT_EQ(queued, 100);
  EXPECT_EQ(full, 900);
  EXPECT_EQ(a.transport->counters().queue_full, 900u);
  // Through an actor ref the runtime traces the drop as a dead letter.
  const auto before = a.system->dead_letters();
  a.system->remote_ref<store_protocol>("b", "/user/store").tell(put{"k", 1});
  EXPECT_TRUE(wait_until([&] { return a.system->dead_letters() == before + 1; }));
}

TEST(tcp_transport, reconnects_after_the_peer_restarts) {
  auto b = std::make_unique<test_node>(fast_config("b"));
  const auto b_address = b->where();
  test_node a(fast_config("a", {b_address}));
  ASSERT_TRUE(connected_both_ways(a, "a", *b, "b"));
  b->stop();
  b.reset();
  ASSERT_TRUE(wait_until([&] { return a.logs.contains("node b is down"); })) << a.logs.all();
  // The same name on the same address: a restarted pod.
  auto config = fast_config("b");
  config.listen = b_address;
  b = std::make_unique<test_node>(config);
  ASSERT_TRUE(connected_both_ways(a, "a", *b, "b")) << a.logs.all();
  ASSERT_TRUE(b->system->spawn_with<store>({"store", {}}).ok());
  auto remote = a.system->remote_ref<store_protocol>("b", "/user/store");
  remote.tell(put{"k", 1});
  EXPECT_EQ(ask_value(a, remote, "k"), 1);
}

/// A port the kernel chose and that is free again, for a node that must be listed among
/// the seeds of another before either starts.
std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  return probe.local_endpoint().port();
}

TEST(tcp_transport, nodes_that_dial_each_other_keep_one_connection_and_their_order) {
  const troupe::net::address a_address{"127.0.0.1", free_port()};
  const troupe::net::address b_address{"127.0.0.1", free_port()};
  auto a_config = fast_config("a", {b_address, a_address});  // its own address too
  a_config.listen = a_address;
  auto b_config = fast_config("b", {a_address});
  b_config.listen = b_address;
  test_node a(a_config);
  test_node b(b_config);
  ASSERT_TRUE(connected_both_ways(a, "a", b, "b")) << a.logs.all() << b.logs.all();
  EXPECT_TRUE(wait_until([&] { return a.logs.contains("own address"); })) << a.logs.all();
  ASSERT_TRUE(b.system->spawn_with<store>({"store", {}}).ok());
  ASSERT_TRUE(a.system->spawn_with<store>({"store", {}}).ok());
  auto to_b = a.system->remote_ref<store_protocol>("b", "/user/store");
  auto to_a = b.system->remote_ref<store_protocol>("a", "/user/store");
  constexpr int count = 5'000;
  for (int i = 1; i <= count; ++i) {
    to_b.tell(put{"seq", i});
    to_a.tell(put{"seq", i});
  }
  EXPECT_EQ(ask_value(a, to_b, "seq"), count);
  EXPECT_EQ(ask_value(b, to_a, "seq"), count);
  EXPECT_EQ(ask_value(a, to_b, "out_of_order"), 0);
  EXPECT_EQ(ask_value(b, to_a, "out_of_order"), 0);
  EXPECT_TRUE(a.transport->connected("b") && b.transport->connected("a"));
}

}  // namespace
