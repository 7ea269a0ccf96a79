// troupe-cluster-recovery: runs a scenario file that has a `cluster` object on many seeds, as
// `troupe run` does (its load, network and faults), and measures from each run's trace how
// long the cluster takes to recover from each kill, stop and restart of a server pod:
//
//   - to_unreachable: from a kill until a survivor marks the pod unreachable;
//   - to_converged: until every live, unpaused server pod sees exactly those pods up and the
//     others removed or down (for a restart: the new incarnation is up in every view, and it
//     sees everyone up);
//   - to_singleton: from the kill or stop of the pod running the singleton until another
//     pod starts it;
//   - to_shards_served: from the kill, stop or scale-down of pods hosting shards (cluster
//     sharding) until every one of those shards is hosted again (by another pod, or by the
//     pod's next incarnation when it restarted first);
//   - for a scale of a server deployment, to_converged, and for a scale-up to_rebalanced:
//     until the last shard start that followed it, before the next fault (the shards moved
//     to the new pods).
//
// Prints JSON: per fault, min / median / p90 / max over the seeds in milliseconds, and how
// many runs never got there ("missing"). With --trace, measures one trace instead, e.g. the
// merged trace of real processes (`troupe pods SCENARIO --trace FILE`).
//
//   troupe-cluster-recovery SCENARIO [--seeds N] [--first-seed S]
//   troupe-cluster-recovery SCENARIO --trace FILE

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

/// Never within the run.
constexpr std::int64_t never = -1;
/// Does not apply to this fault (e.g. shards served again after killing a pod that hosted
/// none).
constexpr std::int64_t not_applicable = -2;

/// What one kill, stop, restart or scale-up cost in one run.
struct recovery {
  std::string kind;  ///< the fault's kind
  std::string pod;   ///< the fault's pod ("" for a scale)
  std::int64_t at_ns = 0;
  std::int64_t to_unreachable_ns = not_applicable;
  std::int64_t to_converged_ns = never;
  std::int64_t to_singleton_ns = not_applicable;
  std::int64_t to_shards_served_ns = not_applicable;
  std::int64_t to_rebalanced_ns = not_applicable;
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
  void apply(const troupe::checkers::shard_event& e) {
    auto& on = hosts_[{e.type, e.shard}];
    if (e.started) on.insert(e.pod);
    else on.erase(e.pod);
  }
  /// Called before each event: remembers who hosted what when the time moves on.
  void at(std::int64_t t) {
    if (t == instant_) return;
    instant_ = t;
    hosts_at_instant_ = hosts_;
  }
  /// The shards `pod` hosted when the current instant began. (A simulated graceful stop or
  /// scale-down records the pods' shard stops before its fault event, at the same time.)
  std::set<std::pair<std::string, std::uint64_t>> shards_of(const std::string& pod) const {
    std::set<std::pair<std::string, std::uint64_t>> out;
    for (const auto& [shard, on] : hosts_at_instant_)
      if (on.contains(pod)) out.insert(shard);
    return out;
  }
  /// True when each of `shards` is hosted by a live pod. (A pod that was killed or stopped
  /// hosts nothing from then on: a later start on the same name is a new incarnation.)
  bool served(const std::set<std::pair<std::string, std::uint64_t>>& shards) const {
    for (const auto& shard : shards) {
      auto found = hosts_.find(shard);
      if (found == hosts_.end()) return false;
      if (std::none_of(found->second.begin(), found->second.end(),
                       [&](const std::string& pod) { return live_.contains(pod); }))
        return false;
    }
    return true;
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
    // A killed pod's regions end without events: it hosts nothing from now on.
    for (auto& [shard, on] : hosts_) on.erase(pod);
  }

  std::set<std::string> deployments_;
  std::set<std::string> live_, paused_;
  std::map<std::string, std::map<std::string, std::pair<std::string, bool>>> views_;
  std::string singleton_;  ///< the pod running the singleton, "" when none does
  using shard_hosts = std::map<std::pair<std::string, std::uint64_t>, std::set<std::string>>;
  shard_hosts hosts_;  ///< (type, shard) -> the pods hosting it
  shard_hosts hosts_at_instant_;
  std::int64_t instant_ = -1;
};

/// True for the faults measured: kill, stop and restart of a server pod, and a scale of a
/// server deployment.
bool measured(const troupe::checkers::fault_event& fault, const replay& state) {
  if (fault.kind == "kill" || fault.kind == "stop" || fault.kind == "restart")
    return state.server(fault.pod);
  if (fault.kind != "scale") return false;
  auto server = [&](const std::string& pod) { return state.server(pod); };
  return std::any_of(fault.added.begin(), fault.added.end(), server) ||
         std::any_of(fault.removed.begin(), fault.removed.end(), server);
}

/// One recovery per measured fault of the trace, in trace order.
std::vector<recovery> measure(const trace& events, const std::set<std::string>& deployments) {
  replay state(events, deployments);
  struct open_fault {
    std::size_t index;
    const troupe::checkers::fault_event* fault;
    std::string singleton_before;  ///< who ran the singleton just before the fault
    std::set<std::pair<std::string, std::uint64_t>> shards_before;  ///< what the pod hosted
    bool rebalancing = true;  ///< a scale-up: no later fault yet
  };
  std::vector<recovery> out;
  std::vector<open_fault> open;
  // The four kinds of event the replay reads, merged in seq order.
  std::size_t f = 0, m = 0, s = 0, h = 0;
  constexpr std::uint64_t none = ~std::uint64_t{0};
  auto next_seqs = [&] {
    return std::array<std::uint64_t, 4>{
        f < events.faults.size() ? events.faults[f].seq : none,
        m < events.members.size() ? events.members[m].seq : none,
        s < events.singletons.size() ? events.singletons[s].seq : none,
        h < events.shards.size() ? events.shards[h].seq : none};
  };
  auto time_of = [&](std::size_t stream) {
    switch (stream) {
      case 0: return events.faults[f].t;
      case 1: return events.members[m].t;
      case 2: return events.singletons[s].t;
      default: return events.shards[h].t;
    }
  };
  while (true) {
    const auto seqs = next_seqs();
    const auto next = static_cast<std::size_t>(std::min_element(seqs.begin(), seqs.end()) - seqs.begin());
    if (seqs[next] == none) break;
    const std::int64_t t = time_of(next);
    state.at(t);
    if (next == 0) {
      const auto& fault = events.faults[f++];
      const std::string before = state.singleton();
      // What the pods that go away hosted: the killed or stopped pod, or a scale-down's.
      auto shards_before = state.shards_of(fault.pod);
      for (const auto& pod : fault.removed) shards_before.merge(state.shards_of(pod));
      state.apply(fault);
      // A later fault ends the window in which shard starts count as a scale-up's rebalancing.
      for (auto& o : open) o.rebalancing = false;
      if (measured(fault, state)) {
        recovery r{fault.kind, fault.pod, fault.t};
        if (fault.kind == "kill" || fault.kind == "stop") {
          r.to_unreachable_ns = never;
          if (before == fault.pod) r.to_singleton_ns = never;
        }
        if (fault.kind != "restart" && !shards_before.empty()) r.to_shards_served_ns = never;
        if (fault.kind == "scale" && !fault.added.empty()) r.to_rebalanced_ns = never;
        open.push_back({out.size(), &fault, before, shards_before, true});
        out.push_back(r);
      }
    } else if (next == 1) {
      const auto& member = events.members[m++];
      state.apply(member);
      for (auto& o : open)
        if (member.member == o.fault->pod && member.status == "unreachable" &&
            out[o.index].to_unreachable_ns == never)
          out[o.index].to_unreachable_ns = t - o.fault->t;
    } else if (next == 2) {
      const auto& singleton = events.singletons[s++];
      state.apply(singleton);
      for (auto& o : open)
        if (singleton.started && o.singleton_before == o.fault->pod &&
            singleton.pod != o.fault->pod && out[o.index].to_singleton_ns == never)
          out[o.index].to_singleton_ns = t - o.fault->t;
    } else {
      const auto& shard = events.shards[h++];
      state.apply(shard);
      for (auto& o : open) {
        auto& r = out[o.index];
        if (r.to_shards_served_ns == never && state.served(o.shards_before))
          r.to_shards_served_ns = t - o.fault->t;
        if (shard.started && r.to_rebalanced_ns != not_applicable && o.rebalancing)
          r.to_rebalanced_ns = t - o.fault->t;
      }
    }
    // Convergence is judged after the last event of an instant.
    const auto after = next_seqs();
    const auto following = static_cast<std::size_t>(std::min_element(after.begin(), after.end()) - after.begin());
    if (after[following] != none && time_of(following) == t) continue;
    if (!state.converged()) continue;
    for (auto& o : open)
      if (out[o.index].to_converged_ns == never && t > o.fault->t)
        out[o.index].to_converged_ns = t - o.fault->t;
  }
  return out;
}

nlohmann::json summary(std::vector<std::int64_t> values) {
  std::erase(values, not_applicable);
  std::sort(values.begin(), values.end());
  const auto missing = std::count(values.begin(), values.end(), never);
  std::erase(values, never);
  if (values.empty()) return {{"missing", missing}};
  auto in_ms = [](std::int64_t ns) { return static_cast<double>(ns) / 1e6; };
  return {{"min_ms", in_ms(values.front())},
          {"median_ms", in_ms(values[values.size() / 2])},
          {"p90_ms", in_ms(values[values.size() * 9 / 10])},
          {"max_ms", in_ms(values.back())},
          {"missing", missing}};
}

/// The figures of fault `k` over all runs; figures that apply to no run are left out.
nlohmann::json fault_entry(const std::vector<std::vector<recovery>>& runs, std::size_t k) {
  const recovery* first = nullptr;
  std::map<std::string, std::vector<std::int64_t>> figures;
  for (const auto& run : runs) {
    if (k >= run.size()) continue;
    const recovery& r = run[k];
    if (first == nullptr) first = &r;
    figures["to_unreachable"].push_back(r.to_unreachable_ns);
    figures["to_converged"].push_back(r.to_converged_ns);
    figures["to_singleton_elsewhere"].push_back(r.to_singleton_ns);
    figures["to_shards_served"].push_back(r.to_shards_served_ns);
    figures["to_rebalanced"].push_back(r.to_rebalanced_ns);
  }
  nlohmann::json entry = {{"fault", first->kind}, {"at_ms", first->at_ns / 1'000'000}};
  if (!first->pod.empty()) entry["pod"] = first->pod;
  for (auto& [name, values] : figures)
    if (std::any_of(values.begin(), values.end(), [](auto v) { return v != not_applicable; }))
      entry[name] = summary(std::move(values));
  return entry;
}

int usage() {
  std::cerr << "usage: troupe-cluster-recovery SCENARIO [--seeds N] [--first-seed S]\n"
               "       troupe-cluster-recovery SCENARIO --trace FILE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc % 2 != 0) return usage();
  const std::string file = argv[1];
  int seeds = 100;
  std::uint64_t first = 0;
  std::string trace_file;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seeds") seeds = std::atoi(argv[i + 1]);
    else if (flag == "--first-seed") first = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--trace") trace_file = argv[i + 1];
    else {
      std::cerr << "unknown option " << flag << "\n";
      return usage();
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
  std::set<std::string> deployments;
  for (const auto& d : s.deployments)
    if (d.role == "server") deployments.insert(d.name);
  std::vector<std::vector<recovery>> runs;
  int failed = 0;
  nlohmann::json report = {{"scenario", s.name}};
  if (!trace_file.empty()) {
    auto parsed = troupe::checkers::read_trace_file(trace_file);
    if (!parsed.ok()) {
      std::cerr << trace_file << ": " << parsed.failure().to_string() << "\n";
      return 3;
    }
    runs.push_back(measure(parsed.value(), deployments));
    report["trace"] = trace_file;
    report["platform"] = parsed.value().header.platform;
  } else {
    if (first == 0) first = s.seed;
    for (int i = 0; i < seeds; ++i) {
      s.seed = first + static_cast<std::uint64_t>(i);
      std::vector<std::string> lines;
      const auto result = troupe::harness::run_scenario(s, {"", &lines});
      failed += !result.passed();
      auto parsed = troupe::checkers::read_trace_lines(lines);
      if (!parsed.ok()) {
        std::cerr << "seed " << s.seed << ": " << parsed.failure().to_string() << "\n";
        return 3;
      }
      runs.push_back(measure(parsed.value(), deployments));
    }
    report["seeds"] = seeds;
    report["first_seed"] = first;
    report["runs_failing_a_property"] = failed;
  }
  nlohmann::json faults = nlohmann::json::array();
  std::size_t count = 0;
  for (const auto& run : runs) count = std::max(count, run.size());
  for (std::size_t k = 0; k < count; ++k) faults.push_back(fault_entry(runs, k));
  report["faults"] = faults;
  std::cout << report.dump(2) << "\n";
  return failed == 0 ? 0 : 1;
}
