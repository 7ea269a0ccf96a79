// Goal: a bounded mailbox applies its overflow policy (drop newest, drop oldest, reject to
// sender) and never holds more than its capacity; unbounded mailboxes keep everything.

#include <gtest/gtest.h>

#include "troupe/runtime.hpp"
#include "troupe/runtime/mailbox_queue.hpp"

namespace {

using namespace std::chrono_literals;

struct recorder final : troupe::actor<int> {
  explicit recorder(std::vector<int>* seen) : seen_(seen) {}
  void on_message(int& value) override { seen_->push_back(value); }
  std::vector<int>* seen_;
};

std::vector<int> deliver_ten(troupe::overflow_policy policy, std::uint64_t* dead_letters) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<int> seen;
  troupe::spawn_options options;
  options.mailbox = {3, policy};
  auto ref = system.spawn_with<recorder>(options, &seen).value();
  platform.run_until_idle();  // started, mailbox empty
  for (int i = 0; i < 10; ++i) ref.tell(i);  // the actor does not run in between
  platform.run_until_idle();
  *dead_letters = system.dead_letters();
  return seen;
}

TEST(mailbox, drop_newest_keeps_the_first_messages) {
  std::uint64_t dropped = 0;
  EXPECT_EQ(deliver_ten(troupe::overflow_policy::drop_newest, &dropped), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(dropped, 7u);
}

TEST(mailbox, drop_oldest_keeps_the_last_messages) {
  std::uint64_t dropped = 0;
  EXPECT_EQ(deliver_ten(troupe::overflow_policy::drop_oldest, &dropped), (std::vector<int>{7, 8, 9}));
  EXPECT_EQ(dropped, 7u);
}

struct flooder final : troupe::actor<std::string> {
  flooder(troupe::actor_ref<int> target, int* rejected) : target_(target), rejected_(rejected) {}
  void on_message(std::string&) override {
    for (int i = 0; i < 10; ++i) target_.tell(i);
  }
  void on_undelivered(const troupe::undelivered& event) override { ++*rejected_; }
  troupe::actor_ref<int> target_;
  int* rejected_;
};

TEST(mailbox, reject_tells_the_sender) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<int> seen;
  int rejected = 0;
  troupe::spawn_options options;
  options.mailbox = {4, troupe::overflow_policy::reject};
  auto target = system.spawn_with<recorder>(options, &seen).value();
  platform.run_until_idle();
  system.spawn<flooder>(target, &rejected).tell(std::string("go"));
  platform.run_until_idle();
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(rejected, 6);
}

TEST(mailbox, reject_fails_an_ask_with_mailbox_full) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<int> seen;
  troupe::spawn_options options;
  options.mailbox = {1, troupe::overflow_policy::reject};
  auto target = system.spawn_with<recorder>(options, &seen).value();
  platform.run_until_idle();
  target.tell(1);
  auto future = system.ask<int>(target, 2, 1s);
  platform.run_until_idle();
  auto outcome = future.try_get();
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->failure().code, troupe::error_code::mailbox_full);
}

TEST(mailbox, unbounded_keeps_everything) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<int> seen;
  auto ref = system.spawn<recorder>(&seen);
  for (int i = 0; i < 100000; ++i) ref.tell(i);
  platform.run_until_idle();
  EXPECT_EQ(seen.size(), 100000u);
  EXPECT_EQ(system.dead_letters(), 0u);
}

TEST(mpsc_queue, is_fifo_and_reports_empty) {
  troupe::detail::mpsc_queue queue;
  troupe::detail::queue_node nodes[3];
  EXPECT_TRUE(queue.empty());
  for (auto& n : nodes) queue.push(&n);
  EXPECT_FALSE(queue.empty());
  for (auto& n : nodes) EXPECT_EQ(queue.pop(), &n);
  EXPECT_EQ(queue.pop(), nullptr);
  EXPECT_TRUE(queue.empty());
}

}  // namespace
