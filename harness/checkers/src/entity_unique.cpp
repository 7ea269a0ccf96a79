#include "troupe/checkers/entity_unique.hpp"

#include <map>
#include <set>
#include <utility>

namespace troupe::checkers {

namespace {

using entity_key = std::pair<std::string, std::string>;      // type, id
using instance_key = std::pair<std::string, std::uint64_t>;  // pod, instance

std::string describe(const entity_key& key) {
  return key.first + " '" + key.second + "'";
}

class replay {
 public:
  // Returns a failure message when this start makes two instances active.
  std::string apply(const entity_event& event) {
    const entity_key key{event.type, event.entity};
    auto& active = active_[key];
    if (!event.started) {
      active.erase({event.pod, event.instance});
      return "";
    }
    active.insert({event.pod, event.instance});
    if (active.size() < 2) return "";
    std::string pods;
    for (const auto& [pod, instance] : active)
      pods += (pods.empty() ? "" : ", ") + pod + "#" + std::to_string(instance);
    return describe(key) + " has " + std::to_string(active.size()) +
           " active instances at t=" + std::to_string(event.t) + " (" + pods + ")";
  }

  void apply(const fault_event& fault) {
    // A restart ends the previous incarnation too (simnet restarts a running pod as a kill
    // and a start); for a dead pod nothing is active.
    if (fault.kind == "kill" || fault.kind == "stop" || fault.kind == "restart")
      end_pod(fault.pod);
    if (fault.kind == "scale")
      for (const auto& pod : fault.removed) end_pod(pod);
  }

 private:
  void end_pod(const std::string& pod) {
    for (auto& [key, active] : active_)
      std::erase_if(active, [&](const instance_key& one) { return one.first == pod; });
  }

  std::map<entity_key, std::set<instance_key>> active_;
};

}  // namespace

verdict check_entity_unique(const std::vector<entity_event>& entities,
                            const std::vector<fault_event>& faults) {
  verdict out;
  out.property = "entity_unique";
  replay state;
  std::size_t next_fault = 0;
  std::set<entity_key> seen;
  for (const auto& event : entities) {
    while (next_fault < faults.size() && faults[next_fault].seq < event.seq)
      state.apply(faults[next_fault++]);
    if (event.started) seen.insert({event.type, event.entity});
    if (auto failure = state.apply(event); !failure.empty()) {
      out.ok = false;
      out.message = failure;
      out.at_seq = event.seq;
      return out;
    }
  }
  out.message = std::to_string(seen.size()) + " entities, " + std::to_string(entities.size()) +
                " start/stop events, never two instances at once";
  return out;
}

verdict check_entity_unique(const trace& events) {
  return check_entity_unique(events.entities, events.faults);
}

}  // namespace troupe::checkers
