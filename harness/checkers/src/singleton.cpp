#include "troupe/checkers/singleton.hpp"

#include <map>
#include <optional>
#include <string>

#include "pause_rule.hpp"

namespace troupe::checkers {
namespace {

struct instance {
  std::int64_t since = 0;  ///< the `t` of its start
  bool stale = false;      ///< its pod was paused when another pod started the singleton
};

class replay {
 public:
  explicit replay(std::int64_t grace_ns) : pauses_(grace_ns) {}

  void apply(const fault_event& fault) {
    pauses_.apply(fault);
    for (const auto& pod : pods_ended_by(fault)) end_pod(pod);
  }

  void apply(const singleton_event& event) {
    auto& pods = running_[event.name];
    if (!event.started) {
      pods.erase(event.pod);
      return;
    }
    if (pods.contains(event.pod)) return;
    for (auto& [pod, one] : pods)
      if (pauses_.paused(pod)) one.stale = true;
    pods.emplace(event.pod, instance{event.t, false});
  }

  /// The first singleton that runs on two pods at `t`, described; a stale instance counts
  /// once the pause rule no longer excuses it.
  [[nodiscard]] std::optional<std::string> overlap(std::int64_t t) const {
    for (const auto& [name, pods] : running_) {
      std::size_t live = 0;
      for (const auto& [pod, one] : pods)
        if (!one.stale || !pauses_.excused(pod, t)) ++live;
      if (live > 1) return describe(name, pods, t);
    }
    return std::nullopt;
  }

 private:
  void end_pod(const std::string& pod) {
    for (auto& [name, pods] : running_) pods.erase(pod);
  }

  [[nodiscard]] std::string describe(const std::string& name,
                                     const std::map<std::string, instance>& pods,
                                     std::int64_t t) const {
    std::string text = "singleton '" + name + "' runs on " + std::to_string(pods.size()) +
                       " pods at t=" + std::to_string(t) + " ns:";
    bool first = true;
    for (const auto& [pod, one] : pods) {
      text += std::string(first ? " " : ", ") + pod + " (since t=" + std::to_string(one.since);
      if (one.stale)
        text += "; paused when another pod started it, not stopped within " +
                std::to_string(pauses_.grace_ns() / 1'000'000) + " ms of its resume at t=" +
                std::to_string(pauses_.resumed_at(pod));
      text += ")";
      first = false;
    }
    return text;
  }

  pause_rule pauses_;
  std::map<std::string, std::map<std::string, instance>> running_;  // name -> pod -> instance
};

}  // namespace

verdict check_singleton_unique(const trace& events, std::int64_t stale_stop_within_ns) {
  replay state(stale_stop_within_ns);
  std::size_t fault = 0;
  std::size_t singleton = 0;
  // Faults and singleton events are merged in seq order. The state is judged at each event's
  // time before and after applying it: a stale instance overdue at its own `stopped` fails.
  while (fault < events.faults.size() || singleton < events.singletons.size()) {
    const bool fault_next =
        singleton == events.singletons.size() ||
        (fault < events.faults.size() && events.faults[fault].seq < events.singletons[singleton].seq);
    const std::uint64_t seq = fault_next ? events.faults[fault].seq : events.singletons[singleton].seq;
    const std::int64_t t = fault_next ? events.faults[fault].t : events.singletons[singleton].t;
    if (auto overlap = state.overlap(t)) return verdict{"singleton_unique", false, *overlap, seq};
    if (fault_next)
      state.apply(events.faults[fault++]);
    else
      state.apply(events.singletons[singleton++]);
    if (auto overlap = state.overlap(t)) return verdict{"singleton_unique", false, *overlap, seq};
  }
  if (auto overlap = state.overlap(events.last_t))
    return verdict{"singleton_unique", false, *overlap, events.last_seq};
  return verdict{"singleton_unique", true, "", std::nullopt};
}

}  // namespace troupe::checkers
