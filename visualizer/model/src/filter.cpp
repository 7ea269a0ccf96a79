#include "troupe/trace_model/filter.hpp"

#include <charconv>

namespace troupe::trace_model {
namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool actor_matches(const trace& t, pod_index pod, std::uint32_t actor, std::string_view text) {
  if (pod == no_pod) return false;
  const std::string_view pod_text = t.pod_name(pod);
  if (contains(pod_text, text)) return true;
  const std::string_view path = t.actor_path(actor);
  if (contains(path, text)) return true;
  return contains(t.actor_label(pod, actor), text);
}

bool number_matches(std::int64_t number, std::string_view text) {
  std::int64_t value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() && value == number;
}

bool event_text_matches(const trace& t, const event& e, std::string_view text) {
  if (contains(t.name(e.name), text) || contains(t.text(e.text), text)) return true;
  if (contains(to_string(e.kind), text)) return true;
  if (e.kind == event_kind::send || e.kind == event_kind::deliver ||
      e.kind == event_kind::drop || e.kind == event_kind::op) {
    if (number_matches(e.number, text)) return true;
  }
  return actor_matches(t, e.pod, e.actor, text) || actor_matches(t, e.peer_pod, e.peer_actor, text);
}

}  // namespace

bool trace_filter::event_visible(const trace& t, const event& e) const {
  if (!kind_visible(e.kind) || !pod_visible(e.pod)) return false;
  const bool message = e.kind == event_kind::send || e.kind == event_kind::deliver ||
                       e.kind == event_kind::drop;
  if (message && (!type_visible(e.name) || !pod_visible(e.peer_pod))) return false;
  if (!actor_contains.empty() && !actor_matches(t, e.pod, e.actor, actor_contains) &&
      !actor_matches(t, e.peer_pod, e.peer_actor, actor_contains)) {
    return false;
  }
  return search.empty() || event_text_matches(t, e, search);
}

bool trace_filter::message_visible(const trace& t, const message_record& m) const {
  if (!pod_visible(m.from_pod) || !pod_visible(m.to_pod) || !type_visible(m.type)) return false;
  if (!kind_visible(event_kind::send)) return false;
  if (m.status == message_status::delivered && !kind_visible(event_kind::deliver)) return false;
  if (m.status == message_status::dropped && !kind_visible(event_kind::drop)) return false;
  if (!actor_contains.empty() && !actor_matches(t, m.from_pod, m.from_actor, actor_contains) &&
      !actor_matches(t, m.to_pod, m.to_actor, actor_contains)) {
    return false;
  }
  if (search.empty()) return true;
  if (event_text_matches(t, t.events[m.send_event], search)) return true;
  return m.end_event != no_index && event_text_matches(t, t.events[m.end_event], search);
}

std::uint32_t next_visible_event(const trace& t, const trace_filter& filter, std::uint32_t from) {
  const std::size_t start = from == no_index ? 0 : static_cast<std::size_t>(from) + 1;
  for (std::size_t i = start; i < t.events.size(); ++i) {
    if (filter.event_visible(t, t.events[i])) return static_cast<std::uint32_t>(i);
  }
  return no_index;
}

std::uint32_t previous_visible_event(const trace& t, const trace_filter& filter,
                                     std::uint32_t from) {
  std::size_t i = from == no_index ? t.events.size() : from;
  while (i > 0) {
    --i;
    if (filter.event_visible(t, t.events[i])) return static_cast<std::uint32_t>(i);
  }
  return no_index;
}

}  // namespace troupe::trace_model
