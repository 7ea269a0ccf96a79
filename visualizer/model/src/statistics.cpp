#include "troupe/trace_model/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace troupe::trace_model {

std::int64_t percentile(std::vector<std::int64_t>& values, double p) {
  if (values.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * values.size()));
  const std::size_t index = std::clamp<std::size_t>(rank, 1, values.size()) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index),
                   values.end());
  return values[index];
}

std::vector<type_statistics> compute_statistics(const trace& t, const trace_filter& filter) {
  struct accumulator {
    type_statistics stats;
    std::vector<std::int64_t> latencies;
    std::map<std::string_view, std::pair<string_id, std::uint64_t>> drops;
  };
  std::vector<accumulator> by_type(t.names.size());
  std::vector<bool> used(t.names.size(), false);
  for (std::size_t i = 0; i < t.messages.size(); ++i) {
    const message_record& m = t.messages[i];
    if (!filter.message_visible(t, m)) continue;
    accumulator& a = by_type[m.type];
    used[m.type] = true;
    // One send may have several records (duplicates): count the send once, on its first.
    if (t.events[m.send_event].record == i) ++a.stats.sent;
    switch (m.status) {
      case message_status::delivered:
        ++a.stats.delivered;
        a.latencies.push_back(m.latency_ns());
        break;
      case message_status::dropped: {
        ++a.stats.dropped;
        auto& entry = a.drops[t.name(m.drop_reason)];
        entry.first = m.drop_reason;
        ++entry.second;
        break;
      }
      case message_status::unfinished:
        ++a.stats.unfinished;
        break;
    }
  }
  std::vector<type_statistics> result;
  for (const string_id type : t.message_types) {
    if (!used[type]) continue;
    accumulator& a = by_type[type];
    a.stats.type = type;
    a.stats.latency_p50_ns = percentile(a.latencies, 50);
    a.stats.latency_p90_ns = percentile(a.latencies, 90);
    a.stats.latency_p99_ns = percentile(a.latencies, 99);
    a.stats.latency_max_ns = percentile(a.latencies, 100);
    for (const auto& [name, entry] : a.drops) a.stats.drops_by_reason.push_back(entry);
    result.push_back(std::move(a.stats));
  }
  return result;
}

}  // namespace troupe::trace_model
