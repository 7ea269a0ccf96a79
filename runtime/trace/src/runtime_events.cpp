#include "troupe/trace/runtime_events.hpp"

namespace troupe::trace {

void write_actor_event(trace_writer& writer, std::int64_t time_ns, std::string_view pod,
                       std::string_view kind, std::string_view actor,
                       std::string_view detail_key, std::string_view detail) {
  writer.event(time_ns, kind, pod).field("actor", actor).field(detail_key, detail).end();
}

void write_send(trace_writer& writer, std::int64_t time_ns, std::string_view pod,
                const envelope& message, std::string_view from, std::string_view to_pod,
                std::string_view to, std::string_view summary) {
  writer.event(time_ns, "send", pod)
      .field("id", message.trace_id)
      .field("from", from)
      .field("to_pod", to_pod)
      .field("to", to)
      .field("type", message.type().name)
      .field("lamport", message.lamport)
      .field("summary", summary)
      .end();
}

void write_deliver(trace_writer& writer, std::int64_t time_ns, std::string_view pod,
                   const envelope& message, std::string_view from_pod, std::string_view from,
                   std::string_view to, std::uint64_t lamport) {
  writer.event(time_ns, "deliver", pod)
      .field("id", message.trace_id)
      .field("from_pod", from_pod)
      .field("from", from)
      .field("to", to)
      .field("type", message.type().name)
      .field("lamport", lamport)
      .end();
}

void write_drop(trace_writer& writer, std::int64_t time_ns, const envelope& message,
                std::string_view from_pod, std::string_view from, std::string_view to_pod,
                std::string_view to, drop_reason reason) {
  writer.event(time_ns, "drop", to_pod)
      .field("id", message.trace_id)
      .field("from_pod", from_pod)
      .field("from", from)
      .field("to", to)
      .field("type", message.type().name)
      .field("reason", to_string(reason))
      .end();
}

void write_log(trace_writer& writer, std::int64_t time_ns, std::string_view pod,
               std::string_view actor, std::string_view level, std::string_view text) {
  writer.event(time_ns, "log", pod)
      .field("actor", actor)
      .field("level", level)
      .field("text", text)
      .end();
}

void write_record(trace_writer& writer, std::int64_t time_ns, std::string_view pod,
                  std::string_view event, std::string_view json_members) {
  auto line = writer.event(time_ns, event, pod);
  if (!json_members.empty()) line.raw_members(json_members);
  line.end();
}

}  // namespace troupe::trace
