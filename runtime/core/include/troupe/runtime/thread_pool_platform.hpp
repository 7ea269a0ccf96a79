#pragma once
/// The real platform: actor turns on a pool of worker threads, the steady clock, and a
/// timer thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "troupe/runtime/platform.hpp"
#include "troupe/runtime/random.hpp"

namespace troupe {

/// Worker threads with one run queue each and work stealing. A turn scheduled from a worker
/// goes to that worker's queue, so a conversation between two actors stays on one core and
/// in its cache; idle workers steal from the others. Thread-safe.
class thread_pool_platform final : public platform {
 public:
  /// Starts `threads` workers (0: one per core) and the timer thread.
  explicit thread_pool_platform(unsigned threads = 0, std::uint64_t seed = 0);
  /// Runs what is still queued, then stops and joins every thread. Destroy the actor
  /// systems that use this platform first.
  ~thread_pool_platform() override;

  std::int64_t now_ns() const override;
  void schedule(runnable& task) override;
  timer_id start_timer(std::int64_t delay_ns, std::function<void()> callback) override;
  bool cancel_timer(timer_id id) override;
  std::uint64_t random_u64() override;

  unsigned threads() const { return static_cast<unsigned>(workers_.size()); }

 private:
  struct worker {
    std::mutex mutex;
    std::deque<runnable*> queue;
    std::thread thread;
  };
  void work(std::size_t index);
  runnable* find_work(std::size_t index);
  void wake_one();
  void run_timers();

  std::vector<std::unique_ptr<worker>> workers_;
  std::mutex injection_mutex_;  // turns scheduled from outside the pool
  std::deque<runnable*> injection_queue_;
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stopping_{false};

  std::mutex timer_mutex_;
  std::condition_variable timer_wake_;
  std::map<std::pair<std::int64_t, timer_id>, std::function<void()>> timers_;
  std::map<timer_id, std::int64_t> deadlines_;
  timer_id next_timer_ = 1;
  bool timers_stopping_ = false;
  std::thread timer_thread_;

  std::mutex random_mutex_;
  random_generator random_;
};

}  // namespace troupe
