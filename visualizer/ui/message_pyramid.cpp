#include "message_pyramid.hpp"

#include <algorithm>

namespace troupe::viz {

namespace {

// Folds `entry` into the entries of the current send bin (`group` indexes into `out`).
void fold(std::vector<pyramid_entry>& out, std::vector<std::size_t>& group,
          const pyramid_entry& entry) {
  if (!out.empty() && out.back().send_bin != entry.send_bin) group.clear();
  for (const std::size_t index : group) {
    pyramid_entry& existing = out[index];
    if (existing.end_bin == entry.end_bin && existing.from_pod == entry.from_pod &&
        existing.to_pod == entry.to_pod) {
      existing.count += entry.count;
      existing.dropped = existing.dropped || entry.dropped;
      existing.first_message = std::min(existing.first_message, entry.first_message);
      return;
    }
  }
  group.push_back(out.size());
  out.push_back(entry);
}

}  // namespace

std::uint64_t message_pyramid::message_count() const {
  std::uint64_t count = 0;
  if (levels.empty()) return 0;
  for (const pyramid_entry& entry : levels.front()) count += entry.count;
  return count;
}

message_pyramid build_message_pyramid(const trace& t, const trace_model::trace_filter& filter) {
  message_pyramid pyramid;
  pyramid.origin_ns = t.start_ns;
  pyramid.bin_ns_level0 = std::max<std::int64_t>(1, (t.end_ns - t.start_ns) / pyramid_bins_level0 + 1);
  std::vector<pyramid_entry> level;
  std::vector<std::size_t> group;
  for (std::uint32_t i = 0; i < t.messages.size(); ++i) {
    const trace_model::message_record& m = t.messages[i];
    if (m.latency_ns() > t.short_message_ns_max || !filter.message_visible(t, m)) continue;
    pyramid_entry entry;
    entry.send_bin = (m.send_t_ns - pyramid.origin_ns) / pyramid.bin_ns_level0;
    entry.end_bin = (m.end_t_ns - pyramid.origin_ns) / pyramid.bin_ns_level0;
    entry.first_message = i;
    entry.count = 1;
    entry.from_pod = m.from_pod;
    entry.to_pod = m.to_pod;
    entry.dropped = m.status == trace_model::message_status::dropped;
    fold(level, group, entry);
  }
  pyramid.levels.push_back(std::move(level));
  while (pyramid.levels.back().size() >= pyramid_entries_min &&
         pyramid.bin_ns(pyramid.levels.size() - 1) < t.end_ns - t.start_ns) {
    std::vector<pyramid_entry> coarser;
    group.clear();
    for (pyramid_entry entry : pyramid.levels.back()) {
      entry.send_bin /= 2;
      entry.end_bin /= 2;
      fold(coarser, group, entry);
    }
    pyramid.levels.push_back(std::move(coarser));
  }
  return pyramid;
}

}  // namespace troupe::viz
