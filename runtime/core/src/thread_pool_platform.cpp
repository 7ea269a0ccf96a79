#include "troupe/runtime/thread_pool_platform.hpp"

#include <algorithm>
#include <chrono>

#include "troupe/runtime/assert.hpp"

namespace troupe {
namespace {

struct worker_identity {
  const thread_pool_platform* pool = nullptr;
  std::size_t index = 0;
};
thread_local worker_identity this_worker;

// Spins of an idle worker before it sleeps: long enough to catch the next message of a
// busy conversation, short enough not to burn a core.
constexpr int idle_spins = 200;

// A sleeping worker wakes on its own after a nap, to take a turn stuck in the slot of a
// worker that is busy with a long turn (nothing else wakes it for that). Naps double from
// the shortest to the longest while there is nothing to do.
constexpr std::chrono::microseconds nap_min{1000};
constexpr std::chrono::microseconds nap_max{64000};

}  // namespace

thread_pool_platform::thread_pool_platform(unsigned threads, std::uint64_t seed)
    : random_(seed != 0 ? seed
                        : static_cast<std::uint64_t>(
                              std::chrono::steady_clock::now().time_since_epoch().count())) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) workers_.push_back(std::make_unique<worker>());
  for (std::size_t i = 0; i < workers_.size(); ++i)
    workers_[i]->thread = std::thread([this, i] { work(i); });
  timer_thread_ = std::thread([this] { run_timers(); });
}

thread_pool_platform::~thread_pool_platform() {
  {
    std::lock_guard lock(timer_mutex_);
    timers_stopping_ = true;
  }
  timer_wake_.notify_all();
  timer_thread_.join();
  timers_.clear();  // callbacks hold references to cells: release them before the workers go
  {
    std::lock_guard lock(sleep_mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  for (auto& w : workers_) w->thread.join();
}

std::int64_t thread_pool_platform::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::uint64_t thread_pool_platform::random_u64() {
  std::lock_guard lock(random_mutex_);
  return random_.next();
}

void thread_pool_platform::schedule(runnable& task) {
  if (this_worker.pool == this) {
    worker& own = *workers_[this_worker.index];
    if (&task == own.running) {
      // A turn that used up its budget and has more to do goes behind the queued turns.
      std::size_t depth;
      {
        std::lock_guard lock(own.mutex);
        own.queue.push_back(&task);
        depth = own.queue.size();
      }
      if (depth > 1 || own.next.load(std::memory_order_relaxed) != nullptr) wake_one();
      return;
    }
    // The new turn runs right after the current one; the one it displaces (if any) is
    // queued, and only then is there work enough to wake a helper.
    runnable* displaced = own.next.exchange(&task, std::memory_order_acq_rel);
    if (displaced == nullptr) return;
    {
      std::lock_guard lock(own.mutex);
      own.queue.push_back(displaced);
    }
    wake_one();
    return;
  }
  {
    std::lock_guard lock(injection_mutex_);
    injection_queue_.push_back(&task);
  }
  wake_one();
}

void thread_pool_platform::wake_one() {
  if (sleepers_.load(std::memory_order_seq_cst) == 0) return;
  std::lock_guard lock(sleep_mutex_);
  wake_.notify_one();
}

runnable* thread_pool_platform::take_own(worker& own) {
  auto take_slot = [&own]() -> runnable* {
    if (own.next.load(std::memory_order_relaxed) == nullptr) return nullptr;  // no RMW
    return own.next.exchange(nullptr, std::memory_order_acq_rel);
  };
  if (own.slot_streak < slot_streak_max) {
    if (runnable* task = take_slot()) {
      ++own.slot_streak;
      return task;
    }
  }
  own.slot_streak = 0;
  {
    std::lock_guard lock(own.mutex);
    if (!own.queue.empty()) {
      runnable* task = own.queue.front();
      own.queue.pop_front();
      return task;
    }
  }
  return take_slot();
}

runnable* thread_pool_platform::steal(std::size_t index) {
  worker& own = *workers_[index];
  if (own.seen_slots.size() != workers_.size()) own.seen_slots.assign(workers_.size(), {});
  for (std::size_t step = 1; step < workers_.size(); ++step) {
    worker& victim = *workers_[(index + step) % workers_.size()];
    std::unique_lock lock(victim.mutex, std::try_to_lock);
    if (lock.owns_lock() && !victim.queue.empty()) {
      runnable* task = victim.queue.back();
      victim.queue.pop_back();
      return task;
    }
  }
  // A slot is taken only when its worker finished no turn since we last saw the same task
  // there: it is stuck in a long turn. A busy conversation's slot changes every turn.
  for (std::size_t step = 1; step < workers_.size(); ++step) {
    const std::size_t at = (index + step) % workers_.size();
    worker& victim = *workers_[at];
    runnable* task = victim.next.load(std::memory_order_acquire);
    const std::uint64_t turns = victim.turns.load(std::memory_order_relaxed);
    auto& seen = own.seen_slots[at];
    if (task != nullptr && seen.first == task && seen.second == turns &&
        victim.next.compare_exchange_strong(task, nullptr, std::memory_order_acq_rel)) {
      seen = {};
      return task;
    }
    seen = {task, turns};
  }
  return nullptr;
}

runnable* thread_pool_platform::find_work(std::size_t index) {
  if (runnable* task = take_own(*workers_[index])) return task;
  {
    std::lock_guard lock(injection_mutex_);
    if (!injection_queue_.empty()) {
      runnable* task = injection_queue_.front();
      injection_queue_.pop_front();
      return task;
    }
  }
  return steal(index);
}

void thread_pool_platform::run_turn(worker& own, runnable& task) {
  own.running = &task;
  task.run();
  own.running = nullptr;
  own.turns.store(own.turns.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void thread_pool_platform::work(std::size_t index) {
  this_worker = worker_identity{this, index};
  worker& own = *workers_[index];
  int idle = 0;
  auto nap = nap_min;
  for (;;) {
    if (runnable* task = find_work(index)) {
      idle = 0;
      nap = nap_min;
      run_turn(own, *task);
      continue;
    }
    if (++idle < idle_spins) {
      std::this_thread::yield();
      continue;
    }
    std::unique_lock lock(sleep_mutex_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    // Check again while registered as a sleeper: a schedule() that missed us sees the count.
    if (runnable* task = find_work(index)) {
      sleepers_.fetch_sub(1, std::memory_order_seq_cst);
      lock.unlock();
      idle = 0;
      nap = nap_min;
      run_turn(own, *task);
      continue;
    }
    if (stopping_.load()) {
      sleepers_.fetch_sub(1, std::memory_order_seq_cst);
      return;
    }
    const bool woken = wake_.wait_for(lock, nap) == std::cv_status::no_timeout;
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    if (woken) {
      idle = 0;  // spin again: more work is likely to follow
    } else {
      nap = std::min(nap * 2, nap_max);  // look once (stuck slots), then sleep again
    }
  }
}

timer_id thread_pool_platform::start_timer(std::int64_t delay_ns, std::function<void()> callback) {
  TROUPE_ASSERT(delay_ns >= 0);
  const std::int64_t deadline = now_ns() + delay_ns;
  timer_id id;
  bool earliest;
  {
    std::lock_guard lock(timer_mutex_);
    id = next_timer_++;
    timers_.emplace(std::make_pair(deadline, id), std::move(callback));
    deadlines_.emplace(id, deadline);
    earliest = timers_.begin()->first.second == id;
  }
  if (earliest) timer_wake_.notify_one();
  return id;
}

bool thread_pool_platform::cancel_timer(timer_id id) {
  std::function<void()> cancelled;  // destroyed outside the lock: it may release a cell
  std::lock_guard lock(timer_mutex_);
  auto found = deadlines_.find(id);
  if (found == deadlines_.end()) return false;
  auto entry = timers_.find(std::make_pair(found->second, id));
  cancelled = std::move(entry->second);
  timers_.erase(entry);
  deadlines_.erase(found);
  return true;
}

void thread_pool_platform::run_timers() {
  std::unique_lock lock(timer_mutex_);
  while (!timers_stopping_) {
    if (timers_.empty()) {
      timer_wake_.wait(lock);
      continue;
    }
    auto first = timers_.begin();
    const std::int64_t deadline = first->first.first;
    if (deadline > now_ns()) {
      timer_wake_.wait_for(lock, std::chrono::nanoseconds(deadline - now_ns()));
      continue;
    }
    auto callback = std::move(first->second);
    deadlines_.erase(first->first.second);
    timers_.erase(first);
    lock.unlock();
    callback();
    callback = nullptr;
    lock.lock();
  }
}

}  // namespace troupe
