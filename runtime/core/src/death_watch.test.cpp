// Goal: a watcher gets exactly one Terminated per watched actor, whatever the reason it
// stopped, also when it was already dead when watched.

#include <gtest/gtest.h>

#include "troupe/runtime.hpp"

namespace {

struct victim final : troupe::actor<std::string> {
  void on_message(std::string& command) override {
    if (command == "stop") stop();
    if (command == "throw") throw std::runtime_error("boom");
  }
};

struct watcher final : troupe::actor<troupe::any_ref> {
  explicit watcher(std::vector<std::string>* log) : log_(log) {}
  void on_message(troupe::any_ref& target) override {
    watch(target);
    watch(target);  // watching twice still yields one notice
  }
  void on_terminated(const troupe::terminated& event) override {
    log_->push_back("terminated " + event.actor.path());
  }
  std::vector<std::string>* log_;
};

struct strict_parent final : troupe::actor<std::string> {
  troupe::supervisor_strategy supervision() const override {
    troupe::supervisor_strategy s;
    s.decider = [](const troupe::failure&) { return troupe::directive::stop; };
    return s;
  }
  void on_message(std::string&) override {}
};

TEST(death_watch, terminated_arrives_once_when_the_actor_stops_itself) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<std::string> log;
  auto target = system.spawn<victim>();
  system.spawn<watcher>(&log).tell(troupe::any_ref(target));
  platform.run_until_idle();
  target.tell(std::string("stop"));
  target.tell(std::string("stop"));
  platform.run_until_idle();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0], "terminated " + target.path());
}

TEST(death_watch, terminated_arrives_when_the_actor_was_already_dead) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<std::string> log;
  auto target = system.spawn<victim>();
  target.tell(std::string("stop"));
  platform.run_until_idle();
  system.spawn<watcher>(&log).tell(troupe::any_ref(target));
  platform.run_until_idle();
  EXPECT_EQ(log.size(), 1u);
}

struct failing_child_parent final : troupe::actor<std::string> {
  explicit failing_child_parent(std::vector<std::string>* log) : log_(log) {}
  troupe::supervisor_strategy supervision() const override {
    troupe::supervisor_strategy s;
    s.decider = [](const troupe::failure&) { return troupe::directive::stop; };
    return s;
  }
  void pre_start() override {
    child_ = spawn<victim>();
    watch(child_);
  }
  void on_message(std::string& command) override { child_.tell(command); }
  void on_terminated(const troupe::terminated& event) override { log_->push_back("child gone"); }
  std::vector<std::string>* log_;
  troupe::actor_ref<std::string> child_;
};

TEST(death_watch, terminated_arrives_when_a_supervisor_stops_a_failed_child) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  std::vector<std::string> log;
  auto parent = system.spawn<failing_child_parent>(&log);
  parent.tell(std::string("throw"));
  platform.run_until_idle();
  EXPECT_EQ(log, std::vector<std::string>{"child gone"});
}

}  // namespace
