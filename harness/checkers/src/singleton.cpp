#include "troupe/checkers/singleton.hpp"

#include <map>
#include <string>

namespace troupe::checkers {
namespace {

// name -> pod -> the `t` of the pod's start of its instance.
using running_map = std::map<std::string, std::map<std::string, std::int64_t>>;

void end_pod(running_map& running, const std::string& pod) {
  for (auto& [name, pods] : running) pods.erase(pod);
}

void apply(running_map& running, const fault_event& fault) {
  // A restart ends the previous incarnation too (simnet restarts a running pod as a kill
  // and a start); for a dead pod nothing is running.
  if (fault.kind == "kill" || fault.kind == "stop" || fault.kind == "restart")
    end_pod(running, fault.pod);
  if (fault.kind == "scale")
    for (const auto& pod : fault.removed) end_pod(running, pod);
}

void apply(running_map& running, const singleton_event& event) {
  auto& pods = running[event.name];
  if (!event.started) {
    pods.erase(event.pod);
  } else if (!pods.contains(event.pod)) {
    pods.emplace(event.pod, event.t);
  }
}

std::string describe(const std::string& name, const std::map<std::string, std::int64_t>& pods,
                     std::int64_t t) {
  std::string text = "singleton '" + name + "' runs on " + std::to_string(pods.size()) +
                     " pods at t=" + std::to_string(t) + " ns:";
  bool first = true;
  for (const auto& [pod, since] : pods) {
    text += std::string(first ? " " : ", ") + pod + " (since t=" + std::to_string(since) + ")";
    first = false;
  }
  return text;
}

}  // namespace

verdict check_singleton_unique(const trace& events) {
  running_map running;
  std::size_t fault = 0;
  std::size_t singleton = 0;
  // Faults and singleton events are merged in seq order; only a start can make two.
  while (fault < events.faults.size() || singleton < events.singletons.size()) {
    const bool fault_next =
        singleton == events.singletons.size() ||
        (fault < events.faults.size() && events.faults[fault].seq < events.singletons[singleton].seq);
    if (fault_next) {
      apply(running, events.faults[fault++]);
      continue;
    }
    const singleton_event& event = events.singletons[singleton++];
    apply(running, event);
    const auto& pods = running[event.name];
    if (pods.size() > 1)
      return verdict{"singleton_unique", false, describe(event.name, pods, event.t), event.seq};
  }
  return verdict{"singleton_unique", true, "", std::nullopt};
}

}  // namespace troupe::checkers
