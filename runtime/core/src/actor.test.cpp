// Goal: the basics a user relies on: spawn, typed tell, FIFO order per sender and receiver,
// reply to sender, become, and lifecycle hooks, on the deterministic manual platform.

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "troupe/runtime.hpp"

namespace {

using namespace std::chrono_literals;

struct add {
  int value;
};
struct get_total {};
using counter_protocol = std::variant<add, get_total>;

struct counter final : troupe::actor<counter_protocol> {
  int total = 0;
  void on_message(counter_protocol& message) override {
    if (auto* a = std::get_if<add>(&message)) {
      total += a->value;
    } else {
      reply(total);
    }
  }
};

struct recorder final : troupe::actor<int> {
  explicit recorder(std::vector<int>* seen) : seen_(seen) {}
  void on_message(int& value) override { seen_->push_back(value); }
  std::vector<int>* seen_;
};

TEST(actor, tell_then_ask_sees_every_message) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  auto ref = system.spawn<counter>();
  for (int i = 1; i <= 10; ++i) ref.tell(add{i});
  auto total = system.ask<int>(ref, get_total{}, 1s);
  platform.run_until_idle();
  auto outcome = total.try_get();
  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(outcome->ok());
  EXPECT_EQ(outcome->value(), 55);
}

TEST(actor, messages_from_one_sender_arrive_in_order) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<int> seen;
  auto ref = system.spawn<recorder>(&seen);
  for (int i = 0; i < 1000; ++i) ref.tell(i);
  platform.run_until_idle();
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[i], i);
}

struct forwarder final : troupe::actor<int> {
  explicit forwarder(troupe::actor_ref<int> next) : next_(std::move(next)) {}
  void on_message(int& value) override { next_.tell(value * 2); }
  troupe::actor_ref<int> next_;
};

TEST(actor, actors_send_to_each_other_with_sender) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<int> seen;
  auto sink = system.spawn<recorder>(&seen);
  auto middle = system.spawn<forwarder>(sink);
  middle.tell(21);
  platform.run_until_idle();
  EXPECT_EQ(seen, std::vector<int>{42});
}

struct toggler final : troupe::actor<std::string> {
  explicit toggler(std::vector<std::string>* out) : out_(out) {}
  void pre_start() override { out_->push_back("pre_start"); }
  void post_stop() override { out_->push_back("post_stop"); }
  void on_message(std::string& text) override {
    out_->push_back("happy:" + text);
    become([this](std::string& t) {
      out_->push_back("sad:" + t);
      unbecome();
    });
  }
  std::vector<std::string>* out_;
};

TEST(actor, become_changes_the_handler_and_hooks_run) {
  troupe::manual_platform platform;
  std::vector<std::string> out;
  {
    troupe::actor_system system(platform);
    auto ref = system.spawn<toggler>(&out);
    ref.tell(std::string("a"));
    ref.tell(std::string("b"));
    ref.tell(std::string("c"));
    platform.run_until_idle();
  }
  EXPECT_EQ(out, (std::vector<std::string>{"pre_start", "happy:a", "sad:b", "happy:c", "post_stop"}));
}

TEST(actor, message_to_stopped_actor_is_a_counted_dead_letter) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<int> seen;
  auto ref = system.spawn<recorder>(&seen);
  platform.run_until_idle();
  ref.cell()->enqueue_system(
      new troupe::detail::system_message(troupe::detail::system_kind::stop, {}, "test"));
  platform.run_until_idle();
  const auto before = system.dead_letters();
  ref.tell(7);
  platform.run_until_idle();
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(system.dead_letters(), before + 1);
}

}  // namespace
