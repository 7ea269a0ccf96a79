#pragma once
// The pause rule of singleton_unique and entity_unique (docs/checkers.md, "Paused pods"):
// a paused pod cannot stop anything, so an instance on a pod that is paused when another
// instance of the same singleton or entity starts elsewhere is *stale*, not a second one. It
// is excused while its pod stays paused and for `grace_ns` after the resume (the node checks
// its lease at once and stops stale instances at its next tick); after that it counts again.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "troupe/checkers/trace.hpp"

namespace troupe::checkers {

/// The pods whose running instances a fault ends: a kill, stop or restart (simnet restarts a
/// running pod as a kill and a start) ends its pod's, a scale those of the pods it removed.
inline std::vector<std::string> pods_ended_by(const fault_event& fault) {
  if (fault.kind == "kill" || fault.kind == "stop" || fault.kind == "restart") return {fault.pod};
  if (fault.kind == "scale") return fault.removed;
  return {};
}

class pause_rule {
 public:
  explicit pause_rule(std::int64_t grace_ns) : grace_ns_(grace_ns) {}

  /// Follows pauses and resumes; a kill, stop, restart or scale-away ends the pod's pause.
  void apply(const fault_event& fault) {
    if (fault.kind == "pause") paused_.insert(fault.pod);
    if (fault.kind == "resume" && paused_.erase(fault.pod)) resumed_at_[fault.pod] = fault.t;
    for (const auto& pod : pods_ended_by(fault)) end(pod);
  }

  [[nodiscard]] bool paused(const std::string& pod) const { return paused_.contains(pod); }

  /// Whether a stale instance on `pod` is excused at time `t`.
  [[nodiscard]] bool excused(const std::string& pod, std::int64_t t) const {
    if (paused(pod)) return true;
    auto resumed = resumed_at_.find(pod);
    return resumed != resumed_at_.end() && t - resumed->second <= grace_ns_;
  }

  /// Since when `pod` runs again (its last resume), or -1.
  [[nodiscard]] std::int64_t resumed_at(const std::string& pod) const {
    auto resumed = resumed_at_.find(pod);
    return resumed == resumed_at_.end() ? -1 : resumed->second;
  }

  [[nodiscard]] std::int64_t grace_ns() const { return grace_ns_; }

 private:
  void end(const std::string& pod) {
    paused_.erase(pod);
    resumed_at_.erase(pod);
  }

  std::int64_t grace_ns_;
  std::set<std::string> paused_;
  std::map<std::string, std::int64_t> resumed_at_;
};

}  // namespace troupe::checkers
