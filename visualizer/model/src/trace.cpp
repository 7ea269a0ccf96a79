#include "troupe/trace_model/trace.hpp"

#include <algorithm>
#include <cassert>

namespace troupe::trace_model {

std::string_view to_string(event_kind kind) {
  static constexpr std::array<std::string_view, event_kind_count> names = {
      "spawn", "stop", "crash", "restart", "send", "deliver", "drop",
      "timer", "fault", "member", "op", "verdict", "log", "unknown"};
  return names[static_cast<std::size_t>(kind)];
}

std::string_view to_string(fault_kind kind) {
  static constexpr std::array<std::string_view, 12> names = {
      "none", "partition", "heal", "kill", "restart", "stop",
      "scale", "skew", "pause", "resume", "network", "other"};
  return names[static_cast<std::size_t>(kind)];
}

std::string_view to_string(message_status status) {
  switch (status) {
    case message_status::delivered: return "delivered";
    case message_status::dropped: return "dropped";
    case message_status::unfinished: return "in flight at end";
  }
  return "?";
}

string_id string_table::intern(std::string_view text) {
  const auto found = ids_.find(text);
  if (found != ids_.end()) return found->second;
  const auto id = static_cast<string_id>(strings_.size());
  strings_.emplace_back(text);
  ids_.emplace(strings_.back(), id);
  return id;
}

string_id string_table::find(std::string_view text) const {
  const auto found = ids_.find(text);
  return found == ids_.end() ? no_index : found->second;
}

text_id text_arena::add(std::string_view text) {
  const auto id = static_cast<text_id>(spans_.size());
  spans_.emplace_back(buffer_.size(), static_cast<std::uint32_t>(text.size()));
  buffer_.append(text);
  return id;
}

std::string_view text_arena::get(text_id id) const {
  if (id == no_index) return {};
  const auto& [offset, length] = spans_[id];
  return std::string_view(buffer_).substr(offset, length);
}

std::string_view trace::pod_name(pod_index pod) const {
  return pod == no_pod ? std::string_view() : names.get(pods[pod].name);
}

std::string_view trace::actor_path(std::uint32_t actor) const {
  return actor == no_index ? std::string_view() : names.get(actors[actor].path);
}

std::string trace::actor_label(pod_index pod, std::uint32_t actor) const {
  std::string label(pod_name(pod));
  label += actor_path(actor);
  return label;
}

pod_index trace::find_pod(std::string_view pod_name_text) const {
  const string_id id = names.find(pod_name_text);
  if (id == no_index) return no_pod;
  for (std::size_t i = 0; i < pods.size(); ++i) {
    if (pods[i].name == id) return static_cast<pod_index>(i);
  }
  return no_pod;
}

std::size_t trace::first_event_at_or_after(std::int64_t t_ns) const {
  const auto found = std::partition_point(events.begin(), events.end(),
                                          [&](const event& e) { return e.t_ns < t_ns; });
  return static_cast<std::size_t>(found - events.begin());
}

std::pair<std::size_t, std::size_t> trace::events_between(std::int64_t t0_ns,
                                                          std::int64_t t1_ns) const {
  const std::size_t first = first_event_at_or_after(t0_ns);
  const auto last = std::partition_point(events.begin() + static_cast<std::ptrdiff_t>(first),
                                         events.end(),
                                         [&](const event& e) { return e.t_ns <= t1_ns; });
  return {first, static_cast<std::size_t>(last - events.begin())};
}

std::uint32_t trace::event_by_seq(std::int64_t seq) const {
  if (events.empty()) return no_index;
  const std::int64_t index = seq - static_cast<std::int64_t>(events.front().seq);
  if (index < 0 || index >= static_cast<std::int64_t>(events.size())) return no_index;
  assert(events[static_cast<std::size_t>(index)].seq == seq);
  return static_cast<std::uint32_t>(index);
}

std::vector<std::uint32_t> trace::messages_in_flight(std::int64_t t_ns) const {
  std::vector<std::uint32_t> result;
  for_each_message_overlapping(t_ns, t_ns, [&](std::uint32_t i) {
    if (messages[i].send_t_ns <= t_ns && t_ns < messages[i].end_t_ns) result.push_back(i);
  });
  return result;
}

bool trace::pod_present_at(pod_index pod, std::int64_t t_ns) const {
  for (const interval& span : pods[pod].present) {
    if (span.contains(t_ns)) return true;
  }
  return false;
}

bool trace::pod_present_during(pod_index pod, std::int64_t t0_ns, std::int64_t t1_ns) const {
  for (const interval& span : pods[pod].present) {
    if (span.overlaps(t0_ns, t1_ns)) return true;
  }
  return false;
}

bool trace::pod_down_at(pod_index pod, std::int64_t t_ns) const {
  for (const interval& span : pods[pod].down) {
    if (span.contains(t_ns)) return true;
  }
  return false;
}

}  // namespace troupe::trace_model
