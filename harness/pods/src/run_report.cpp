#include "troupe/pods/run_report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "troupe/pods/verdicts.hpp"
#include "troupe/simnet/duration.hpp"

namespace troupe::pods {

namespace {

using json = nlohmann::ordered_json;

void print_summary(const scenario::scenario& s, const run_record& record,
                   const merge_result& merged, std::size_t after_duration,
                   const checked_trace& checked) {
  std::printf("scenario %s  platform %s  app %s\n", s.name.c_str(), record.platform.c_str(),
              s.app.c_str());
  std::printf("  %zu pods, %zu node traces merged: %llu trace events, %zu faults played",
              record.pods, record.traces.size(), static_cast<unsigned long long>(merged.events),
              record.runner_events.size());
  if (after_duration > 0)
    std::printf(" (%zu after the duration, the pods' shutdown, left out)", after_duration);
  if (merged.truncated_lines > 0)
    std::printf(", %llu cut-short lines of killed pods skipped",
                static_cast<unsigned long long>(merged.truncated_lines));
  std::printf("\n  %zu operations, %zu ok; ran %s in %.2f s wall", checked.operations,
              checked.operations_ok, sim::format_duration(s.duration_ns).c_str(),
              record.wall_seconds);
  if (record.ready_seconds) std::printf(" (pods ready after %.2f s)", *record.ready_seconds);
  std::printf(", faults at most %.0f ms late\n", static_cast<double>(record.lateness_ns_max) / 1e6);
  for (const auto& u : record.not_played)
    std::printf("  not played on %s: %s\n", record.platform_name.c_str(), u.c_str());
  for (const auto& v : checked.verdicts)
    std::printf("  %-28s %s%s%s\n", v.property.c_str(), v.ok ? "holds" : "FAILED",
                v.message.empty() ? "" : ": ", v.message.c_str());
}

}  // namespace

int judge_run(const scenario::scenario& s, const run_record& record,
              const std::string& trace_path) {
  json header{{"format", "troupe-trace"},
              {"version", 1},
              {"seed", 0},
              {"scenario", s.name},
              {"build", TROUPE_BUILD_ID},
              {"platform", record.platform},
              {"pods", s.initial_pods()},
              {"epoch_ns", record.epoch_ns}};
  auto merged = merge_traces(header, record.runner_events, record.traces, record.epoch_ns);
  std::string error = record.error;
  checked_trace checked;
  // A simulated run ends at the scenario's duration; here the pods are stopped after it. Their
  // shutdown (goodbyes, members leaving) is not part of the scenario, so the trace ends at
  // the duration too: events are sorted by time, the later ones are the tail.
  std::size_t after_duration = 0;
  while (merged.lines.size() > 1 &&
         json::parse(merged.lines.back()).value("t", std::int64_t{0}) > s.duration_ns) {
    merged.lines.pop_back();
    ++after_duration;
  }
  merged.events -= after_duration;
  if (!merged.error.empty()) {
    if (error.empty()) error = "merging the traces: " + merged.error;
  } else if (error.empty()) {
    const std::int64_t end_ns = std::max<std::int64_t>(s.duration_ns, 0);
    std::int64_t last_t = 0;
    if (merged.lines.size() > 1)
      last_t = json::parse(merged.lines.back()).value("t", std::int64_t{0});
    checked = check_trace(s, merged.lines, std::max(end_ns, last_t));
    error = checked.error;
  }
  print_summary(s, record, merged, after_duration, checked);
  if (!error.empty()) std::printf("  error: %s\n", error.c_str());
  if (!trace_path.empty() && !merged.lines.empty()) {
    std::ofstream out(trace_path);
    for (const auto& line : merged.lines) out << line << '\n';
    out.close();
    if (!out) {
      std::printf("  error: could not write the trace to '%s'\n", trace_path.c_str());
      return run_exit_internal;
    }
    std::printf("  trace written to %s\n", trace_path.c_str());
  }
  std::fflush(stdout);
  if (!error.empty()) return run_exit_internal;
  for (const auto& v : checked.verdicts)
    if (!v.ok) return run_exit_property_failed;
  return run_exit_ok;
}

}  // namespace troupe::pods
