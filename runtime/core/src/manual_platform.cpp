#include "troupe/runtime/manual_platform.hpp"

#include "troupe/runtime/assert.hpp"

namespace troupe {

timer_id manual_platform::start_timer(std::int64_t delay_ns, std::function<void()> callback) {
  TROUPE_ASSERT(delay_ns >= 0);
  const timer_id id = next_timer_++;
  timers_.emplace(std::make_pair(now_ns_ + delay_ns, id), std::move(callback));
  deadlines_.emplace(id, now_ns_ + delay_ns);
  return id;
}

bool manual_platform::cancel_timer(timer_id id) {
  auto found = deadlines_.find(id);
  if (found == deadlines_.end()) return false;
  timers_.erase(std::make_pair(found->second, id));
  deadlines_.erase(found);
  return true;
}

std::size_t manual_platform::run_until_idle() {
  std::size_t turns = 0;
  while (!ready_.empty()) {
    runnable* task = ready_.front();
    ready_.pop_front();
    task->run();
    ++turns;
  }
  return turns;
}

bool manual_platform::fire_next_timer(std::int64_t limit_ns) {
  if (timers_.empty()) return false;
  auto first = timers_.begin();
  if (first->first.first > limit_ns) return false;
  now_ns_ = first->first.first;
  auto callback = std::move(first->second);
  deadlines_.erase(first->first.second);
  timers_.erase(first);
  callback();
  return true;
}

void manual_platform::advance(duration delay) {
  TROUPE_ASSERT(delay.count() >= 0);
  const std::int64_t target = now_ns_ + delay.count();
  run_until_idle();
  while (fire_next_timer(target)) run_until_idle();
  now_ns_ = target;
}

bool manual_platform::drive_until(const std::function<bool()>& done) {
  for (;;) {
    run_until_idle();
    if (done()) return true;
    if (!fire_next_timer(INT64_MAX)) return true;
  }
}

}  // namespace troupe
