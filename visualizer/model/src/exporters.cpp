#include "troupe/trace_model/exporters.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <vector>

#include "troupe/trace_model/duration.hpp"
#include "troupe/trace_model/json_line.hpp"

namespace troupe::trace_model {
namespace {

/// Flushes the text buffer to the stream once it holds this many bytes.
constexpr std::size_t flush_bytes = 1 << 20;

void append_number(std::string& out, std::int64_t value) { out += std::to_string(value); }

void append_micros(std::string& out, std::int64_t ns) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%lld.%03lld", static_cast<long long>(ns / 1000),
                static_cast<long long>(ns % 1000));
  out += buffer;
}

// pid 0 is the cluster (events on no pod); pod p is pid p + 1. tid 0 is the pod itself;
// actor a is tid a + 1.
void append_place(std::string& out, const event& e) {
  out += ",\"pid\":";
  append_number(out, e.pod == no_pod ? 0 : e.pod + 1);
  out += ",\"tid\":";
  append_number(out, e.actor == no_index ? 0 : static_cast<std::int64_t>(e.actor) + 1);
}

void append_metadata(const trace& t, std::string& out) {
  out += "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":0,\"args\":{\"name\":\"cluster\"}}";
  for (std::size_t p = 0; p < t.pods.size(); ++p) {
    out += ",\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":";
    append_number(out, static_cast<std::int64_t>(p) + 1);
    out += ",\"args\":{\"name\":";
    append_json_string(out, t.pod_name(static_cast<pod_index>(p)));
    out += "}}";
  }
  for (std::size_t a = 0; a < t.actors.size(); ++a) {
    out += ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":";
    append_number(out, t.actors[a].pod + 1);
    out += ",\"tid\":";
    append_number(out, static_cast<std::int64_t>(a) + 1);
    out += ",\"args\":{\"name\":";
    append_json_string(out, t.name(t.actors[a].path));
    out += "}}";
  }
}

// A message event: a 1 ns slice carrying the flow start (send) or end (deliver, drop).
void append_message_event(const trace& t, std::uint32_t index, std::string& out) {
  const event& e = t.events[index];
  const std::string_view kind = to_string(e.kind);
  out += ",\n{\"ph\":\"X\",\"cat\":\"message\",\"name\":";
  append_json_string(out, std::string(kind) + " " + std::string(t.name(e.name)));
  out += ",\"ts\":";
  append_micros(out, e.t_ns);
  out += ",\"dur\":0.001";
  append_place(out, e);
  out += ",\"args\":{\"id\":";
  append_number(out, e.number);
  out += ",\"lamport\":";
  append_number(out, e.lamport);
  if (e.text != no_index) {
    out += e.kind == event_kind::send ? ",\"summary\":" : ",\"reason\":";
    append_json_string(out, t.text(e.text));
  }
  out += "}}";
  if (e.record == no_index) return;
  // Flows bind to the enclosing slice with the same category, pid, tid and ts.
  auto append_flow = [&](const char* phase, std::uint32_t flow_id) {
    out += ",\n{\"ph\":\"";
    out += phase;
    out += "\",\"cat\":\"message\",\"name\":";
    append_json_string(out, t.name(e.name));
    out += ",\"id\":";
    append_number(out, flow_id);
    out += ",\"ts\":";
    append_micros(out, e.t_ns);
    append_place(out, e);
    if (phase[0] == 'f') out += ",\"bp\":\"e\"";
    out += '}';
  };
  if (e.kind == event_kind::send) {
    for (std::size_t m = e.record; m < t.messages.size() && t.messages[m].send_event == index;
         ++m) {
      if (t.messages[m].end_event != no_index) append_flow("s", static_cast<std::uint32_t>(m));
    }
  } else {
    append_flow("f", e.record);
  }
}

void append_instant(const trace& t, std::uint32_t index, std::string& out) {
  const event& e = t.events[index];
  out += ",\n{\"ph\":\"i\",\"cat\":";
  append_json_string(out, to_string(e.kind));
  out += ",\"name\":";
  append_json_string(out, describe_event(t, index));
  out += ",\"ts\":";
  append_micros(out, e.t_ns);
  append_place(out, e);
  out += e.pod == no_pod ? ",\"s\":\"g\"" : (e.actor == no_index ? ",\"s\":\"p\"" : ",\"s\":\"t\"");
  out += ",\"args\":{\"seq\":";
  append_number(out, e.seq);
  out += "}}";
}

std::string one_line(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return result;
}

}  // namespace

std::string describe_event(const trace& t, std::uint32_t event_index) {
  const event& e = t.events[event_index];
  std::string text(to_string(e.kind));
  switch (e.kind) {
    case event_kind::send:
      text += ' ' + std::string(t.name(e.name)) + " #" + std::to_string(e.number) + ' ' +
              t.actor_label(e.pod, e.actor) + " -> " + t.actor_label(e.peer_pod, e.peer_actor);
      if (e.text != no_index) text += ": " + std::string(t.text(e.text));
      break;
    case event_kind::deliver:
    case event_kind::drop:
      text += ' ' + std::string(t.name(e.name)) + " #" + std::to_string(e.number) + ' ' +
              t.actor_label(e.peer_pod, e.peer_actor) + " -> " + t.actor_label(e.pod, e.actor);
      if (e.kind == event_kind::drop) text += " (" + std::string(t.text(e.text)) + ')';
      break;
    case event_kind::fault:
      text = "fault " + std::string(t.text(e.text));
      if (e.pod != no_pod) text += " on " + std::string(t.pod_name(e.pod));
      break;
    case event_kind::verdict:
      text += ' ' + std::string(t.name(e.name)) + (e.ok ? " holds" : " FAILED");
      if (!t.text(e.text).empty()) text += ": " + std::string(t.text(e.text));
      break;
    case event_kind::member:
      text += ' ' + std::string(t.name(e.name)) + ' ' + std::string(t.text(e.text));
      break;
    case event_kind::op:
      text += ' ' + std::string(t.name(e.name)) + " #" + std::to_string(e.number) + ' ' +
              std::string(t.text(e.text));
      break;
    case event_kind::spawn:
      text += ' ' + std::string(t.actor_path(e.actor));
      if (e.name != no_index) text += " (parent " + std::string(t.name(e.name)) + ')';
      break;
    default:
      if (e.actor != no_index) text += ' ' + std::string(t.actor_path(e.actor));
      if (e.name != no_index && !t.name(e.name).empty()) {
        text += ' ' + std::string(t.name(e.name));
      }
      if (e.text != no_index) text += ": " + std::string(t.text(e.text));
  }
  return one_line(text);
}

bool export_perfetto(const trace& t, std::ostream& out) {
  std::string buffer = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  append_metadata(t, buffer);
  for (std::uint32_t i = 0; i < t.events.size(); ++i) {
    const event_kind kind = t.events[i].kind;
    if (kind == event_kind::send || kind == event_kind::deliver || kind == event_kind::drop) {
      append_message_event(t, i, buffer);
    } else {
      append_instant(t, i, buffer);
    }
    if (buffer.size() > flush_bytes) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  buffer += "\n],\"metadata\":{\"scenario\":";
  append_json_string(buffer, t.header.scenario);
  buffer += ",\"seed\":" + std::to_string(t.header.seed) + ",\"build\":";
  append_json_string(buffer, t.header.build);
  buffer += "}}\n";
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out.flush();
  return static_cast<bool>(out);
}

bool export_shiviz(const trace& t, std::ostream& out) {
  std::string buffer = "(?<host>\\S+) (?<clock>\\{[^}]*\\}) (?<event>.*)\n\n";
  const std::size_t pod_count = t.pods.size();
  std::vector<std::vector<std::uint64_t>> clocks(pod_count,
                                                 std::vector<std::uint64_t>(pod_count, 0));
  // The clock of each send, kept until the trace ends (a message can be delivered twice).
  std::unordered_map<std::uint32_t, std::vector<std::uint64_t>> send_clocks;
  for (std::uint32_t i = 0; i < t.events.size(); ++i) {
    const event& e = t.events[i];
    if (e.pod == no_pod) continue;
    std::vector<std::uint64_t>& clock = clocks[e.pod];
    if (e.kind == event_kind::deliver && e.record != no_index) {
      const auto found = send_clocks.find(t.messages[e.record].send_event);
      if (found != send_clocks.end()) {
        for (std::size_t p = 0; p < pod_count; ++p) {
          clock[p] = std::max(clock[p], found->second[p]);
        }
      }
    }
    ++clock[e.pod];
    if (e.kind == event_kind::send) send_clocks.emplace(i, clock);
    buffer += t.pod_name(e.pod);
    buffer += " {";
    bool first = true;
    for (std::size_t p = 0; p < pod_count; ++p) {
      if (clock[p] == 0) continue;
      if (!first) buffer += ", ";
      first = false;
      append_json_string(buffer, t.pod_name(static_cast<pod_index>(p)));
      buffer += ':';
      buffer += std::to_string(clock[p]);
    }
    buffer += "} ";
    buffer += describe_event(t, i);
    buffer += '\n';
    if (buffer.size() > flush_bytes) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace troupe::trace_model
