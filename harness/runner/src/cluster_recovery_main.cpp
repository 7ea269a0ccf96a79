// troupe-cluster-recovery: runs a scenario file that has a `cluster` object on many seeds, as
// `troupe run` does (its load, network and faults), and measures from each run's trace how
// long the cluster takes to recover from each kill, stop and restart of a server pod:
//
//   - to_unreachable: from a kill until a survivor marks the pod unreachable;
//   - to_converged: until every live, unpaused server pod sees exactly those pods up and the
//     others removed or down (for a restart: the new incarnation is up in every view, and it
//     sees everyone up);
//   - to_singleton: from the kill or stop of the pod running the singleton until another
//     pod starts it.
//
// Prints JSON: per fault, min / median / p90 / max over the seeds in milliseconds, and how
// many runs never got there ("missing").
//
//   troupe-cluster-recovery SCENARIO [--seeds N] [--first-seed S]

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "troupe/checkers/trace.hpp"
#include "troupe/harness/runner.hpp"

namespace {

using troupe::checkers::trace;

/// What one kill, stop or restart cost in one run; -1: never within the run.
struct recovery {
  std::int64_t to_unreachable_ns = -1;
  std::int64_t to_converged_ns = -1;
  std::int64_t to_singleton_ns = -1;
};

/// Replays the trace's faults, member and singleton events in seq order.
class replay {
 public:
  replay(const trace& events, const std::set<std::string>& server_deployments)
      : deployments_(server_deployments) {
    for (const auto& pod : events.header.pods)
      if (server(pod)) live_.insert(pod);
  }

  bool server(const std::string& pod) const {
    const auto dash = pod.rfind('-');
    return dash != std::string::npos && deployments_.contains(pod.substr(0, dash));
  }
  void apply(const troupe::checkers::fault_event& f) {
    if (f.kind == "kill" || f.kind == "stop") leave(f.pod);
    if (f.kind == "restart" && server(f.pod)) live_.insert(f.pod);
    if (f.kind == "pause") paused_.insert(f.pod);
    if (f.kind == "resume") paused_.erase(f.pod);
    if (f.kind == "scale") {
      for (const auto& pod : f.added)
        if (server(pod)) live_.insert(pod);
      for (const auto& pod : f.removed) leave(pod);
    }
  }
  void apply(const troupe::checkers::member_event& e) {
    auto& seen = views_[e.pod].try_emplace(e.member, "", true).first->second;
    if (e.status == "unreachable") seen.second = false;
    else if (e.status == "reachable") seen.second = true;
    else seen.first = e.status;
  }
  void apply(const troupe::checkers::singleton_event& e) {
    if (e.started) singleton_ = e.pod;
    else if (singleton_ == e.pod) singleton_.clear();
  }
  /// Every live, unpaused server pod sees exactly those pods up and reachable, and every other
/// pod it knows of removed or down.
  bool converged() const {
    std::set<std::string> expected;
    for (const auto& pod : live_)
      if (!paused_.contains(pod)) expected.insert(pod);
    for (const auto& pod : expected) {
      auto view = views_.find(pod);
      if (view == views_.end()) return false;
      std::set<std::string> up;
      for (const auto& [member, seen] : view->second) {
        if (seen.first == "up" && seen.second) up.insert(member);
        // A pod gone from the live set counts only once removed or down, not while it is
        // merely unreachable: that is when the survivors have decided, not only suspected.
        if (!expected.contains(member) && seen.first != "removed" && seen.first != "down")
          return false;
      }
      if (up != expected) return false;
    }
    return true;
  }
  const std::string& singleton() const { return singleton_; }

 private:
  void leave(const std::string& pod) {
    live_.erase(pod);
    paused_.erase(pod);
    views_.erase(pod);
    if (singleton_ == pod) singleton_.clear();
  }

  std::set<std::string> deployments_;
  std::set<std::string> live_, paused_;
  std::map<std::string, std::map<std::string, std::pair<std::string, bool>>> views_;
  std::string singleton_;  ///< the pod running the singleton, "" when none does
};

/// One recovery per kill, stop or restart fault of the trace, in trace order.
std::vector<recovery> measure(const trace& events, const std::set<std::string>& deployments) {
  replay state(events, deployments);
  struct open_fault {
    std::size_t index;
    const troupe::checkers::fault_event* fault;
    std::string singleton_before;  ///< who ran the singleton just before the fault
  };
  std::vector<recovery> out;
  std::vector<open_fault> open;
  std::size_t f = 0, m = 0, s = 0;
  auto seq_of = [&](std::size_t fi, std::size_t mi, std::size_t si) {
    const std::uint64_t none = ~std::uint64_t{0};
    return std::array<std::uint64_t, 3>{fi < events.faults.size() ? events.faults[fi].seq : none,
                                        mi < events.members.size() ? events.members[mi].seq : none,
                                        si < events.singletons.size() ? events.singletons[si].seq : none};
  };
  while (true) {
    const auto seqs = seq_of(f, m, s);
    const auto next = std::min_element(seqs.begin(), seqs.end()) - seqs.begin();
    if (seqs[next] == ~std::uint64_t{0}) break;
    std::int64_t t = 0;
    if (next == 0) {
      const auto& fault = events.faults[f++];
      t = fault.t;
      const std::string before = state.singleton();
      state.apply(fault);
      if ((fault.kind == "kill" || fault.kind == "stop" || fault.kind == "restart") &&
          state.server(fault.pod)) {
        open.push_back({out.size(), &fault, before});
        out.emplace_back();
      }
    } else if (next == 1) {
      const auto& member = events.members[m++];
      t = member.t;
      state.apply(member);
      for (auto& o : open)
        if (member.member == o.fault->pod && member.status == "unreachable" &&
            o.fault->kind != "restart" && out[o.index].to_unreachable_ns < 0)
          out[o.index].to_unreachable_ns = t - o.fault->t;
    } else {
      const auto& singleton = events.singletons[s++];
      t = singleton.t;
      state.apply(singleton);
      for (auto& o : open)
        if (singleton.started && o.singleton_before == o.fault->pod && singleton.pod != o.fault->pod &&
            out[o.index].to_singleton_ns < 0)
          out[o.index].to_singleton_ns = t - o.fault->t;
    }
    // Convergence is judged after the last event of an instant.
    const auto after = seq_of(f, m, s);
    const auto following = *std::min_element(after.begin(), after.end());
    std::int64_t next_t = -1;
    if (following != ~std::uint64_t{0}) {
      if (after[0] == following) next_t = events.faults[f].t;
      if (after[1] == following) next_t = events.members[m].t;
      if (after[2] == following) next_t = events.singletons[s].t;
    }
    if (next_t == t || !state.converged()) continue;
    for (auto& o : open)
      if (out[o.index].to_converged_ns < 0 && t > o.fault->t) out[o.index].to_converged_ns = t - o.fault->t;
  }
  return out;
}

nlohmann::json summary(std::vector<std::int64_t> values) {
  std::sort(values.begin(), values.end());
  const auto missing = std::count(values.begin(), values.end(), -1);
  std::erase(values, -1);
  if (values.empty()) return {{"missing", missing}};
  auto in_ms = [](std::int64_t ns) { return static_cast<double>(ns) / 1e6; };
  return {{"min_ms", in_ms(values.front())},
          {"median_ms", in_ms(values[values.size() / 2])},
          {"p90_ms", in_ms(values[values.size() * 9 / 10])},
          {"max_ms", in_ms(values.back())},
          {"missing", missing}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: troupe-cluster-recovery SCENARIO [--seeds N] [--first-seed S]\n";
    return 2;
  }
  const std::string file = argv[1];
  int seeds = 100;
  std::uint64_t first = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seeds") seeds = std::atoi(argv[i + 1]);
    else if (flag == "--first-seed") first = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::cerr << "unknown option " << flag << "\n";
      return 2;
    }
  }
  auto loaded = troupe::scenario::load_scenario_file(file);
  if (auto* error = std::get_if<troupe::scenario::load_error>(&loaded)) {
    std::cerr << file << ": " << error->describe() << "\n";
    return 2;
  }
  auto s = std::get<troupe::scenario::scenario>(loaded);
  if (!s.cluster || seeds < 1) {
    std::cerr << file << ": needs a \"cluster\" object, and --seeds at least 1\n";
    return 2;
  }
  if (first == 0) first = s.seed;
  std::set<std::string> deployments;
  for (const auto& d : s.deployments)
    if (d.role == "server") deployments.insert(d.name);
  std::vector<std::vector<recovery>> runs;
  int failed = 0;
  for (int i = 0; i < seeds; ++i) {
    s.seed = first + static_cast<std::uint64_t>(i);
    std::vector<std::string> lines;
    const auto report = troupe::harness::run_scenario(s, {"", &lines});
    failed += !report.passed();
    auto parsed = troupe::checkers::read_trace_lines(lines);
    if (!parsed.ok()) {
      std::cerr << "seed " << s.seed << ": " << parsed.failure().to_string() << "\n";
      return 3;
    }
    runs.push_back(measure(parsed.value(), deployments));
  }
  nlohmann::json faults = nlohmann::json::array();
  const std::size_t count = runs.front().size();
  std::vector<troupe::sim::fault> listed;
  for (const auto& f : s.faults)
    if ((f.kind == troupe::sim::fault_kind::kill || f.kind == troupe::sim::fault_kind::stop ||
         f.kind == troupe::sim::fault_kind::restart))
      listed.push_back(f);
  std::stable_sort(listed.begin(), listed.end(),
                   [](const auto& a, const auto& b) { return a.at_ns < b.at_ns; });
  for (std::size_t k = 0; k < count; ++k) {
    std::vector<std::int64_t> unreachable, converged, singleton;
    for (const auto& run : runs) {
      if (k >= run.size()) continue;
      unreachable.push_back(run[k].to_unreachable_ns);
      converged.push_back(run[k].to_converged_ns);
      singleton.push_back(run[k].to_singleton_ns);
    }
    nlohmann::json entry;
    if (k < listed.size())
      entry = {{"fault", troupe::sim::to_string(listed[k].kind)},
               {"pod", listed[k].pod},
               {"at_ms", listed[k].at_ns / 1'000'000}};
    if (k >= listed.size() || listed[k].kind != troupe::sim::fault_kind::restart)
      entry["to_unreachable"] = summary(unreachable);
    entry["to_converged"] = summary(converged);
    if (k >= listed.size() || listed[k].kind != troupe::sim::fault_kind::restart)
      entry["to_singleton_elsewhere"] = summary(singleton);
    faults.push_back(entry);
  }
  nlohmann::json report = {{"scenario", s.name},
                           {"seeds", seeds},
                           {"first_seed", first},
                           {"runs_failing_a_property", failed},
                           {"faults", faults}};
  std::cout << report.dump(2) << "\n";
  return failed == 0 ? 0 : 1;
}
