#include "troupe/checkers/membership.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace troupe::checkers {
namespace {

struct member_view {
  std::string status = "unknown";  // until a status event; reachability events alone leave it
  bool reachable = true;
};

// Who is live, and what each pod believes, as the events are replayed in trace order.
class cluster_state {
 public:
  cluster_state(const trace_header& header, const std::vector<std::string>& deployments)
      : deployments_(deployments) {
    for (const auto& pod : header.pods)
      if (is_member(pod)) live_.insert(pod);
  }

  void apply(const fault_event& fault) {
    if (fault.kind == "kill" || fault.kind == "stop") leave(fault.pod);
    // A restart of a running pod (simnet plays it as a kill and a start) begins a new
    // incarnation with a fresh view. A dead pod's view went with its kill; on Kubernetes the
    // `restart` comes once the pod is ready again, after its new incarnation reported.
    if (fault.kind == "restart" && is_member(fault.pod)) {
      if (live_.contains(fault.pod)) leave(fault.pod);
      live_.insert(fault.pod);
      paused_.erase(fault.pod);
    }
    if (fault.kind == "pause" && is_member(fault.pod)) paused_.insert(fault.pod);
    if (fault.kind == "resume") paused_.erase(fault.pod);
    if (fault.kind == "scale") {
      for (const auto& pod : fault.added)
        if (is_member(pod)) live_.insert(pod);
      for (const auto& pod : fault.removed) leave(pod);
    }
  }

  void apply(const member_event& event) {
    if (!is_member(event.pod)) return;
    member_view& view = views_[event.pod][event.member];
    if (event.status == "unreachable") {
      view.reachable = false;
    } else if (event.status == "reachable") {
      view.reachable = true;
    } else {
      view.status = event.status;
    }
  }

  // The first live pod whose view is not "every live pod up", described; "" if none.
  [[nodiscard]] std::string disagreement(bool self_implicitly_up) const {
    std::set<std::string> expected;
    for (const auto& pod : live_) {
      if (paused_.count(pod) == 0) expected.insert(pod);
    }
    for (const auto& pod : expected) {
      auto found = views_.find(pod);
      const std::map<std::string, member_view> empty;
      const auto& view = found == views_.end() ? empty : found->second;
      std::set<std::string> up;
      for (const auto& [member, seen] : view) {
        if (seen.status == "up" && seen.reachable) up.insert(member);
      }
      if (self_implicitly_up && view.count(pod) == 0) up.insert(pod);
      if (up != expected) return describe(pod, view, expected);
    }
    return "";
  }

 private:
  // A pod of one of the cluster's deployments (any pod when none are named).
  bool is_member(const std::string& pod) const {
    if (deployments_.empty()) return true;
    for (const auto& deployment : deployments_) {
      if (pod.size() <= deployment.size() + 1 || pod.compare(0, deployment.size(), deployment) != 0 ||
          pod[deployment.size()] != '-')
        continue;
      const auto ordinal = std::string_view(pod).substr(deployment.size() + 1);
      if (std::all_of(ordinal.begin(), ordinal.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return true;
    }
    return false;
  }

  void leave(const std::string& pod) {
    live_.erase(pod);
    paused_.erase(pod);
    views_.erase(pod);  // A restarted pod is a new incarnation with a fresh view.
  }

  static std::string describe(const std::string& pod,
                              const std::map<std::string, member_view>& view,
                              const std::set<std::string>& expected) {
    std::string text = "pod " + pod + " sees {";
    bool first = true;
    for (const auto& [member, seen] : view) {
      text += (first ? "" : ", ") + member + ": " + seen.status +
              (seen.reachable ? "" : " unreachable");
      first = false;
    }
    text += "}, expected up: {";
    first = true;
    for (const auto& member : expected) {
      text += (first ? "" : ", ") + member;
      first = false;
    }
    return text + "}";
  }

  std::vector<std::string> deployments_;
  std::set<std::string> live_;
  std::set<std::string> paused_;
  std::map<std::string, std::map<std::string, member_view>> views_;
};

}  // namespace

verdict check_membership_converges(const trace& events, const membership_options& options) {
  verdict out{"membership_converges", true, "", std::nullopt};
  const std::int64_t last_fault_t = events.faults.empty() ? 0 : events.faults.back().t;
  const std::int64_t deadline = last_fault_t + options.liveness_window_ns;
  if (events.last_t < deadline) {
    out.ok = false;
    out.message = "unknown: the trace ends at t=" + std::to_string(events.last_t) +
                  " ns, before the liveness window after the last fault ends at t=" +
                  std::to_string(deadline) + " ns";
    return out;
  }
  cluster_state cluster(events.header, options.deployments);
  std::size_t fault = 0;
  std::size_t member = 0;
  std::optional<std::uint64_t> last_seq;
  // Replays faults and member events in seq order; from the deadline on, checks the views
  // after each instant (all events of one `t`), so a momentary flap inside one instant
  // does not count.
  bool checked_at_deadline = false;
  while (true) {
    const bool has_fault = fault < events.faults.size();
    const bool has_member = member < events.members.size();
    std::int64_t next_t = std::numeric_limits<std::int64_t>::max();
    if (has_fault) next_t = events.faults[fault].t;
    if (has_member) next_t = std::min(next_t, events.members[member].t);
    if (next_t > deadline && !checked_at_deadline) {
      checked_at_deadline = true;
      if (auto problem = cluster.disagreement(options.self_implicitly_up); !problem.empty()) {
        out = {
            out.property, false,
            problem + " at the end of the liveness window (t=" + std::to_string(deadline) + " ns)",
            last_seq};
        return out;
      }
    }
    if (!has_fault && !has_member) break;
    // Everything at instant next_t, in seq order.
    while (true) {
      const bool fault_next = fault < events.faults.size() && events.faults[fault].t == next_t;
      const bool member_next = member < events.members.size() && events.members[member].t == next_t;
      if (!fault_next && !member_next) break;
      if (fault_next && (!member_next || events.faults[fault].seq < events.members[member].seq)) {
        cluster.apply(events.faults[fault]);
        last_seq = events.faults[fault++].seq;
      } else {
        cluster.apply(events.members[member]);
        last_seq = events.members[member++].seq;
      }
    }
    if (next_t > deadline) {
      if (auto problem = cluster.disagreement(options.self_implicitly_up); !problem.empty()) {
        out = {out.property, false,
               problem + " after t=" + std::to_string(next_t) + " ns, past the liveness window",
               last_seq};
        return out;
      }
    }
  }
  return out;
}

}  // namespace troupe::checkers
