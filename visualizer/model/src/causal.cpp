#include "troupe/trace_model/causal.hpp"

#include <cassert>
#include <deque>

namespace troupe::trace_model {
namespace {

// Grows past_last backwards: scanning a pod's newly included prefix finds deliveries whose
// sends pull the other pods' bounds forward.
void grow_past(const trace& t, causal_cone& cone) {
  const std::size_t pod_count = t.pods.size();
  std::vector<std::int64_t> scanned(pod_count, -1);  // positions <= scanned[p] are done
  std::deque<pod_index> work;
  for (std::size_t p = 0; p < pod_count; ++p) {
    if (cone.past_last[p] >= 0) work.push_back(static_cast<pod_index>(p));
  }
  while (!work.empty()) {
    const pod_index pod = work.front();
    work.pop_front();
    const std::vector<std::uint32_t>& events = t.pods[pod].events;
    for (std::int64_t position = cone.past_last[pod]; position > scanned[pod]; --position) {
      const event& e = t.events[events[static_cast<std::size_t>(position)]];
      if (e.kind != event_kind::deliver || e.record == no_index) continue;
      const event& send = t.events[t.messages[e.record].send_event];
      if (send.pod == no_pod) continue;
      if (static_cast<std::int64_t>(send.pod_position) > cone.past_last[send.pod]) {
        cone.past_last[send.pod] = send.pod_position;
        work.push_back(send.pod);
      }
    }
    scanned[pod] = std::max(scanned[pod], cone.past_last[pod]);
  }
}

// Grows future_first forwards: scanning a pod's newly included suffix finds sends whose
// deliveries pull the other pods' bounds back.
void grow_future(const trace& t, causal_cone& cone) {
  const std::size_t pod_count = t.pods.size();
  std::vector<std::int64_t> scanned(pod_count);  // positions >= scanned[p] are done
  std::deque<pod_index> work;
  for (std::size_t p = 0; p < pod_count; ++p) {
    scanned[p] = static_cast<std::int64_t>(t.pods[p].events.size());
    if (cone.future_first[p] < scanned[p]) work.push_back(static_cast<pod_index>(p));
  }
  while (!work.empty()) {
    const pod_index pod = work.front();
    work.pop_front();
    const std::vector<std::uint32_t>& events = t.pods[pod].events;
    for (std::int64_t position = cone.future_first[pod]; position < scanned[pod]; ++position) {
      const event& e = t.events[events[static_cast<std::size_t>(position)]];
      if (e.kind != event_kind::send || e.record == no_index) continue;
      for (std::size_t m = e.record; m < t.messages.size(); ++m) {
        const message_record& message = t.messages[m];
        if (message.send_event != events[static_cast<std::size_t>(position)]) break;
        if (message.status != message_status::delivered) continue;
        const event& deliver = t.events[message.end_event];
        if (static_cast<std::int64_t>(deliver.pod_position) < cone.future_first[deliver.pod]) {
          cone.future_first[deliver.pod] = deliver.pod_position;
          work.push_back(deliver.pod);
        }
      }
    }
    scanned[pod] = std::min(scanned[pod], cone.future_first[pod]);
  }
}

}  // namespace

causal_cone compute_causal_cone(const trace& t, std::uint32_t origin) {
  assert(origin < t.events.size());
  causal_cone cone;
  cone.origin = origin;
  cone.past_last.assign(t.pods.size(), -1);
  cone.future_first.resize(t.pods.size());
  for (std::size_t p = 0; p < t.pods.size(); ++p) {
    cone.future_first[p] = static_cast<std::int64_t>(t.pods[p].events.size());
  }
  const event& e = t.events[origin];
  if (e.pod == no_pod) return cone;
  // The origin itself is excluded: start from its neighbours in program order, plus the send
  // of a delivered message and the deliveries of a sent one.
  cone.past_last[e.pod] = static_cast<std::int64_t>(e.pod_position) - 1;
  cone.future_first[e.pod] = static_cast<std::int64_t>(e.pod_position) + 1;
  if (e.kind == event_kind::deliver && e.record != no_index) {
    const event& send = t.events[t.messages[e.record].send_event];
    cone.past_last[send.pod] = std::max<std::int64_t>(cone.past_last[send.pod],
                                                      send.pod_position);
  }
  if (e.kind == event_kind::send && e.record != no_index) {
    for (std::size_t m = e.record; m < t.messages.size(); ++m) {
      const message_record& message = t.messages[m];
      if (message.send_event != origin) break;
      if (message.status != message_status::delivered) continue;
      const event& deliver = t.events[message.end_event];
      cone.future_first[deliver.pod] = std::min<std::int64_t>(cone.future_first[deliver.pod],
                                                              deliver.pod_position);
    }
  }
  grow_past(t, cone);
  grow_future(t, cone);
  return cone;
}

bool causal_cone::in_past(const trace& t, std::uint32_t event_index) const {
  const event& e = t.events[event_index];
  if (e.pod == no_pod || event_index == origin || past_last.empty()) return false;
  return static_cast<std::int64_t>(e.pod_position) <= past_last[e.pod];
}

bool causal_cone::in_future(const trace& t, std::uint32_t event_index) const {
  const event& e = t.events[event_index];
  if (e.pod == no_pod || event_index == origin || future_first.empty()) return false;
  return static_cast<std::int64_t>(e.pod_position) >= future_first[e.pod];
}

std::size_t causal_cone::past_count() const {
  std::size_t count = 0;
  for (const std::int64_t last : past_last) count += static_cast<std::size_t>(last + 1);
  return count;
}

std::size_t causal_cone::future_count(const trace& t) const {
  std::size_t count = 0;
  for (std::size_t p = 0; p < future_first.size(); ++p) {
    count += t.pods[p].events.size() - static_cast<std::size_t>(future_first[p]);
  }
  return count;
}

}  // namespace troupe::trace_model
