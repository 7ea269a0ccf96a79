#pragma once
/// A deterministic single-threaded platform for unit tests: turns run in FIFO order when the
/// test drives the platform, and time moves only when the test advances it.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <utility>

#include "troupe/runtime/platform.hpp"
#include "troupe/runtime/random.hpp"

namespace troupe {

/// Everything runs on the thread that calls run_until_idle / advance. Not thread-safe.
class manual_platform final : public platform {
 public:
  explicit manual_platform(std::uint64_t seed = 1) : random_(seed) {}

  std::int64_t now_ns() const override { return now_ns_; }
  void schedule(runnable& task) override { ready_.push_back(&task); }
  timer_id start_timer(std::int64_t delay_ns, std::function<void()> callback) override;
  bool cancel_timer(timer_id id) override;
  std::uint64_t random_u64() override { return random_.next(); }
  bool drive_until(const std::function<bool()>& done) override;

  /// Runs turns until none is ready; time does not move. Returns the number of turns run.
  std::size_t run_until_idle();
  /// Moves time forward by `delay`, firing due timers in deadline order and running the
  /// turns they cause, then runs until idle.
  void advance(duration delay);
  /// True when no turn is ready and no timer is pending.
  bool quiet() const { return ready_.empty() && timers_.empty(); }
  std::size_t pending_timers() const { return timers_.size(); }

 private:
  bool fire_next_timer(std::int64_t limit_ns);

  std::int64_t now_ns_ = 0;
  std::deque<runnable*> ready_;
  // Timers ordered by (deadline, id): ids increase, so equal deadlines fire in start order.
  std::map<std::pair<std::int64_t, timer_id>, std::function<void()>> timers_;
  std::map<timer_id, std::int64_t> deadlines_;
  timer_id next_timer_ = 1;
  random_generator random_;
};

}  // namespace troupe
