// Goal: shutting the system down stops every actor, children before parents, and runs every
// post_stop hook; spawning afterwards yields an actor that is already stopped.

#include <gtest/gtest.h>

#include "troupe/runtime.hpp"

namespace {

struct node final : troupe::actor<int> {
  node(std::string name, int depth, std::vector<std::string>* log) : name_(name), depth_(depth), log_(log) {}
  void pre_start() override {
    for (int i = 0; i < 2 && depth_ > 0; ++i) spawn<node>(name_ + std::to_string(i), depth_ - 1, log_);
  }
  void post_stop() override { log_->push_back(name_); }
  void on_message(int&) override {}
  std::string name_;
  int depth_;
  std::vector<std::string>* log_;
};

TEST(shutdown, children_stop_before_parents_and_hooks_run) {
  troupe::manual_platform platform;
  std::vector<std::string> log;
  troupe::actor_system system(platform);
  system.spawn<node>("r", 2, &log);
  platform.run_until_idle();
  system.shutdown();
  platform.run_until_idle();
  EXPECT_TRUE(system.terminated());
  ASSERT_EQ(log.size(), 7u);
  auto position = [&](const std::string& n) { return std::find(log.begin(), log.end(), n) - log.begin(); };
  for (const char* parent : {"r0", "r1"}) {
    EXPECT_LT(position(std::string(parent) + "0"), position(parent));
    EXPECT_LT(position(std::string(parent) + "1"), position(parent));
    EXPECT_LT(position(parent), position("r"));
  }
}

TEST(shutdown, spawning_after_shutdown_gives_a_stopped_actor) {
  troupe::manual_platform platform;
  std::vector<std::string> log;
  troupe::actor_system system(platform);
  system.shutdown();
  platform.run_until_idle();
  auto late = system.spawn<node>("late", 0, &log);
  late.tell(1);
  platform.run_until_idle();
  EXPECT_GE(system.dead_letters(), 1u);
}

}  // namespace

namespace {

TEST(shutdown, actors_that_never_ran_are_stopped_and_freed) {
  troupe::manual_platform platform;
  std::vector<std::string> log;
  {
    troupe::actor_system system(platform);
    for (int i = 0; i < 3; ++i) system.spawn<node>("n" + std::to_string(i), 1, &log);
    // No turn has run yet: the system's destructor stops everything (LeakSanitizer checks
    // that every cell is freed).
  }
  EXPECT_TRUE(log.empty());  // never started, so no post_stop
}

}  // namespace
