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
/// goes to that worker's "next" slot and runs right after the current turn (the turn it
/// displaces moves to the worker's queue), so a conversation between two actors stays on one
/// core and in its cache, without locks. Idle workers steal from the others' queues, and
/// from a slot only when its worker has not finished a turn since they last looked. A worker
/// runs at most `slot_streak_max` slot turns in a row before it serves its queue. Thread-safe.
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
  /// Slot turns a worker runs in a row before it takes one from its queue (fairness).
  static constexpr int slot_streak_max = 32;

  // Aligned so that one worker's hot fields do not share a cache line with another's.
  struct alignas(64) worker {
    std::mutex mutex;
    std::deque<runnable*> queue;              // guarded by mutex
    std::atomic<runnable*> next{nullptr};     // the slot: written by its worker, stolen by CAS
    std::atomic<std::uint64_t> turns{0};      // turns finished; written by its worker only
    runnable* running = nullptr;              // the turn in progress; its worker only
    int slot_streak = 0;                      // slot turns in a row; its worker only
    // What this worker saw in each other worker's slot last time it looked (its worker only).
    std::vector<std::pair<runnable*, std::uint64_t>> seen_slots;
    std::thread thread;
  };
  runnable* take_own(worker& own);
  runnable* steal(std::size_t index);
  void run_turn(worker& own, runnable& task);
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
