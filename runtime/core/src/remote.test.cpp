// Goal: actors on two nodes talk through remote refs exactly like local ones (tell, ask,
// reply, death watch, a reply to a sender whose message another node passed on), messages
// really go through the wire encoding, and what cannot be delivered (unknown type, unknown
// actor, local-only type, node down) has a clear outcome.

#include <gtest/gtest.h>

#include "troupe/runtime.hpp"
#include "troupe/runtime/remote.hpp"

namespace {

using namespace std::chrono_literals;

/// Connects systems by name; every envelope is encoded to bytes and decoded again, and
/// delivered on the next turn of the manual platform (not synchronously).
class loopback_network {
 public:
  struct endpoint final : troupe::transport {
    loopback_network* network;
    std::string self;
    troupe::send_result send_user(std::string_view node, troupe::wire::user_envelope&& m) override {
      return network->forward(self, std::string(node), troupe::wire::encode_envelope(m), false);
    }
    troupe::send_result send_system(std::string_view node, troupe::wire::system_envelope&& m) override {
      return network->forward(self, std::string(node), troupe::wire::encode_envelope(m), true);
    }
  };

  explicit loopback_network(troupe::manual_platform& p) : platform_(p) {}
  void join(troupe::actor_system& s) {
    auto e = std::make_unique<endpoint>();
    e->network = this;
    e->self = s.node_name();
    s.attach_transport(*e);
    systems_[s.node_name()] = &s;
    endpoints_.push_back(std::move(e));
  }
  troupe::send_result forward(std::string from, std::string to, std::vector<std::byte> bytes, bool system) {
    auto found = systems_.find(to);
    if (found == systems_.end()) return troupe::send_result::unreachable;
    platform_.start_timer(1000, [=, target = found->second] {
      if (system) {
        troupe::wire::system_envelope m;
        ASSERT_EQ(troupe::wire::decode_envelope(bytes, m), troupe::wire::envelope_error::none);
        target->deliver_inbound_system(from, std::move(m));
      } else {
        troupe::wire::user_envelope m;
        ASSERT_EQ(troupe::wire::decode_envelope(bytes, m), troupe::wire::envelope_error::none);
        target->deliver_inbound(from, std::move(m));
      }
    });
    return troupe::send_result::queued;
  }

 private:
  troupe::manual_platform& platform_;
  std::map<std::string, troupe::actor_system*> systems_;
  std::vector<std::unique_ptr<endpoint>> endpoints_;
};

struct put {
  std::string key;
  int value;
  template <class A>
  void fields(A& a) { a(key, value); }
};
struct get {
  std::string key;
  template <class A>
  void fields(A& a) { a(key); }
};
struct local_only {
  std::unique_ptr<int> pointer;
};
using store_protocol = std::variant<put, get, local_only>;

struct store final : troupe::actor<store_protocol> {
  void on_message(store_protocol& m) override {
    if (auto* p = std::get_if<put>(&m)) data[p->key] = p->value;
    else if (auto* g = std::get_if<get>(&m)) reply(data.count(g->key) ? data[g->key] : -1);
  }
  std::map<std::string, int> data;
};

struct fixture {
  troupe::manual_platform platform;
  loopback_network network{platform};
  troupe::actor_system a{platform, {.node_name = "kv-0"}};
  troupe::actor_system b{platform, {.node_name = "kv-1"}};
  fixture() {
    network.join(a);
    network.join(b);
  }
  void settle() { platform.advance(1s); }
};

TEST(remote, tell_and_ask_across_nodes) {
  fixture f;
  ASSERT_TRUE(f.b.spawn_with<store>({"store", {}}).ok());
  auto remote = f.a.remote_ref<store_protocol>("kv-1", "/user/store");
  EXPECT_TRUE(remote.is_remote());
  remote.tell(put{"k", 7});
  auto answer = f.a.ask<int>(remote, get{"k"}, 5s);
  f.settle();
  auto outcome = answer.try_get();
  ASSERT_TRUE(outcome && outcome->ok());
  EXPECT_EQ(outcome->value(), 7);
}

/// Passes every message on to `target` with its original sender, as a shard region does.
struct forwarder final : troupe::actor<store_protocol> {
  explicit forwarder(troupe::actor_ref<store_protocol> target) : target_(std::move(target)) {}
  void on_message(store_protocol& m) override {
    std::visit([&](auto& message) { target_.tell(std::move(message), sender()); }, m);
  }
  troupe::actor_ref<store_protocol> target_;
};

struct three_nodes : fixture {
  troupe::actor_system c{platform, {.node_name = "kv-2"}};
  three_nodes() { network.join(c); }
};

TEST(remote, a_reply_through_a_forwarding_node_reaches_the_asker_on_a_third_node) {
  three_nodes f;
  ASSERT_TRUE(f.c.spawn_with<store>({"store", {}}).ok());
  auto to_store = f.b.remote_ref<store_protocol>("kv-2", "/user/store");
  ASSERT_TRUE(f.b.spawn_with<forwarder>({"forwarder", {}}, to_store).ok());
  auto via_kv1 = f.a.remote_ref<store_protocol>("kv-1", "/user/forwarder");
  via_kv1.tell(put{"k", 7});
  auto answer = f.a.ask<int>(via_kv1, get{"k"}, 5s);
  f.settle();
  auto outcome = answer.try_get();
  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(outcome->ok()) << "the answer from kv-2 went to kv-1";
  EXPECT_EQ(outcome->value(), 7);
  EXPECT_EQ(f.b.dead_letters(), 0u);
}

TEST(remote, a_forwarded_asker_on_the_answering_node_is_answered_there) {
  three_nodes f;
  ASSERT_TRUE(f.c.spawn_with<store>({"store", {}}).ok());
  auto to_store = f.b.remote_ref<store_protocol>("kv-2", "/user/store");
  ASSERT_TRUE(f.b.spawn_with<forwarder>({"forwarder", {}}, to_store).ok());
  auto via_kv1 = f.c.remote_ref<store_protocol>("kv-1", "/user/forwarder");
  via_kv1.tell(put{"k", 3});
  auto answer = f.c.ask<int>(via_kv1, get{"k"}, 5s);
  f.settle();
  auto outcome = answer.try_get();
  ASSERT_TRUE(outcome.has_value() && outcome->ok());
  EXPECT_EQ(outcome->value(), 3);
  EXPECT_EQ(f.b.dead_letters() + f.c.dead_letters(), 0u);
}

/// A store that stops itself on put{"stop", _}.
struct stoppable_store final : troupe::actor<store_protocol> {
  void on_message(store_protocol& m) override {
    if (auto* p = std::get_if<put>(&m); p != nullptr && p->key == "stop") return stop();
    if (auto* p = std::get_if<put>(&m)) data[p->key] = p->value;
    else if (auto* g = std::get_if<get>(&m)) reply(data.count(g->key) ? data[g->key] : -1);
  }
  std::map<std::string, int> data;
};

/// Keeps what kv-0 sends, to be delivered to kv-1 by hand through one inbound_cache.
struct recording_transport final : troupe::transport {
  std::vector<std::vector<std::byte>> sent;
  troupe::send_result send_user(std::string_view, troupe::wire::user_envelope&& m) override {
    sent.push_back(troupe::wire::encode_envelope(m));
    return troupe::send_result::queued;
  }
  troupe::send_result send_system(std::string_view, troupe::wire::system_envelope&&) override {
    return troupe::send_result::queued;
  }
};

// A connection delivers its stream through one inbound_cache: the cache must not change
// where messages go when the remembered receiver stops and another actor takes its name,
// nor whom answers go to when the sender changes.
TEST(remote, a_stream_delivered_through_one_cache_follows_a_restarted_receiver_and_each_sender) {
  fixture f;
  recording_transport to_kv1;
  f.a.attach_transport(to_kv1);  // kv-0's sends are recorded; kv-1's answers still reach kv-0
  troupe::inbound_cache cache;
  auto deliver_recorded = [&] {
    for (const auto& bytes : to_kv1.sent) {
      troupe::wire::user_envelope_view view;
      ASSERT_EQ(troupe::wire::decode_envelope(bytes, view), troupe::wire::envelope_error::none);
      f.b.deliver_inbound("kv-0", view, cache);
    }
    to_kv1.sent.clear();
    f.settle();
  };
  ASSERT_TRUE(f.b.spawn_with<stoppable_store>({"store", {}}).ok());
  auto remote = f.a.remote_ref<store_protocol>("kv-1", "/user/store");
  remote.tell(put{"k", 1});
  auto first = f.a.ask<int>(remote, get{"k"}, 5s);
  auto second = f.a.ask<int>(remote, get{"k"}, 5s);  // another asker: the answer is its own
  f.settle();
  deliver_recorded();
  auto first_answer = first.try_get();
  auto second_answer = second.try_get();
  ASSERT_TRUE(first_answer && first_answer->ok() && second_answer && second_answer->ok());
  EXPECT_EQ(first_answer->value(), 1);
  EXPECT_EQ(second_answer->value(), 1);

  remote.tell(put{"stop", 0});
  f.settle();
  deliver_recorded();  // the remembered store has stopped
  ASSERT_TRUE(f.b.spawn_with<stoppable_store>({"store", {}}).ok());
  auto third = f.a.ask<int>(remote, get{"k"}, 5s);
  f.settle();
  deliver_recorded();
  auto third_answer = third.try_get();
  ASSERT_TRUE(third_answer && third_answer->ok()) << "delivered to the stopped store";
  EXPECT_EQ(third_answer->value(), -1);
  EXPECT_EQ(f.b.dead_letters(), 0u);
}

TEST(remote, ref_to_own_node_is_the_local_actor) {
  fixture f;
  auto local = f.a.spawn_with<store>({"store", {}}).value();
  EXPECT_EQ(f.a.remote_ref<store_protocol>("kv-0", "/user/store"), local);
}

TEST(remote, unknown_actor_is_a_dead_letter_on_the_receiving_node) {
  fixture f;
  f.a.remote_ref<store_protocol>("kv-1", "/user/nobody").tell(put{"k", 1});
  f.settle();
  EXPECT_EQ(f.b.dead_letters(), 1u);
}

TEST(remote, local_only_message_is_dropped_as_not_serializable) {
  fixture f;
  ASSERT_TRUE(f.b.spawn_with<store>({"store", {}}).ok());
  f.a.remote_ref<store_protocol>("kv-1", "/user/store").tell(local_only{});
  f.settle();
  EXPECT_EQ(f.a.dead_letters(), 1u);
  EXPECT_EQ(f.b.dead_letters(), 0u);
}

TEST(remote, unknown_node_is_unreachable) {
  fixture f;
  auto answer = f.a.ask<int>(f.a.remote_ref<store_protocol>("kv-9", "/user/store"), get{"k"}, 5s);
  f.settle();
  auto outcome = answer.try_get();
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->failure().code, troupe::error_code::dead_letter);
}

struct watcher final : troupe::actor<troupe::any_ref> {
  explicit watcher(std::vector<std::string>* log) : log_(log) {}
  void on_message(troupe::any_ref& target) override { watch(target); }
  void on_terminated(const troupe::terminated& t) override {
    log_->push_back(std::string(t.actor.node()) + ":" + t.actor.path());
  }
  std::vector<std::string>* log_;
};

TEST(remote, death_watch_across_nodes) {
  fixture f;
  auto target = f.b.spawn_with<store>({"store", {}}).value();
  std::vector<std::string> log;
  auto w = f.a.spawn<watcher>(&log);
  w.tell(f.a.remote_ref_any("kv-1", "/user/store"));
  f.settle();
  EXPECT_TRUE(log.empty());
  f.b.shutdown();
  f.settle();
  EXPECT_EQ(log, std::vector<std::string>{"kv-1:/user/store"});
}

TEST(remote, watching_a_missing_remote_actor_reports_terminated) {
  fixture f;
  std::vector<std::string> log;
  f.a.spawn<watcher>(&log).tell(f.a.remote_ref_any("kv-1", "/user/ghost"));
  f.settle();
  EXPECT_EQ(log.size(), 1u);
}

TEST(remote, node_down_terminates_watched_remote_actors) {
  fixture f;
  ASSERT_TRUE(f.b.spawn_with<store>({"store", {}}).ok());
  std::vector<std::string> log;
  f.a.spawn<watcher>(&log).tell(f.a.remote_ref_any("kv-1", "/user/store"));
  f.settle();
  f.a.node_down("kv-1");
  f.settle();
  EXPECT_EQ(log, std::vector<std::string>{"kv-1:/user/store"});
}

}  // namespace
