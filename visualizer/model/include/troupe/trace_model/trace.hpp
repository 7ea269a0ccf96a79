#pragma once
/// The in-memory, indexed form of one trace (docs/trace-format.md, version 1).
///
/// Built once by load_trace() and then only read; any thread may read a trace concurrently.
/// Strings are interned (names) or kept in one arena (free text) so that a million events fit
/// in well under 400 MB.

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace troupe::trace_model {

/// The trace format version this reader understands.
inline constexpr int trace_format_version = 1;

/// Index of an interned name (pod, actor path, message type, reason ...).
using string_id = std::uint32_t;
/// Index of a free-text string (summary, log text, verdict message ...).
using text_id = std::uint32_t;
/// Index of a pod (lane) in trace::pods.
using pod_index = std::uint16_t;

inline constexpr std::uint32_t no_index = std::numeric_limits<std::uint32_t>::max();
inline constexpr pod_index no_pod = std::numeric_limits<pod_index>::max();
/// Bound on the number of distinct pods in one trace (pod_index is 16 bits).
inline constexpr std::size_t pod_count_max = 4096;
inline constexpr std::int64_t time_max_ns = std::numeric_limits<std::int64_t>::max();

/// Event kinds of the format; `unknown` keeps the place of kinds a newer writer added.
enum class event_kind : std::uint8_t {
  spawn, stop, crash, restart, send, deliver, drop, timer, fault, member, op, verdict, log,
  unknown
};
inline constexpr std::size_t event_kind_count = 14;
[[nodiscard]] std::string_view to_string(event_kind kind);

enum class fault_kind : std::uint8_t {
  none, partition, heal, kill, restart, stop, scale, skew, pause, resume, network, other
};
[[nodiscard]] std::string_view to_string(fault_kind kind);

/// One line of the trace, in a compact form. Which fields mean something depends on kind;
/// unused ones hold no_index / 0.
struct event {
  std::int64_t t_ns = 0;
  /// send: message id; op: op id; verdict: at_seq (-1 when absent); fault restart: incarnation
  std::int64_t number = 0;
  /// send/deliver: Lamport clock; others 0
  std::int64_t lamport = 0;
  /// deliver/drop: virtual send time
  std::int64_t sent_t_ns = 0;
  std::uint32_t seq = 0;
  /// the acting actor: spawn..restart, timer, log: the actor; send: sender; deliver/drop:
  /// receiver (actor index in trace::actors)
  std::uint32_t actor = no_index;
  /// send: receiver actor; deliver/drop: sender actor
  std::uint32_t peer_actor = no_index;
  /// send/deliver/drop: message type; timer: key; member: member pod name; op: f;
  /// verdict: property; log: level; lifecycle: parent (spawn)
  string_id name = no_index;
  /// send: summary; drop/crash/restart/stop: reason; log: text; verdict: message;
  /// member: status; op: phase; fault: a rendering of its fields
  text_id text = no_index;
  /// send/deliver/drop: index into trace::messages; fault: index into trace::faults;
  /// verdict: index into trace::verdicts
  std::uint32_t record = no_index;
  /// position of this event in its pod's program order (trace::pods[pod].events)
  std::uint32_t pod_position = no_index;
  /// send: encoded size in bytes
  std::uint32_t size_bytes = 0;
  pod_index pod = no_pod;
  /// send: receiver's pod; deliver/drop: sender's pod
  pod_index peer_pod = no_pod;
  event_kind kind = event_kind::unknown;
  fault_kind fault = fault_kind::none;
  /// verdict: property held
  bool ok = false;
};

/// What became of one sent message copy.
enum class message_status : std::uint8_t { delivered, dropped, unfinished };
[[nodiscard]] std::string_view to_string(message_status status);

/// One arrow of the space-time diagram: a send and its delivery or drop. A duplicated message
/// has one record per delivery; a send never delivered nor dropped has one `unfinished` record
/// ending at the end of the trace.
struct message_record {
  std::int64_t message_id = 0;
  std::int64_t send_t_ns = 0;
  std::int64_t end_t_ns = 0;  ///< delivery or drop time; unfinished: trace end
  std::uint32_t send_event = no_index;
  std::uint32_t end_event = no_index;  ///< deliver/drop event, no_index when unfinished
  std::uint32_t from_actor = no_index;
  std::uint32_t to_actor = no_index;
  string_id type = no_index;
  string_id drop_reason = no_index;
  pod_index from_pod = no_pod;
  pod_index to_pod = no_pod;
  message_status status = message_status::unfinished;

  [[nodiscard]] std::int64_t latency_ns() const { return end_t_ns - send_t_ns; }
};

/// A half-open time interval [from_ns, until_ns).
struct interval {
  std::int64_t from_ns = 0;
  std::int64_t until_ns = time_max_ns;
  [[nodiscard]] bool contains(std::int64_t t) const { return t >= from_ns && t < until_ns; }
  [[nodiscard]] bool overlaps(std::int64_t t0, std::int64_t t1) const {
    return from_ns <= t1 && until_ns > t0;
  }
};

/// One pod: a lane of the diagram.
struct pod_info {
  string_id name = no_index;
  std::vector<std::uint32_t> events;   ///< its events in program order (event indices)
  std::vector<std::uint32_t> actors;   ///< its actors in first-seen order
  std::vector<interval> present;       ///< while the lane exists (scale adds and removes)
  std::vector<interval> down;          ///< killed or stopped until restarted
  std::vector<interval> paused;        ///< paused until resumed
  std::vector<std::uint32_t> skews;    ///< its skew fault events
};

struct actor_info {
  pod_index pod = no_pod;
  string_id path = no_index;
};

/// A fault event's fields, decoded.
struct fault_info {
  std::uint32_t event = no_index;
  fault_kind kind = fault_kind::none;
  std::vector<std::vector<pod_index>> groups;  ///< partition with groups
  std::vector<pod_index> from, to;              ///< one-way partition
  bool one_way = false;
  std::vector<pod_index> added, removed;        ///< scale
  std::int64_t offset_ns = 0;                    ///< skew
  double rate = 1.0;                             ///< skew
  std::int64_t until_ns = time_max_ns;          ///< partition: time of the next heal
};

struct verdict_info {
  std::uint32_t event = no_index;
  string_id property = no_index;
  bool ok = false;
  text_id message = no_index;
  std::int64_t at_seq = -1;             ///< -1 when absent
  std::uint32_t at_event = no_index;    ///< event index of at_seq, when it exists
};

struct trace_header {
  int version = 0;
  std::uint64_t seed = 0;
  std::string scenario;
  std::string build;
  std::string platform;
  std::vector<std::string> pods;
};

/// Interned names with heterogeneous lookup.
class string_table {
 public:
  /// The id of `text`, adding it when new.
  string_id intern(std::string_view text);
  /// The id of `text`, or no_index.
  [[nodiscard]] string_id find(std::string_view text) const;
  [[nodiscard]] std::string_view get(string_id id) const {
    return id == no_index ? std::string_view() : std::string_view(strings_[id]);
  }
  [[nodiscard]] std::size_t size() const { return strings_.size(); }

 private:
  struct hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  std::vector<std::string> strings_;
  std::unordered_map<std::string, string_id, hash, std::equal_to<>> ids_;
};

/// Free text kept in one buffer.
class text_arena {
 public:
  text_id add(std::string_view text);
  [[nodiscard]] std::string_view get(text_id id) const;
  [[nodiscard]] std::size_t bytes() const { return buffer_.size(); }

 private:
  std::string buffer_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> spans_;  // offset, length
};

/// A loaded, indexed trace.
struct trace {
  trace_header header;
  std::vector<event> events;              ///< file order = (time, seq) order
  std::vector<message_record> messages;   ///< ordered by send event, then end event
  std::vector<pod_info> pods;             ///< lane order: header pods, then first appearance
  std::vector<actor_info> actors;
  std::vector<fault_info> faults;
  std::vector<verdict_info> verdicts;
  std::vector<std::uint32_t> mark_events;  ///< events other than send and deliver
  std::vector<string_id> message_types;   ///< distinct message types, sorted by name
  /// Messages lasting longer than short_message_ns_max, so that time-window queries can
  /// use the send-time order of the others.
  std::vector<std::uint32_t> long_messages;
  std::int64_t short_message_ns_max = 0;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  string_table names;
  text_arena texts;

  [[nodiscard]] std::string_view name(string_id id) const { return names.get(id); }
  [[nodiscard]] std::string_view text(text_id id) const { return texts.get(id); }
  [[nodiscard]] std::string_view pod_name(pod_index pod) const;
  [[nodiscard]] std::string_view actor_path(std::uint32_t actor) const;
  /// "pod/actor/path", or the pod alone when actor is no_index.
  [[nodiscard]] std::string actor_label(pod_index pod, std::uint32_t actor) const;
  /// The pod with this name, or no_pod.
  [[nodiscard]] pod_index find_pod(std::string_view name) const;

  /// Index of the first event with t >= t_ns (events.size() when none).
  [[nodiscard]] std::size_t first_event_at_or_after(std::int64_t t_ns) const;
  /// Index range [first, last) of the events with t0 <= t <= t1.
  [[nodiscard]] std::pair<std::size_t, std::size_t> events_between(std::int64_t t0_ns,
                                                                   std::int64_t t1_ns) const;
  /// The event with this seq, or no_index.
  [[nodiscard]] std::uint32_t event_by_seq(std::int64_t seq) const;

  /// Calls f(message index) for every message whose [send, end] overlaps [t0, t1], in
  /// send-time order for short messages, then the long ones.
  template <class F>
  void for_each_message_overlapping(std::int64_t t0_ns, std::int64_t t1_ns, F&& f) const;
  /// Messages sent at or before t and not yet delivered or dropped: send_t <= t < end_t.
  [[nodiscard]] std::vector<std::uint32_t> messages_in_flight(std::int64_t t_ns) const;

  /// The lane of this pod exists at t.
  [[nodiscard]] bool pod_present_at(pod_index pod, std::int64_t t_ns) const;
  /// The lane of this pod exists at some time in [t0, t1].
  [[nodiscard]] bool pod_present_during(pod_index pod, std::int64_t t0_ns,
                                        std::int64_t t1_ns) const;
  /// The pod is killed or stopped (not yet restarted) at t.
  [[nodiscard]] bool pod_down_at(pod_index pod, std::int64_t t_ns) const;
};

template <class F>
void trace::for_each_message_overlapping(std::int64_t t0_ns, std::int64_t t1_ns, F&& f) const {
  // Short messages overlap [t0, t1] only if sent in [t0 - short max, t1].
  const std::int64_t from = t0_ns - short_message_ns_max;
  std::size_t low = 0;
  std::size_t high = messages.size();
  while (low < high) {
    const std::size_t middle = (low + high) / 2;
    if (messages[middle].send_t_ns < from) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  for (std::size_t i = low; i < messages.size() && messages[i].send_t_ns <= t1_ns; ++i) {
    const message_record& message = messages[i];
    if (message.end_t_ns - message.send_t_ns > short_message_ns_max) continue;
    if (message.end_t_ns >= t0_ns) f(static_cast<std::uint32_t>(i));
  }
  for (const std::uint32_t i : long_messages) {
    const message_record& message = messages[i];
    if (message.send_t_ns <= t1_ns && message.end_t_ns >= t0_ns) f(i);
  }
}

}  // namespace troupe::trace_model
