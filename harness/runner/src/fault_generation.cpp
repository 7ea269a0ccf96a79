// Generated fault schedules (fault_generation.hpp).

#include "troupe/harness/fault_generation.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace troupe::harness {
namespace {

using sim::fault;
using sim::fault_kind;

constexpr std::int64_t ns_per_ms = 1'000'000;

/// Server pods at most: the scaled deployment at its `max`, the others as they start.
std::size_t servers_max(const scenario::scenario& base) {
  std::size_t count = 0;
  const auto& scale = base.generator->scale;
  for (const auto& d : base.deployments)
    if (d.role == "server")
      count +=
          static_cast<std::size_t>(scale && d.name == scale->deployment ? scale->max : d.replicas);
  return count;
}

rc::Gen<episode> episode_gen(const scenario::scenario& base) {
  const auto& g = *base.generator;
  const std::int64_t window_ms =
      std::max<std::int64_t>(1, (g.window_end_ns - g.window_start_ns) / ns_per_ms);
  auto kind = rc::gen::elementOf(g.kinds);
  auto at = rc::gen::inRange<std::int64_t>(0, window_ms);
  auto length = rc::gen::inRange<std::int64_t>(1, window_ms + 1);
  // `pod` indexes the pods that exist throughout an episode, which may be more or fewer than
  // at the start (materialize takes it modulo their number), so it ranges over the pods of
  // the largest scale, as a partition's sides do.
  const std::size_t most = servers_max(base);
  return rc::gen::apply(
      [](fault_kind k, std::int64_t a, std::int64_t l, std::size_t p, std::vector<bool> side,
         int replicas) { return episode{k, a, l, p, std::move(side), replicas}; },
      kind, at, length, rc::gen::inRange<std::size_t>(0, most),
      rc::gen::container<std::vector<bool>>(most, rc::gen::arbitrary<bool>()),
      g.scale ? rc::gen::inRange(g.scale->min, g.scale->max + 1) : rc::gen::just(0));
}

/// A generated scale fault's time and count, in the order of the case's episodes.
struct scale_step {
  std::int64_t at_ns = 0;
  int replicas = 0;
};

/// The server pods that exist at every moment of [from_ns, to_ns], whichever order faults
/// of one time run in: the scaled deployment counts the fewest replicas it has in that span
/// (its count just before `from_ns`, and every count set within the span).
std::vector<std::string> servers_during(const scenario::scenario& base,
                                        const std::vector<scale_step>& steps, std::int64_t from_ns,
                                        std::int64_t to_ns) {
  const auto& scale = base.generator->scale;
  std::vector<std::string> pods;
  for (const auto& d : base.deployments) {
    if (d.role != "server") continue;
    int count = d.replicas;
    if (scale && d.name == scale->deployment) {
      std::int64_t last_before = -1;  // the latest step strictly before the span sets the count
      for (const auto& step : steps)
        if (step.at_ns < from_ns && step.at_ns >= last_before) {
          last_before = step.at_ns;
          count = step.replicas;
        }
      for (const auto& step : steps)
        if (step.at_ns >= from_ns && step.at_ns <= to_ns) count = std::min(count, step.replicas);
    }
    for (int i = 0; i < count; ++i) pods.push_back(d.name + "-" + std::to_string(i));
  }
  return pods;
}

/// The two sides of a generated partition of `servers`; a one-sided split isolates `pod`.
std::vector<std::vector<std::string>> partition_groups(const std::vector<std::string>& servers,
                                                       const std::vector<bool>& side,
                                                       const std::string& pod) {
  std::vector<std::string> a, b;
  for (std::size_t i = 0; i < servers.size(); ++i) (side[i] ? a : b).push_back(servers[i]);
  if (a.empty() || b.empty()) {
    a = {pod};
    b.clear();
    for (const auto& p : servers)
      if (p != pod) b.push_back(p);
  }
  return {a, b};
}

/// Appends the faults of one episode that is not a scale: its fault and, if it has one, its
/// end after the generated length (at the latest at the window's end).
void add_episode(const scenario::scenario& base, const std::vector<scale_step>& steps,
                 const episode& e, std::vector<fault>& faults) {
  const auto& g = *base.generator;
  fault f;
  f.at_ns = g.window_start_ns + e.at_ms * ns_per_ms;
  f.kind = e.kind;
  const auto undo = episode_end(e.kind);
  const std::int64_t end_ns =
      undo ? std::min(g.window_end_ns, f.at_ns + e.length_ms * ns_per_ms) : f.at_ns;
  // A partition names its pods at its own time only; the heal names none.
  const auto servers =
      servers_during(base, steps, f.at_ns, e.kind == fault_kind::partition ? f.at_ns : end_ns);
  if (servers.empty()) return;
  const std::string pod = servers[e.pod % servers.size()];
  if (e.kind == fault_kind::partition) {
    if (servers.size() < 2) return;  // nothing to split
    f.groups = partition_groups(servers, e.side, pod);
  } else if (e.kind != fault_kind::heal) {
    f.pod = pod;
  }
  if (e.kind == fault_kind::skew) {
    f.offset_ns = (e.length_ms % 2000 - 1000) * ns_per_ms;
    f.rate = 1.0 + static_cast<double>(e.length_ms % 5) * 0.25;
  }
  faults.push_back(f);
  if (undo) {
    fault u;
    u.kind = *undo;
    u.at_ns = end_ns;
    u.pod = e.kind == fault_kind::partition ? "" : f.pod;
    faults.push_back(u);
  }
}

}  // namespace

std::optional<fault_kind> episode_end(fault_kind kind) {
  switch (kind) {
    case fault_kind::partition:
      return fault_kind::heal;
    case fault_kind::kill:
    case fault_kind::stop:
      return fault_kind::restart;
    case fault_kind::pause:
      return fault_kind::resume;
    default:
      return std::nullopt;
  }
}

rc::Gen<generated_case> case_gen(const scenario::scenario& base) {
  const auto& g = *base.generator;
  // The size `max_faults` bounds the number of episodes, but RapidCheck's integer generators
  // scale their range with the size too: at size 4 an episode's time would be drawn from the
  // first 4% of the window and its pod index and replica count would stay at their lowest.
  // Each episode is therefore drawn at full size: times over the whole window, every pod,
  // every count in min..max.
  const auto element = rc::gen::resize(rc::kNominalSize, episode_gen(base));
  // RapidCheck shrinks a container by removing elements and by shrinking each element, so
  // a failing case loses faults first, then moves and shortens the ones it keeps.
  auto episodes = rc::gen::suchThat(
      rc::gen::resize(g.max_faults, rc::gen::container<std::vector<episode>>(element)),
      [max = static_cast<std::size_t>(g.max_faults)](const std::vector<episode>& e) {
        return !e.empty() && e.size() <= max;
      });
  return rc::gen::apply(
      [](std::vector<episode> e, int clients) {
        return generated_case{std::move(e), clients};
      },
      episodes, rc::gen::inRange(1, std::max(1, base.workload.clients) + 1));
}

scenario::scenario materialize(const scenario::scenario& base, const generated_case& c,
                               std::uint64_t seed) {
  scenario::scenario s = base;
  s.seed = seed;
  s.generator.reset();
  s.workload.clients = c.clients;
  s.faults.clear();
  const auto& g = *base.generator;
  std::vector<scale_step> steps;
  for (const auto& e : c.episodes) {
    if (e.kind != fault_kind::scale || !g.scale) continue;
    fault f;
    f.at_ns = g.window_start_ns + e.at_ms * ns_per_ms;
    f.kind = fault_kind::scale;
    f.deployment = g.scale->deployment;
    f.replicas = std::clamp(e.replicas, g.scale->min, g.scale->max);
    steps.push_back({f.at_ns, f.replicas});
    s.faults.push_back(f);
  }
  for (const auto& e : c.episodes)
    if (e.kind != fault_kind::scale) add_episode(base, steps, e, s.faults);
  std::stable_sort(s.faults.begin(), s.faults.end(),
                   [](const fault& a, const fault& b) { return a.at_ns < b.at_ns; });
  return s;
}

}  // namespace troupe::harness
