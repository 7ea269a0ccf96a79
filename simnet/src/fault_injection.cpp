// Applying faults to the simulated cluster, and checking a fault schedule before a run.

#include <algorithm>
#include <set>

#include "troupe/runtime/assert.hpp"
#include "troupe/simnet/pod.hpp"
#include "troupe/simnet/simulation.hpp"

namespace troupe::sim {

void simulation::trace_fault(const fault& f, std::string_view pod_name) {
  auto line = trace_.event(now_ns_, "fault", pod_name);
  line.field("kind", to_string(f.kind));
  switch (f.kind) {
    case fault_kind::partition:
      if (f.one_way) line.field("from", f.from).field("to", f.to).field("one_way", true);
      else line.field("groups", f.groups);
      break;
    case fault_kind::restart:
      line.field("incarnation", pods_[*find_pod(f.pod)]->info_.incarnation);
      break;
    case fault_kind::skew:
      line.field("offset_ns", f.offset_ns).field("rate", f.rate);
      break;
    case fault_kind::network:
      line.field("loss", f.conditions.loss)
          .field("duplicate", f.conditions.duplicate)
          .field("delay_ns_min", f.conditions.delay_ns_min)
          .field("delay_ns_max", f.conditions.delay_ns_max)
          .field("reorder", f.conditions.reorder);
      break;
    default:
      break;
  }
  line.end();
}

void simulation::inject(const fault& f) {
  ++stats_.faults;
  auto index = f.pod.empty() ? std::nullopt : find_pod(f.pod);
  switch (f.kind) {
    case fault_kind::partition: {
      partition cut;
      cut.groups = f.groups;
      cut.from = f.from;
      cut.to = f.to;
      cut.one_way = f.one_way;
      network_.add_partition(std::move(cut));
      trace_fault(f, "");
      return;
    }
    case fault_kind::heal:
      network_.heal();
      trace_fault(f, "");
      return;
    case fault_kind::network:
      network_.defaults() = f.conditions;
      trace_fault(f, "");
      return;
    case fault_kind::scale: {
      const auto before = pods_of(f.deployment);
      scale(f.deployment, f.replicas);
      const auto after = pods_of(f.deployment);
      std::vector<std::string> added, removed;
      for (const auto& n : after)
        if (std::find(before.begin(), before.end(), n) == before.end()) added.push_back(n);
      for (const auto& n : before)
        if (std::find(after.begin(), after.end(), n) == after.end()) removed.push_back(n);
      trace_.event(now_ns_, "fault", "")
          .field("kind", "scale")
          .field("deployment", f.deployment)
          .field("replicas", f.replicas)
          .field("added", added)
          .field("removed", removed)
          .end();
      return;
    }
    default:
      break;
  }
  TROUPE_ASSERT_MSG(index.has_value(), "fault names an unknown pod (validate the schedule first)");
  pod& p = *pods_[*index];
  switch (f.kind) {
    case fault_kind::kill:
      if (!p.system_) return;  // already down: nothing to kill
      trace_fault(f, p.name());
      take_down(*index, false);
      p.state_ = pod_state::killed;
      notify_connection_loss(*index);
      return;
    case fault_kind::stop:
      if (!p.system_) return;
      trace_fault(f, p.name());
      take_down(*index, true);
      p.state_ = pod_state::stopped;
      notify_connection_loss(*index);
      return;
    case fault_kind::restart:
      if (p.system_) {  // a restart of a running pod is a kill then a start
        take_down(*index, false);
        notify_connection_loss(*index);
      }
      if (p.state_ == pod_state::removed) return;
      start_pod(*index);
      trace_fault(f, p.name());
      return;
    case fault_kind::skew:
      p.set_clock(f.offset_ns, f.rate);
      trace_fault(f, p.name());
      return;
    case fault_kind::pause:
      if (p.state_ != pod_state::running) return;
      p.state_ = pod_state::paused;
      trace_fault(f, p.name());
      return;
    case fault_kind::resume: {
      if (p.state_ != pod_state::paused) return;
      p.state_ = pod_state::running;
      trace_fault(f, p.name());
      auto frozen = std::move(p.frozen_);
      p.frozen_.clear();
      p.frozen_messages_.clear();  // delivered now, by `frozen`
      for (auto& work : frozen) work();
      return;
    }
    default:
      TROUPE_ASSERT_MSG(false, "unhandled fault kind");
  }
}

void simulation::schedule(const std::vector<fault>& schedule) {
  for (const auto& f : schedule) at(f.at_ns, [this, f] { inject(f); });
}

std::optional<std::string> simulation::validate(const std::vector<fault>& schedule) const {
  // Replays the schedule on the set of pods that exist, in time order.
  std::map<std::string, int> replicas = replicas_;
  auto exists = [&](const std::string& name) {
    for (const auto& [deployment, count] : replicas)
      for (int i = 0; i < count; ++i)
        if (name == deployment + "-" + std::to_string(i)) return true;
    return false;
  };
  std::vector<const fault*> ordered;
  for (const auto& f : schedule) ordered.push_back(&f);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const fault* a, const fault* b) { return a->at_ns < b->at_ns; });
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    const fault& f = schedule[i];
    const std::string where = "fault " + std::to_string(i) + " (" + to_string(f.kind) + ")";
    if (f.at_ns < 0) return where + ": time is negative";
    if (f.at_ns < now_ns_) return where + ": time is in the past";
  }
  for (const fault* f : ordered) {
    const std::string where = std::string(to_string(f->kind)) + " at " + std::to_string(f->at_ns) + "ns";
    switch (f->kind) {
      case fault_kind::partition: {
        std::set<std::string> seen;
        const auto& lists = f->one_way ? std::vector<std::vector<std::string>>{f->from, f->to} : f->groups;
        if (lists.size() < 2 && !f->one_way) return where + ": a partition needs at least two groups";
        for (const auto& group : lists) {
          if (group.empty()) return where + ": an empty group";
          for (const auto& name : group) {
            if (!exists(name)) return where + ": unknown pod '" + name + "'";
            if (!f->one_way && !seen.insert(name).second)
              return where + ": pod '" + name + "' is in two groups";
          }
        }
        break;
      }
      case fault_kind::scale:
        if (replicas.count(f->deployment) == 0) return where + ": unknown deployment '" + f->deployment + "'";
        if (f->replicas < 0) return where + ": replicas is negative";
        replicas[f->deployment] = f->replicas;
        break;
      case fault_kind::skew:
        if (!(f->rate > 0.0) || f->rate > 100.0) return where + ": rate must be in (0, 100]";
        [[fallthrough]];
      case fault_kind::kill:
      case fault_kind::restart:
      case fault_kind::stop:
      case fault_kind::pause:
      case fault_kind::resume:
        if (!exists(f->pod)) return where + ": unknown pod '" + f->pod + "'";
        break;
      case fault_kind::network:
        if (f->conditions.loss < 0 || f->conditions.loss > 1) return where + ": loss must be in [0, 1]";
        if (f->conditions.duplicate < 0 || f->conditions.duplicate > 1)
          return where + ": duplicate must be in [0, 1]";
        if (f->conditions.delay_ns_min < 0 || f->conditions.delay_ns_max < f->conditions.delay_ns_min)
          return where + ": delays must satisfy 0 <= min <= max";
        break;
      case fault_kind::heal:
        break;
    }
  }
  return std::nullopt;
}

}  // namespace troupe::sim
