// Goal: on real threads, messages between one sender and one receiver stay FIFO, many
// senders lose nothing, asks complete, timers fire, and shutdown completes (run under TSan).

#include <gtest/gtest.h>

#include <atomic>

#include "troupe/runtime.hpp"

namespace {

using namespace std::chrono_literals;


struct sender final : troupe::actor<int> {
  sender(troupe::actor_ref<std::pair<int, long>> target, int id, long count)
      : target_(target), id_(id), count_(count) {}
  void on_message(int&) override {
    for (long i = 1; i <= count_; ++i) target_.tell(std::make_pair(id_, i));
  }
  troupe::actor_ref<std::pair<int, long>> target_;
  int id_;
  long count_;
};


struct fifo_probe final : troupe::actor<std::variant<std::pair<int, long>, std::string>> {
  void on_message(message_type& m) override {
    if (auto* p = std::get_if<std::pair<int, long>>(&m)) {
      auto& last = last_[p->first];
      if (p->second != last + 1) broken = true;
      last = p->second;
      ++received;
    } else {
      reply(broken ? -1L : received);
    }
  }
  std::map<int, long> last_;
  bool broken = false;
  long received = 0;
};

TEST(thread_pool_platform, many_senders_keep_fifo_order_and_lose_nothing) {
  troupe::thread_pool_platform platform(4);
  troupe::actor_system system(platform);
  auto probe = system.spawn<fifo_probe>();
  // Sends through a typed ref of the pair type: the probe accepts it as an alternative.
  troupe::actor_ref<std::pair<int, long>> target{troupe::detail::cell_ptr<>(probe.cell())};
  constexpr int senders = 8;
  constexpr long each = 5000;
  for (int i = 0; i < senders; ++i) system.spawn<sender>(target, i, each).tell(0);
  long received = 0;
  for (int attempt = 0; attempt < 200 && received < senders * each; ++attempt) {
    auto outcome = system.ask<long>(probe, std::string("count"), 5s).get();
    ASSERT_TRUE(outcome.ok());
    received = outcome.value();
    ASSERT_GE(received, 0) << "FIFO order per sender was broken";
    if (received < senders * each) std::this_thread::yield();
  }
  EXPECT_EQ(received, senders * each);
  system.shutdown();
  system.await_termination();
}

struct echo final : troupe::actor<int> {
  void on_message(int& v) override { reply(v); }
};

TEST(thread_pool_platform, asks_complete_and_time_out) {
  troupe::thread_pool_platform platform(2);
  troupe::actor_system system(platform);
  auto ref = system.spawn<echo>();
  for (int i = 0; i < 100; ++i) {
    auto outcome = system.ask<int>(ref, i, 5s).get();
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome.value(), i);
  }
  auto late = system.ask<std::string>(ref, 1, 10ms).get();  // wrong reply type
  EXPECT_FALSE(late.ok());
}

struct alarm final : troupe::actor<std::string> {
  void on_message(std::string& m) override {
    if (m == "arm") {
      asker = sender();
      start_single_timer("t", std::string("ring"), 5ms);
    } else if (m == "ring") {
      asker.tell_any(std::string("rang"));
    }
  }
  troupe::any_ref asker;
};

TEST(thread_pool_platform, timers_fire) {
  troupe::thread_pool_platform platform(2);
  troupe::actor_system system(platform);
  auto outcome = system.ask<std::string>(system.spawn<alarm>(), std::string("arm"), 5s).get();
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.value(), "rang");
}

// A turn scheduled from a worker waits in that worker's slot; when the worker is stuck in a
// long turn, an idle worker (even one that has gone to sleep) must take it over.
struct flag_setter final : troupe::actor<int> {
  explicit flag_setter(std::atomic<bool>* flag) : flag_(flag) {}
  void on_message(int&) override { flag_->store(true); }
  std::atomic<bool>* flag_;
};

struct long_turn final : troupe::actor<int> {
  long_turn(troupe::actor_ref<int> other, std::atomic<bool>* flag) : other_(other), flag_(flag) {}
  void on_message(int&) override {
    other_.tell(1);  // lands in this worker's slot, behind this (deliberately long) turn
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!flag_->load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    reply(flag_->load());
  }
  troupe::actor_ref<int> other_;
  std::atomic<bool>* flag_;
};

TEST(thread_pool_platform, a_turn_behind_a_long_turn_runs_on_another_worker) {
  troupe::thread_pool_platform platform(2);
  troupe::actor_system system(platform);
  // First with the other worker still spinning, then with it asleep: after 100ms without
  // work both workers sleep, and the ask wakes only one of them.
  for (auto idle : {0ms, 100ms}) {
    std::atomic<bool> flag{false};
    auto setter = system.spawn<flag_setter>(&flag);
    auto blocker = system.spawn<long_turn>(setter, &flag);
    std::this_thread::sleep_for(idle);
    auto outcome = system.ask<bool>(blocker, 0, 10s).get();
    ASSERT_TRUE(outcome.ok());
    EXPECT_TRUE(outcome.value()) << "the other actor did not run during the long turn";
  }
}

}  // namespace
