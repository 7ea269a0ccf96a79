// Goal: ask yields the reply, a timeout when nobody answers, and an immediate error when the
// target is dead; asks from inside actors complete in the asking actor's turn.

#include <gtest/gtest.h>

#include "troupe/runtime.hpp"

namespace {

using namespace std::chrono_literals;

struct echo final : troupe::actor<int> {
  void on_message(int& value) override { reply(value + 1); }
};
struct silent final : troupe::actor<int> {
  void on_message(int&) override {}
};

TEST(ask, returns_the_reply) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  auto future = system.ask<int>(system.spawn<echo>(), 41, 1s);
  platform.run_until_idle();
  auto outcome = future.try_get();
  ASSERT_TRUE(outcome && outcome->ok());
  EXPECT_EQ(outcome->value(), 42);
}

TEST(ask, times_out_when_nobody_answers) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  auto future = system.ask<int>(system.spawn<silent>(), 1, 500ms);
  platform.advance(499ms);
  EXPECT_FALSE(future.ready());
  platform.advance(1ms);
  auto outcome = future.try_get();
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->failure().code, troupe::error_code::timeout);
}

TEST(ask, to_a_dead_actor_fails_at_once_with_dead_letter) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  auto target = system.spawn<echo>();
  platform.run_until_idle();
  target.cell()->enqueue_system(
      new troupe::detail::system_message(troupe::detail::system_kind::stop, {}, "test"));
  platform.run_until_idle();
  auto future = system.ask<int>(target, 1, 10s);
  platform.run_until_idle();
  auto outcome = future.try_get();
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->failure().code, troupe::error_code::dead_letter);
}

TEST(ask, wrong_reply_type_is_an_error) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  auto future = system.ask<std::string>(system.spawn<echo>(), 1, 1s);
  platform.run_until_idle();
  auto outcome = future.try_get();
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->failure().code, troupe::error_code::unexpected_type);
}

struct asker final : troupe::actor<std::string> {
  asker(troupe::actor_ref<int> target, std::vector<std::string>* log) : target_(target), log_(log) {}
  void on_message(std::string& command) override {
    ask<int>(target_, 10, std::chrono::milliseconds(100), [this](troupe::result<int> r) {
      log_->push_back(r.ok() ? "reply " + std::to_string(r.value())
                             : std::string("error ") + troupe::to_string(r.failure().code));
    });
  }
  troupe::actor_ref<int> target_;
  std::vector<std::string>* log_;
};

TEST(ask, from_an_actor_runs_the_callback_in_its_turn) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<std::string> log;
  system.spawn<asker>(system.spawn<echo>(), &log).tell(std::string("go"));
  system.spawn<asker>(system.spawn<silent>(), &log).tell(std::string("go"));
  platform.run_until_idle();
  EXPECT_EQ(log, std::vector<std::string>{"reply 11"});
  platform.advance(100ms);
  EXPECT_EQ(log, (std::vector<std::string>{"reply 11", "error timeout"}));
}

}  // namespace
