#include "troupe/checkers/entity_unique.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <variant>

#include "pause_rule.hpp"

namespace troupe::checkers {

namespace {

using entity_key = std::pair<std::string, std::string>;      // type, id
using instance_key = std::pair<std::string, std::uint64_t>;  // pod, instance

std::string describe(const entity_key& key) {
  return key.first + " '" + key.second + "'";
}

class replay {
 public:
  explicit replay(std::int64_t grace_ns) : pauses_(grace_ns) {}

  // Returns a failure message when this start makes two instances active.
  std::string apply(const entity_event& event) {
    const entity_key key{event.type, event.entity};
    auto& active = active_[key];
    if (!event.started) {
      active.erase({event.pod, event.instance});
      stale_.erase({event.pod, event.instance});
      return "";
    }
    for (const auto& one : active)
      if (pauses_.paused(one.first)) stale_.emplace(one, key);
    active.insert({event.pod, event.instance});
    return overlap(key, event.t);
  }

  void apply(const fault_event& fault) {
    pauses_.apply(fault);
    for (const auto& pod : pods_ended_by(fault)) end_pod(pod);
  }

  // A stale instance answers nothing once its pod runs again.
  std::string apply(const entity_route_event& route) {
    if (route.step != "delivered" || !stale_.contains({route.pod, route.instance})) return "";
    if (pauses_.paused(route.pod)) return "";
    return describe({route.type, route.entity}) + " on " + route.pod + "#" +
           std::to_string(route.instance) + " got message " + route.message + " at t=" +
           std::to_string(route.t) + ", after its pod resumed at t=" +
           std::to_string(pauses_.resumed_at(route.pod)) +
           " (stale: paused when another instance started)";
  }

  // The first entity with two instances that count at `t`. Only a stale instance can start
  // to count without an event of its own entity (its excuse runs out).
  std::string overlap_any(std::int64_t t) const {
    for (const auto& [one, key] : stale_)
      if (auto failure = overlap(key, t); !failure.empty()) return failure;
    return "";
  }

 private:
  std::string overlap(const entity_key& key, std::int64_t t) const {
    const auto& active = active_.at(key);
    std::size_t counted = 0;
    for (const auto& one : active)
      if (!stale_.contains(one) || !pauses_.excused(one.first, t)) ++counted;
    if (counted < 2) return "";
    std::string pods;
    for (const auto& one : active) {
      pods += (pods.empty() ? "" : ", ") + one.first + "#" + std::to_string(one.second);
      if (stale_.contains(one))
        pods += " (stale, not stopped within " + std::to_string(pauses_.grace_ns() / 1'000'000) +
                " ms of its resume at t=" + std::to_string(pauses_.resumed_at(one.first)) + ")";
    }
    return describe(key) + " has " + std::to_string(active.size()) +
           " active instances at t=" + std::to_string(t) + " (" + pods + ")";
  }

  void end_pod(const std::string& pod) {
    for (auto& [key, active] : active_)
      std::erase_if(active, [&](const instance_key& one) { return one.first == pod; });
    std::erase_if(stale_, [&](const auto& one) { return one.first.first == pod; });
  }

  pause_rule pauses_;
  std::map<entity_key, std::set<instance_key>> active_;
  // Instances whose pod was paused when another instance of their entity started.
  std::map<instance_key, entity_key> stale_;
};

using event_ref =
    std::variant<const entity_event*, const fault_event*, const entity_route_event*>;

std::uint64_t seq_of(const event_ref& event) {
  return std::visit([](const auto* e) { return e->seq; }, event);
}
std::int64_t t_of(const event_ref& event) {
  return std::visit([](const auto* e) { return e->t; }, event);
}

verdict check(const std::vector<entity_event>& entities, const std::vector<fault_event>& faults,
              const std::vector<entity_route_event>& routes, std::int64_t last_t,
              std::uint64_t last_seq, std::int64_t grace_ns) {
  verdict out;
  out.property = "entity_unique";
  std::vector<event_ref> events;
  events.reserve(entities.size() + faults.size() + routes.size());
  for (const auto& e : entities) events.emplace_back(&e);
  for (const auto& e : faults) events.emplace_back(&e);
  for (const auto& e : routes)
    if (e.step == "delivered") events.emplace_back(&e);
  std::sort(events.begin(), events.end(),
            [](const event_ref& a, const event_ref& b) { return seq_of(a) < seq_of(b); });
  replay state(grace_ns);
  std::set<entity_key> seen;
  auto fail = [&](std::string message, std::uint64_t seq) {
    out.ok = false;
    out.message = std::move(message);
    out.at_seq = seq;
    return out;
  };
  for (const auto& event : events) {
    // Judged before and after each event: a stale instance overdue at its own stop fails.
    if (auto failure = state.overlap_any(t_of(event)); !failure.empty())
      return fail(failure, seq_of(event));
    std::string failure;
    if (const auto* entity = std::get_if<const entity_event*>(&event)) {
      if ((*entity)->started) seen.insert({(*entity)->type, (*entity)->entity});
      failure = state.apply(**entity);
    } else if (const auto* fault = std::get_if<const fault_event*>(&event)) {
      state.apply(**fault);
    } else {
      failure = state.apply(*std::get<const entity_route_event*>(event));
    }
    if (!failure.empty()) return fail(failure, seq_of(event));
  }
  if (auto failure = state.overlap_any(last_t); !failure.empty()) return fail(failure, last_seq);
  out.message = std::to_string(seen.size()) + " entities, " + std::to_string(entities.size()) +
                " start/stop events, never two instances at once";
  return out;
}

}  // namespace

verdict check_entity_unique(const std::vector<entity_event>& entities,
                            const std::vector<fault_event>& faults,
                            std::int64_t stale_stop_within_ns) {
  std::int64_t last_t = 0;
  std::uint64_t last_seq = 0;
  for (const auto& e : entities) {
    last_t = std::max(last_t, e.t);
    last_seq = std::max(last_seq, e.seq);
  }
  for (const auto& e : faults) {
    last_t = std::max(last_t, e.t);
    last_seq = std::max(last_seq, e.seq);
  }
  return check(entities, faults, {}, last_t, last_seq, stale_stop_within_ns);
}

verdict check_entity_unique(const trace& events, std::int64_t stale_stop_within_ns) {
  return check(events.entities, events.faults, events.routes, events.last_t, events.last_seq,
               stale_stop_within_ns);
}

}  // namespace troupe::checkers
