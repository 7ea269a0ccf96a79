#pragma once
/// Supervision: how a parent handles a failed child.

#include <cstdint>
#include <exception>
#include <functional>
#include <string>

namespace troupe {

/// Why an actor failed: an exception its handler threw, or an explicit `fail(reason)`.
struct failure {
  std::string reason;            ///< human-readable, e.g. "std::runtime_error: disk full"
  std::exception_ptr exception;  ///< the thrown exception, if any
};

/// What a supervisor does with a failed child.
enum class directive {
  resume,    ///< keep the child's state, drop the failing message, continue
  restart,   ///< replace the child's instance with a fresh one; same address and mailbox
  stop,      ///< stop the child for good
  escalate,  ///< fail the supervisor itself with the child's failure
};

/// Whether a directive applies to the failed child only or to all of the parent's children.
enum class supervision_scope { one_for_one, all_for_one };

/// What happens when a child exceeds its restart limit.
enum class on_restart_limit { stop, escalate };

/// A parent's supervision strategy (returned by `actor_base::supervision()`).
struct supervisor_strategy {
  supervision_scope scope = supervision_scope::one_for_one;
  /// Chooses the directive for a failure; the default restarts.
  std::function<directive(const failure&)> decider;
  /// At most this many restarts of one child within `restart_window_ns`; -1: no limit.
  int max_restarts = -1;
  std::int64_t restart_window_ns = 60'000'000'000;
  /// When the limit is exceeded the child is stopped, and with `escalate` the supervisor
  /// fails too.
  on_restart_limit limit_action = on_restart_limit::stop;
  /// Exponential backoff before a restart: min(backoff_min_ns * 2^(n-1), backoff_max_ns) for
  /// the n-th restart within the window, plus up to `backoff_random_factor` of it at random.
  /// 0: restart at once.
  std::int64_t backoff_min_ns = 0;
  std::int64_t backoff_max_ns = 0;
  double backoff_random_factor = 0.0;

  directive decide(const failure& f) const { return decider ? decider(f) : directive::restart; }
};

/// Restart on every failure, without limit (the default, as in Akka).
inline supervisor_strategy default_strategy() { return {}; }

}  // namespace troupe
