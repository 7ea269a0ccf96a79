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

}  // namespace
