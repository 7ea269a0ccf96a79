#pragma once
/// The platform seam: everything nondeterministic the runtime needs (DESIGN.md).
///
/// The runtime never reads a wall clock, starts a thread or draws a random number on its
/// own: it asks the platform. `thread_pool_platform` runs on real threads and the steady
/// clock; `manual_platform` and the simulator run everything on one thread in virtual time.

#include <chrono>
#include <cstdint>
#include <functional>

namespace troupe {

/// Durations in the public API; stored internally as integer nanoseconds.
using duration = std::chrono::nanoseconds;

/// Something an executor runs; an actor's turn. Implemented by the runtime.
class runnable {
 public:
  /// Runs one turn. Called by the platform on one thread at a time.
  virtual void run() = 0;

 protected:
  ~runnable() = default;
};

/// Identifies a started timer so that it can be cancelled. 0 is never a valid id.
using timer_id = std::uint64_t;

/// Where and when actor turns and timers run, what time it is, and randomness.
class platform {
 public:
  virtual ~platform() = default;

  /// Time in nanoseconds since an arbitrary, fixed origin. Never decreases. Any thread.
  virtual std::int64_t now_ns() const = 0;

  /// Runs `task.run()` soon, on a thread of the platform's choosing. Any thread.
  virtual void schedule(runnable& task) = 0;

  /// Calls `callback` once, on a platform thread, `delay_ns` (>= 0) from now. Any thread.
  /// The callback must be short: it should only enqueue a message.
  virtual timer_id start_timer(std::int64_t delay_ns, std::function<void()> callback) = 0;

  /// Cancels a pending timer; returns false when it already fired or was cancelled.
  virtual bool cancel_timer(timer_id id) = 0;

  /// 64 uniformly distributed random bits from the platform's seeded generator. Any thread.
  virtual std::uint64_t random_u64() = 0;

  /// Single-threaded platforms (manual, simulated) run their events until `done()` holds or
  /// nothing is left to run, and return true. Threaded platforms return false at once: the
  /// caller blocks instead while the platform's threads work.
  virtual bool drive_until(const std::function<bool()>& done) { return false; }
};

}  // namespace troupe
