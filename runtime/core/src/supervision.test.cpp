// Goal: a parent's strategy decides what happens to a failed child: restart gives fresh state
// at the same address, resume keeps state, stop stops, escalate fails the parent; all-for-one
// applies to siblings; restart limits stop the child; backoff delays restarts.

#include <gtest/gtest.h>

#include "troupe/runtime.hpp"

namespace {

using namespace std::chrono_literals;

/// Counts messages; "throw" throws, "fail" fails explicitly, "get" replies with the count.
struct worker final : troupe::actor<std::string> {
  explicit worker(int* starts) : starts_(starts) {}
  void pre_start() override { ++*starts_; }
  void on_message(std::string& command) override {
    if (command == "throw") throw std::runtime_error("boom");
    if (command == "fail") fail("explicit failure");
    if (command == "get") reply(count_);
    ++count_;
  }
  int count_ = 0;
  int* starts_;
};

struct supervisor final : troupe::actor<std::string> {
  supervisor(troupe::supervisor_strategy strategy, int* starts, int children)
      : strategy_(std::move(strategy)), starts_(starts), children_(children) {}
  troupe::supervisor_strategy supervision() const override { return strategy_; }
  void pre_start() override {
    for (int i = 0; i < children_; ++i) kids.push_back(spawn<worker>(starts_));
  }
  void on_message(std::string& command) override {
    // "<index>:<command>" forwards to a child; "get<index>" asks it.
    const auto colon = command.find(':');
    kids[std::stoi(command.substr(0, colon))].tell(command.substr(colon + 1));
  }
  troupe::supervisor_strategy strategy_;
  int* starts_;
  int children_;
  std::vector<troupe::actor_ref<std::string>> kids;
};

struct fixture {
  troupe::manual_platform platform;
  troupe::actor_system system{platform};
  int starts = 0;
  troupe::actor_ref<std::string> parent;
  std::vector<troupe::actor_ref<std::string>> kids;

  explicit fixture(troupe::supervisor_strategy strategy, int children = 1) {
    parent = system.spawn<supervisor>(std::move(strategy), &starts, children);
    platform.run_until_idle();  // the supervisor's pre_start spawns the children
    kids = children_of_parent();
  }
  std::vector<troupe::actor_ref<std::string>> children_of_parent() {
    std::vector<troupe::actor_ref<std::string>> out;
    for (auto& c : static_cast<troupe::detail::local_cell*>(parent.cell())->children())
      out.emplace_back(troupe::detail::cell_ptr<>(c.get()));
    return out;
  }
  int count_of(int index) {
    auto f = system.ask<int>(kids[index], std::string("get"), 1s);
    platform.run_until_idle();
    auto outcome = f.try_get();
    return outcome && outcome->ok() ? outcome->value() : -1;
  }
  void send(int index, const std::string& command) {
    kids[index].tell(command);
    platform.run_until_idle();
  }
};

troupe::supervisor_strategy deciding(troupe::directive d) {
  troupe::supervisor_strategy s;
  s.decider = [d](const troupe::failure&) { return d; };
  return s;
}

TEST(supervision, restart_gives_fresh_state_at_the_same_address) {
  fixture f(deciding(troupe::directive::restart));
  f.send(0, "a");
  f.send(0, "b");
  EXPECT_EQ(f.count_of(0), 2);
  f.send(0, "throw");
  EXPECT_EQ(f.count_of(0), 0);  // same ref, fresh instance
  EXPECT_EQ(f.starts, 2);
}

TEST(supervision, explicit_failure_is_handled_like_an_exception) {
  fixture f(deciding(troupe::directive::restart));
  f.send(0, "a");
  f.send(0, "fail");
  EXPECT_EQ(f.count_of(0), 0);
  EXPECT_EQ(f.starts, 2);
}

TEST(supervision, resume_keeps_state) {
  fixture f(deciding(troupe::directive::resume));
  f.send(0, "a");
  f.send(0, "throw");
  f.send(0, "b");
  EXPECT_EQ(f.count_of(0), 2);
  EXPECT_EQ(f.starts, 1);
}

TEST(supervision, stop_stops_the_child) {
  fixture f(deciding(troupe::directive::stop));
  f.send(0, "throw");
  EXPECT_EQ(f.count_of(0), -1);
  EXPECT_TRUE(static_cast<troupe::detail::local_cell*>(f.kids[0].cell())->terminated());
}

TEST(supervision, all_for_one_restarts_every_sibling) {
  auto strategy = deciding(troupe::directive::restart);
  strategy.scope = troupe::supervision_scope::all_for_one;
  fixture f(strategy, 3);
  for (int i = 0; i < 3; ++i) f.send(i, "x");
  f.send(1, "throw");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(f.count_of(i), 0) << "child " << i;
  EXPECT_EQ(f.starts, 6);
}

TEST(supervision, one_for_one_leaves_siblings_alone) {
  fixture f(deciding(troupe::directive::restart), 3);
  for (int i = 0; i < 3; ++i) f.send(i, "x");
  f.send(1, "throw");
  EXPECT_EQ(f.count_of(0), 1);
  EXPECT_EQ(f.count_of(1), 0);
  EXPECT_EQ(f.count_of(2), 1);
}

TEST(supervision, restart_limit_stops_the_child) {
  auto strategy = deciding(troupe::directive::restart);
  strategy.max_restarts = 3;
  strategy.restart_window_ns = 10'000'000'000;
  fixture f(strategy);
  for (int i = 0; i < 3; ++i) f.send(0, "throw");
  EXPECT_EQ(f.count_of(0), 0);  // restarted three times, still alive
  f.send(0, "throw");
  EXPECT_EQ(f.count_of(0), -1);  // the fourth failure exceeds the limit
  EXPECT_EQ(f.starts, 4);
}

TEST(supervision, restart_limit_window_forgets_old_failures) {
  auto strategy = deciding(troupe::directive::restart);
  strategy.max_restarts = 1;
  strategy.restart_window_ns = 1'000'000'000;
  fixture f(strategy);
  f.send(0, "throw");
  f.platform.advance(2s);
  f.send(0, "throw");
  EXPECT_EQ(f.count_of(0), 0);  // still alive: each window saw one restart
}

TEST(supervision, backoff_delays_restarts_exponentially) {
  auto strategy = deciding(troupe::directive::restart);
  strategy.backoff_min_ns = 100'000'000;  // 100 ms, 200 ms, 400 ms ...
  strategy.backoff_max_ns = 300'000'000;
  fixture f(strategy);
  f.send(0, "throw");
  EXPECT_EQ(f.starts, 1);
  f.platform.advance(99ms);
  EXPECT_EQ(f.starts, 1);
  f.platform.advance(1ms);
  EXPECT_EQ(f.starts, 2);
  f.send(0, "throw");
  f.platform.advance(199ms);
  EXPECT_EQ(f.starts, 2);
  f.platform.advance(1ms);
  EXPECT_EQ(f.starts, 3);
  f.send(0, "throw");
  f.platform.advance(300ms);  // capped at the maximum
  EXPECT_EQ(f.starts, 4);
}

struct grandparent final : troupe::actor<std::string> {
  explicit grandparent(std::vector<std::string>* log) : log_(log) {}
  troupe::supervisor_strategy supervision() const override {
    troupe::supervisor_strategy s;
    s.decider = [this](const troupe::failure& f) {
      log_->push_back("grandparent saw: " + f.reason);
      return troupe::directive::stop;
    };
    return s;
  }
  void pre_start() override { middle = spawn<supervisor>(deciding(troupe::directive::escalate), &starts, 1); }
  void on_message(std::string& command) override { middle.tell(command); }
  std::vector<std::string>* log_;
  int starts = 0;
  troupe::actor_ref<std::string> middle;
};

TEST(supervision, escalate_hands_the_failure_to_the_grandparent) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<std::string> log;
  system.spawn<grandparent>(&log).tell(std::string("0:throw"));
  platform.run_until_idle();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("boom"), std::string::npos);
}

}  // namespace
