#include "diagram_scene.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "troupe/trace_model/json_line.hpp"

namespace troupe::viz {

using trace_model::event;
using trace_model::event_kind;
using trace_model::fault_kind;
using trace_model::message_record;
using trace_model::message_status;
using trace_model::no_index;

std::vector<std::uint32_t> type_palette(const trace& t) {
  std::vector<std::uint32_t> palette(t.names.size(), 0);
  for (std::size_t i = 0; i < t.message_types.size(); ++i) {
    palette[t.message_types[i]] = static_cast<std::uint32_t>(i);
  }
  return palette;
}

namespace {

causal_tint tint_of_event(const trace& t, const viewer_state& state, std::uint32_t index) {
  if (state.selected_event == no_index || index == no_index) return causal_tint::none;
  if (index == state.selected_event) return causal_tint::selected;
  if (state.cone.in_past(t, index)) return causal_tint::past;
  if (state.cone.in_future(t, index)) return causal_tint::future;
  return causal_tint::unrelated;
}

causal_tint tint_of_message(const trace& t, const viewer_state& state, const message_record& m) {
  if (state.selected_event == no_index) return causal_tint::none;
  if (m.send_event == state.selected_event || m.end_event == state.selected_event) {
    return causal_tint::selected;
  }
  // A message is in the past when its delivery is; in the future when its send is.
  if (m.end_event != no_index && state.cone.in_past(t, m.end_event)) return causal_tint::past;
  if (state.cone.in_future(t, m.send_event)) return causal_tint::future;
  return causal_tint::unrelated;
}

void add_lane_spans(const trace& t, const diagram_layout& layout, diagram_scene& scene) {
  const auto clip = [&](const trace_model::interval& span, float y, span_style style) {
    if (!span.overlaps(layout.view.t0_ns, layout.view.t1_ns)) return;
    const float x0 = std::max(layout.plot_left, layout.x_of(span.from_ns));
    const float x1 = std::min(layout.plot_right, layout.x_of(span.until_ns));
    if (x1 > x0) scene.spans.push_back({x0, x1, y, style});
  };
  for (const lane_layout& lane : layout.lanes) {
    const trace_model::pod_info& pod = t.pods[lane.pod];
    for (const auto& span : pod.present) clip(span, lane.y, span_style::alive);
    for (const auto& span : pod.down) clip(span, lane.y, span_style::down);
    for (const auto& span : pod.paused) clip(span, lane.y, span_style::paused);
  }
}

// A band between neighbouring pod lanes that the partition separates.
void add_partition_bands(const trace& t, const diagram_layout& layout, diagram_scene& scene) {
  std::vector<int> group(t.pods.size());
  for (const trace_model::fault_info& fault : t.faults) {
    if (fault.kind != fault_kind::partition) continue;
    const std::int64_t from = t.events[fault.event].t_ns;
    if (from > layout.view.t1_ns || fault.until_ns < layout.view.t0_ns) continue;
    std::fill(group.begin(), group.end(), -1);
    if (fault.groups.empty()) {
      for (const pod_index pod : fault.from) group[pod] = 0;
      for (const pod_index pod : fault.to) group[pod] = 1;
    } else {
      for (std::size_t g = 0; g < fault.groups.size(); ++g) {
        for (const pod_index pod : fault.groups[g]) group[pod] = static_cast<int>(g);
      }
    }
    const float x0 = std::max(layout.plot_left, layout.x_of(from));
    const float x1 = std::min(layout.plot_right, layout.x_of(fault.until_ns));
    const lane_layout* previous = nullptr;
    for (const lane_layout& lane : layout.lanes) {
      if (lane.actor != no_index) continue;
      if (previous != nullptr && group[previous->pod] >= 0 && group[lane.pod] >= 0 &&
          group[previous->pod] != group[lane.pod]) {
        const float gap = lane.y - previous->y;
        scene.bands.push_back({x0, std::max(x0 + 2, x1), previous->y + gap * 0.2f,
                               lane.y - gap * 0.2f, !fault.groups.empty() ? false : fault.one_way});
      }
      previous = &lane;
    }
  }
}

// Merges arrows per (from lane, to lane) that fall in the same send and end columns. Messages
// come in send order, so each lane pair only needs its few most recent arrows at hand.
class arrow_merger {
 public:
  arrow_merger(diagram_scene& scene, std::size_t lane_count, float width)
      : scene_(scene), lane_count_(lane_count), width_(width),
        recent_(lane_count * lane_count) {}

  void add(const scene_arrow& arrow, int from_lane, int to_lane) {
    const int send_column = static_cast<int>(std::floor(arrow.x0 / width_));
    const int end_column = static_cast<int>(std::floor(arrow.x1 / width_));
    auto& recent = recent_[static_cast<std::size_t>(from_lane) * lane_count_ +
                           static_cast<std::size_t>(to_lane)];
    for (const open_arrow& open : recent) {
      if (open.index >= 0 && open.send_column == send_column && open.end_column == end_column) {
        scene_arrow& existing = scene_.arrows[static_cast<std::size_t>(open.index)];
        existing.count += arrow.count;
        // A merged arrow that lost any message shows as a drop.
        if (arrow.status == message_status::dropped) existing.status = message_status::dropped;
        return;
      }
    }
    recent[next_slot_++ % recent.size()] = {static_cast<int>(scene_.arrows.size()), send_column,
                                            end_column};
    scene_.arrows.push_back(arrow);
  }

 private:
  struct open_arrow {
    int index = -1;
    int send_column = 0;
    int end_column = 0;
  };
  diagram_scene& scene_;
  std::size_t lane_count_;
  float width_;
  std::vector<std::array<open_arrow, 4>> recent_;
  std::size_t next_slot_ = 0;
};

// Column width so that (columns x lane pairs) stays within the arrow budget.
float merge_width(const diagram_layout& layout, std::size_t pairs) {
  const float plot_width = std::max(1.0f, layout.plot_right - layout.plot_left);
  const float columns =
      std::max(1.0f, static_cast<float>(scene_merged_arrows_max) /
                         static_cast<float>(std::max<std::size_t>(1, pairs)) / 2);
  return std::max(scene_merge_pixels, plot_width / columns);
}

// Messages sent in [t0 - short max, t1], whatever the filter: an upper bound on those in view.
std::size_t messages_near_view(const trace& t, const diagram_layout& layout) {
  const auto by_send = [](const message_record& m, std::int64_t time) { return m.send_t_ns < time; };
  const auto first = std::lower_bound(t.messages.begin(), t.messages.end(),
                                      layout.view.t0_ns - t.short_message_ns_max, by_send);
  const auto last = std::lower_bound(first, t.messages.end(), layout.view.t1_ns + 1, by_send);
  return static_cast<std::size_t>(last - first) + t.long_messages.size();
}

// The zoomed-out path: arrows from pyramid bins, plus the long messages one by one. Returns
// false (leaving the scene untouched) when too few messages are in view to merge.
bool add_arrows_from_pyramid(const trace& t, const viewer_state& state,
                             const diagram_layout& layout, const message_pyramid& pyramid,
                             const std::vector<std::uint32_t>& palette, diagram_scene& scene) {
  const std::size_t lane_count = layout.lanes.size();
  const float width = merge_width(layout, lane_count * lane_count);
  std::size_t level = 0;
  while (level + 1 < pyramid.levels.size() &&
         static_cast<double>(pyramid.bin_ns(level + 1)) * layout.pixels_per_ns <= width) {
    ++level;
  }
  const std::int64_t bin = pyramid.bin_ns(level);
  const std::vector<pyramid_entry>& entries = pyramid.levels[level];
  const std::int64_t first_bin =
      (layout.view.t0_ns - t.short_message_ns_max - pyramid.origin_ns) / bin - 1;
  const std::int64_t last_bin = (layout.view.t1_ns - pyramid.origin_ns) / bin;
  auto it = std::lower_bound(entries.begin(), entries.end(), first_bin,
                             [](const pyramid_entry& e, std::int64_t b) { return e.send_bin < b; });
  std::vector<scene_arrow> arrows;
  std::vector<std::pair<int, int>> lanes_of;
  std::size_t counted = 0;
  for (; it != entries.end() && it->send_bin <= last_bin; ++it) {
    const int from = layout.lane_of_pod[it->from_pod];
    const int to = layout.lane_of_pod[it->to_pod];
    const std::int64_t end_ns = pyramid.origin_ns + (it->end_bin + 1) * bin;
    if (from < 0 || to < 0 || end_ns < layout.view.t0_ns) continue;
    scene_arrow arrow;
    arrow.x0 = layout.x_of(pyramid.origin_ns + it->send_bin * bin + bin / 2);
    arrow.x1 = layout.x_of(pyramid.origin_ns + it->end_bin * bin + bin / 2);
    arrow.y0 = layout.lanes[static_cast<std::size_t>(from)].y;
    arrow.y1 = layout.lanes[static_cast<std::size_t>(to)].y;
    arrow.message = it->first_message;
    arrow.count = it->count;
    arrow.palette = palette[t.messages[it->first_message].type];
    arrow.status = it->dropped ? message_status::dropped : message_status::delivered;
    arrows.push_back(arrow);
    lanes_of.emplace_back(from, to);
    counted += it->count;
  }
  for (const std::uint32_t i : t.long_messages) {
    const message_record& m = t.messages[i];
    if (m.send_t_ns > layout.view.t1_ns || m.end_t_ns < layout.view.t0_ns) continue;
    const int from = layout.lane_for(m.from_pod, m.from_actor);
    const int to = layout.lane_for(m.to_pod, m.to_actor);
    if (from < 0 || to < 0 || !state.filter.message_visible(t, m)) continue;
    arrows.push_back({layout.x_of(m.send_t_ns), layout.lanes[static_cast<std::size_t>(from)].y,
                      layout.x_of(m.end_t_ns), layout.lanes[static_cast<std::size_t>(to)].y, i, 1,
                      palette[m.type], m.status, causal_tint::none});
    lanes_of.emplace_back(from, to);
    ++counted;
  }
  if (counted <= scene_detail_messages_max) return false;
  scene.visible_messages = counted;
  scene.merged = true;
  arrow_merger merger(scene, lane_count, width);
  for (std::size_t i = 0; i < arrows.size(); ++i) {
    merger.add(arrows[i], lanes_of[i].first, lanes_of[i].second);
  }
  return true;
}

void add_arrows(const trace& t, const viewer_state& state, const diagram_layout& layout,
                const message_pyramid* pyramid, const std::vector<std::uint32_t>& palette,
                diagram_scene& scene) {
  // Bins count pods, not actors: with an expanded pod, walk the messages.
  const bool pods_only = std::none_of(layout.lane_of_actor.begin(), layout.lane_of_actor.end(),
                                      [](int lane) { return lane >= 0; });
  if (pyramid != nullptr && !pyramid->levels.empty() && pods_only &&
      messages_near_view(t, layout) > scene_detail_messages_max &&
      add_arrows_from_pyramid(t, state, layout, *pyramid, palette, scene)) {
    return;
  }
  struct visible_message {
    std::uint32_t index;
    int from_lane;
    int to_lane;
  };
  std::vector<visible_message> visible;
  const std::size_t lane_count = layout.lanes.size();
  std::vector<std::uint8_t> pair_used(lane_count * lane_count, 0);
  std::size_t pairs = 0;
  t.for_each_message_overlapping(layout.view.t0_ns, layout.view.t1_ns, [&](std::uint32_t i) {
    const message_record& m = t.messages[i];
    const int from = layout.lane_for(m.from_pod, m.from_actor);
    const int to = layout.lane_for(m.to_pod, m.to_actor);
    if (from < 0 || to < 0 || !state.filter.message_visible(t, m)) return;
    visible.push_back({i, from, to});
    std::uint8_t& used = pair_used[static_cast<std::size_t>(from) * lane_count +
                                   static_cast<std::size_t>(to)];
    pairs += used == 0 ? 1 : 0;
    used = 1;
  });
  scene.visible_messages = visible.size();
  scene.merged = visible.size() > scene_detail_messages_max;
  arrow_merger merger(scene, lane_count, merge_width(layout, pairs));
  for (const visible_message& v : visible) {
    const message_record& m = t.messages[v.index];
    scene_arrow arrow;
    arrow.x0 = layout.x_of(m.send_t_ns);
    arrow.x1 = layout.x_of(m.end_t_ns);
    arrow.y0 = layout.lanes[static_cast<std::size_t>(v.from_lane)].y;
    arrow.y1 = layout.lanes[static_cast<std::size_t>(v.to_lane)].y;
    arrow.message = v.index;
    arrow.palette = palette[m.type];
    arrow.status = m.status;
    if (scene.merged) {
      merger.add(arrow, v.from_lane, v.to_lane);
    } else {
      arrow.tint = tint_of_message(t, state, m);
      scene.arrows.push_back(arrow);
    }
  }
}

int mark_priority(const event& e) {
  switch (e.kind) {
    case event_kind::fault:
    case event_kind::crash: return 3;
    case event_kind::drop:
    case event_kind::restart:
    case event_kind::stop: return 2;
    default: return 1;
  }
}

void add_marks(const trace& t, const viewer_state& state, const diagram_layout& layout,
               diagram_scene& scene) {
  const auto first = std::partition_point(
      t.mark_events.begin(), t.mark_events.end(),
      [&](std::uint32_t i) { return t.events[i].t_ns < layout.view.t0_ns; });
  // The last mark per lane, to merge marks that fall on the same pixel.
  std::vector<int> last_on_lane(layout.lanes.size(), -1);
  for (auto it = first; it != t.mark_events.end(); ++it) {
    const std::uint32_t index = *it;
    const event& e = t.events[index];
    if (e.t_ns > layout.view.t1_ns) break;
    if (!state.filter.event_visible(t, e)) continue;
    const float x = layout.x_of(e.t_ns);
    if (e.kind == event_kind::verdict || e.pod == trace_model::no_pod) {
      if (e.kind == event_kind::fault && e.fault == fault_kind::scale) {
        scene.vlines.push_back({x, vline_kind::scale, index, std::string(t.text(e.text))});
      }
      continue;
    }
    const int lane = layout.lane_for(e.pod, e.actor);
    if (lane < 0) continue;
    scene_mark mark{x, layout.lanes[static_cast<std::size_t>(lane)].y, index, 1, e.kind,
                    e.fault, tint_of_event(t, state, index)};
    int& last = last_on_lane[static_cast<std::size_t>(lane)];
    if (last >= 0) {
      scene_mark& previous = scene.marks[static_cast<std::size_t>(last)];
      if (std::floor(previous.x / scene_merge_pixels) == std::floor(x / scene_merge_pixels)) {
        ++previous.count;
        if (mark_priority(e) > mark_priority(t.events[previous.event])) {
          const std::uint32_t count = previous.count;
          previous = mark;
          previous.count = count;
        }
        continue;
      }
    }
    last = static_cast<int>(scene.marks.size());
    scene.marks.push_back(mark);
  }
  for (const trace_model::verdict_info& verdict : t.verdicts) {
    if (verdict.ok) continue;
    const std::uint32_t at = verdict.at_event != no_index ? verdict.at_event : verdict.event;
    const std::int64_t at_t = t.events[at].t_ns;
    if (at_t < layout.view.t0_ns || at_t > layout.view.t1_ns) continue;
    scene.vlines.push_back({layout.x_of(at_t), vline_kind::failed_verdict, at,
                            std::string(t.name(verdict.property)) + " failed"});
  }
}

}  // namespace

diagram_scene build_scene(const trace& t, const viewer_state& state, const diagram_layout& layout,
                          const std::vector<std::uint32_t>& palette,
                          const message_pyramid* pyramid) {
  diagram_scene scene;
  add_lane_spans(t, layout, scene);
  add_partition_bands(t, layout, scene);
  add_arrows(t, state, layout, pyramid, palette, scene);
  add_marks(t, state, layout, scene);
  return scene;
}

std::vector<scene_flight> build_flights(const trace& t, const viewer_state& state,
                                        const diagram_layout& layout,
                                        const std::vector<std::uint32_t>& palette) {
  std::vector<scene_flight> flights;
  const std::int64_t now = state.cursor_ns;
  t.for_each_message_overlapping(now, now, [&](std::uint32_t i) {
    const message_record& m = t.messages[i];
    if (flights.size() >= scene_flights_max) return;
    if (!(m.send_t_ns <= now && now < m.end_t_ns)) return;
    const int from = layout.lane_for(m.from_pod, m.from_actor);
    const int to = layout.lane_for(m.to_pod, m.to_actor);
    if (from < 0 || to < 0 || !state.filter.message_visible(t, m)) return;
    const double fraction = static_cast<double>(now - m.send_t_ns) /
                            static_cast<double>(std::max<std::int64_t>(1, m.latency_ns()));
    const float y0 = layout.lanes[static_cast<std::size_t>(from)].y;
    const float y1 = layout.lanes[static_cast<std::size_t>(to)].y;
    flights.push_back({layout.x_of(now), y0 + static_cast<float>(fraction) * (y1 - y0), i,
                       palette[m.type]});
  });
  return flights;
}

std::uint32_t pick_event(const trace& t, const diagram_scene& scene, float x, float y,
                         float radius) {
  std::uint32_t best = no_index;
  float best_distance = radius * radius;
  const auto consider = [&](float px, float py, std::uint32_t event_index) {
    const float distance = (px - x) * (px - x) + (py - y) * (py - y);
    if (event_index != no_index && distance <= best_distance) {
      best_distance = distance;
      best = event_index;
    }
  };
  for (const scene_arrow& arrow : scene.arrows) {
    if (arrow.message == no_index) continue;
    const message_record& m = t.messages[arrow.message];
    consider(arrow.x0, arrow.y0, m.send_event);
    consider(arrow.x1, arrow.y1, m.end_event);
  }
  for (const scene_mark& mark : scene.marks) consider(mark.x, mark.y, mark.event);
  return best;
}

std::string describe_scene_json(const trace& t, const diagram_layout& layout,
                                const diagram_scene& scene,
                                const std::vector<scene_flight>& flights) {
  std::string out = "{\"view\":[" + std::to_string(layout.view.t0_ns) + "," +
                    std::to_string(layout.view.t1_ns) + "],\"plot\":[" +
                    std::to_string(layout.plot_left) + "," + std::to_string(layout.lanes_top) +
                    "," + std::to_string(layout.plot_right) + "," +
                    std::to_string(layout.bottom) + "],\"lanes\":[";
  for (std::size_t i = 0; i < layout.lanes.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"label\":";
    trace_model::append_json_string(out, layout.lanes[i].label);
    out += ",\"pod\":";
    trace_model::append_json_string(out, t.pod_name(layout.lanes[i].pod));
    out += ",\"y\":" + std::to_string(layout.lanes[i].y) + "}";
  }
  out += "],\"flights\":[";
  for (std::size_t i = 0; i < flights.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"x\":" + std::to_string(flights[i].x) + ",\"y\":" + std::to_string(flights[i].y) +
           ",\"id\":" + std::to_string(t.messages[flights[i].message].message_id) + "}";
  }
  out += "],\"arrows\":" + std::to_string(scene.arrows.size()) +
         ",\"marks\":" + std::to_string(scene.marks.size()) +
         ",\"bands\":" + std::to_string(scene.bands.size()) +
         ",\"visible_messages\":" + std::to_string(scene.visible_messages) +
         ",\"merged\":" + (scene.merged ? "true" : "false") + "}";
  return out;
}

}  // namespace troupe::viz
