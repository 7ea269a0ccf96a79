// Goal: single-shot and periodic timers fire at their virtual times, are keyed (restarting a
// key replaces it), and can be cancelled; timers of a stopped actor never fire.

#include <gtest/gtest.h>

#include "troupe/runtime.hpp"

namespace {

using namespace std::chrono_literals;

struct ticker final : troupe::actor<std::string> {
  explicit ticker(std::vector<std::string>* log) : log_(log) {}
  void on_message(std::string& m) override {
    if (m == "single") start_single_timer("once", std::string("fired-once"), 100ms);
    else if (m == "periodic") start_periodic_timer("tick", std::string("tick"), 50ms);
    else if (m == "cancel") cancel_timer("tick");
    else if (m == "replace") start_single_timer("once", std::string("replaced"), 300ms);
    else if (m == "stop") stop();
    else log_->push_back(m + "@" + std::to_string(now_ns() / 1'000'000));
  }
  std::vector<std::string>* log_;
};

struct fixture {
  troupe::manual_platform platform;
  troupe::actor_system system{platform};
  std::vector<std::string> log;
  troupe::actor_ref<std::string> ref = system.spawn<ticker>(&log);
  void send(const char* m) {
    ref.tell(std::string(m));
    platform.run_until_idle();
  }
};

TEST(timers, single_shot_fires_once_at_its_time) {
  fixture f;
  f.send("single");
  f.platform.advance(99ms);
  EXPECT_TRUE(f.log.empty());
  f.platform.advance(1s);
  EXPECT_EQ(f.log, std::vector<std::string>{"fired-once@100"});
}

TEST(timers, periodic_fires_until_cancelled) {
  fixture f;
  f.send("periodic");
  f.platform.advance(160ms);
  EXPECT_EQ(f.log, (std::vector<std::string>{"tick@50", "tick@100", "tick@150"}));
  f.send("cancel");
  f.platform.advance(1s);
  EXPECT_EQ(f.log.size(), 3u);
}

TEST(timers, starting_a_key_again_replaces_the_timer) {
  fixture f;
  f.send("single");
  f.send("replace");
  f.platform.advance(1s);
  EXPECT_EQ(f.log, std::vector<std::string>{"replaced@300"});
}

TEST(timers, a_stopped_actor_has_no_timers) {
  fixture f;
  f.send("periodic");
  f.send("stop");
  f.platform.advance(1s);
  EXPECT_TRUE(f.log.empty());
  EXPECT_EQ(f.platform.pending_timers(), 0u);
}

}  // namespace
