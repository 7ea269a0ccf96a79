#pragma once
/// The phi-accrual failure detector (Hayashibara et al., as in Cassandra and Pekko): from the
/// history of heartbeat inter-arrival times it computes phi, the suspicion that a member has
/// failed; phi = -log10(probability that a heartbeat is still to come this late). A member is
/// available while phi stays below the threshold. Used by the cluster actor only.

#include <cstdint>
#include <deque>

namespace troupe::cluster {

/// Settings of one detector. All times in nanoseconds of the platform clock.
struct phi_settings {
  double threshold = 8.0;                            ///< phi at or above: unreachable
  std::int64_t heartbeat_interval_ns = 200'000'000;  ///< expected gap between heartbeats
  std::int64_t acceptable_pause_ns = 1'000'000'000;  ///< extra gap tolerated (GC, pause)
  std::int64_t min_std_deviation_ns = 100'000'000;   ///< floor of the gap's deviation
  std::size_t samples_max = 200;                     ///< bound of the gap history
};

/// Suspicion of one monitored member. Not thread-safe; owned by one actor.
class phi_detector {
 public:
  /// Starts monitoring at `now_ns` as if a heartbeat had just arrived; the history is
  /// seeded with the expected interval (plus and minus a quarter) so that a member that
  /// never sends a heartbeat is still suspected.
  phi_detector(const phi_settings& settings, std::int64_t now_ns);

  /// Records a heartbeat that arrived at `now_ns` (not before the previous one).
  void heartbeat(std::int64_t now_ns);
  /// The suspicion at `now_ns` (0 right after a heartbeat, growing with silence).
  double phi(std::int64_t now_ns) const;
  /// True while phi(now_ns) is below the threshold.
  bool available(std::int64_t now_ns) const { return phi(now_ns) < settings_.threshold; }
  /// Arrival time of the last heartbeat (or the start of monitoring).
  std::int64_t last_heartbeat_ns() const { return last_ns_; }

 private:
  void add_sample(std::int64_t interval_ns);

  phi_settings settings_;
  std::int64_t last_ns_;
  std::deque<std::int64_t> intervals_;  // at most settings_.samples_max
  double sum_ = 0;
  double sum_of_squares_ = 0;
};

}  // namespace troupe::cluster
