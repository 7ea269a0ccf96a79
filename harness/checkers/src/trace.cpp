#include "troupe/checkers/trace.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>

namespace troupe::checkers {
namespace {

using json = nlohmann::json;

// Field access that reports what is wrong instead of throwing.
std::optional<std::string> need(const json& object, const char* name, json::value_t type) {
  auto found = object.find(name);
  if (found == object.end()) {
    return std::string("missing field '") + name + "'";
  }
  bool matches = found->type() == type;
  if (type == json::value_t::number_integer) {
    matches = found->is_number_integer();
  }
  if (type == json::value_t::number_unsigned) {
    matches = found->is_number_unsigned();
  }
  if (!matches) {
    return std::string("field '") + name + "' has the wrong type";
  }
  return std::nullopt;
}

std::string text_or_empty(const json& object, const char* name) {
  auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

std::vector<std::string> strings_or_empty(const json& object, const char* name) {
  std::vector<std::string> out;
  auto found = object.find(name);
  if (found == object.end() || !found->is_array()) {
    return out;
  }
  for (const auto& item : *found) {
    if (item.is_string()) {
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

result<json> parse_line(const std::string& line, std::size_t number) {
  json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return error{number, "not valid JSON"};
  }
  if (!parsed.is_object()) {
    return error{number, "not a JSON object"};
  }
  return parsed;
}

result<trace_header> parse_header(const json& line) {
  // The version is checked first: a newer header may lack or retype version-1 fields.
  if (auto problem = need(line, "version", json::value_t::number_integer)) {
    return error{1, *problem};
  }
  const auto version = line["version"].get<std::int64_t>();
  if (version > trace_version_max || version < 1) {
    return error{1, "trace format version " + std::to_string(version) +
                        " is not supported (this reader knows versions 1.." +
                        std::to_string(trace_version_max) + ")"};
  }
  for (auto* field : {"format", "scenario", "build", "platform"}) {
    if (auto problem = need(line, field, json::value_t::string)) {
      return error{1, *problem};
    }
  }
  if (line["format"] != "troupe-trace") {
    return error{1, "field 'format' is not \"troupe-trace\""};
  }
  if (auto problem = need(line, "seed", json::value_t::number_unsigned)) {
    return error{1, *problem};
  }
  if (auto problem = need(line, "pods", json::value_t::array)) {
    return error{1, *problem};
  }
  trace_header header;
  header.version = line["version"].get<int>();
  header.seed = line["seed"].get<std::uint64_t>();
  header.scenario = line["scenario"].get<std::string>();
  header.build = line["build"].get<std::string>();
  header.platform = line["platform"].get<std::string>();
  for (const auto& pod : line["pods"]) {
    if (!pod.is_string()) {
      return error{1, "field 'pods' holds a non-string"};
    }
    header.pods.push_back(pod.get<std::string>());
  }
  return header;
}

// Pairs op events into operations while the lines are read.
class history_builder {
 public:
  std::optional<std::string> add(const json& event, std::uint64_t seq, std::int64_t t) {
    for (auto* field : {"phase", "f", "key"}) {
      if (auto problem = need(event, field, json::value_t::string)) {
        return problem;
      }
    }
    if (auto problem = need(event, "op", json::value_t::number_unsigned)) {
      return problem;
    }
    if (auto problem = need(event, "client", json::value_t::number_integer)) {
      return problem;
    }
    const std::string phase = event["phase"].get<std::string>();
    const std::uint64_t id = event["op"].get<std::uint64_t>();
    const json value = event.contains("value") ? event["value"] : json();
    if (phase == "invoke") {
      return invoke(event, id, value, seq, t);
    }
    std::optional<outcome> ending;
    if (phase == "ok") ending = outcome::ok;
    if (phase == "fail") ending = outcome::fail;
    if (phase == "info") ending = outcome::info;
    if (!ending) {
      return "field 'phase' is \"" + phase + "\", not invoke, ok, fail or info";
    }
    return complete(event, id, *ending, value, seq, t);
  }

  history finish() {
    history out;
    out.reserve(operations_.size());
    for (auto& entry : operations_) {
      out.push_back(std::move(entry.second));
    }
    std::sort(out.begin(), out.end(),
              [](const operation& a, const operation& b) { return a.invoke_seq < b.invoke_seq; });
    return out;
  }

 private:
  std::optional<std::string> invoke(const json& event, std::uint64_t id, const json& value,
                                    std::uint64_t seq, std::int64_t t) {
    if (operations_.count(id) != 0) {
      return "op " + std::to_string(id) + " is invoked twice";
    }
    operation op;
    op.id = id;
    op.client = event["client"].get<std::int64_t>();
    op.pod = text_or_empty(event, "pod");
    op.f = event["f"].get<std::string>();
    op.key = event["key"].get<std::string>();
    op.input = value;
    op.invoke_seq = seq;
    op.invoke_t = t;
    operations_.emplace(id, std::move(op));
    return std::nullopt;
  }

  std::optional<std::string> complete(const json& event, std::uint64_t id, outcome ending,
                                      const json& value, std::uint64_t seq, std::int64_t t) {
    auto found = operations_.find(id);
    if (found == operations_.end()) {
      return "op " + std::to_string(id) + " completes without an invoke";
    }
    operation& op = found->second;
    if (completed_.count(id) != 0) {
      return "op " + std::to_string(id) + " completes twice";
    }
    if (op.f != event["f"].get<std::string>() || op.key != event["key"].get<std::string>()) {
      return "op " + std::to_string(id) + " completes with another 'f' or 'key' than its invoke";
    }
    completed_.insert({id, true});
    op.result = ending;
    if (ending == outcome::info) {
      return std::nullopt;  // An info operation never completes: it stays concurrent.
    }
    op.output = value;
    op.complete_seq = seq;
    op.complete_t = t;
    return std::nullopt;
  }

  std::map<std::uint64_t, operation> operations_;
  std::map<std::uint64_t, bool> completed_;
};

std::optional<std::string> add_message(trace& out, const json& event, message_event::kind what,
                                       std::uint64_t seq, std::int64_t t) {
  if (auto problem = need(event, "id", json::value_t::number_unsigned)) {
    return problem;
  }
  message_event message;
  message.what = what;
  message.seq = seq;
  message.t = t;
  message.pod = event["pod"].get<std::string>();
  message.id = event["id"].get<std::uint64_t>();
  message.from = text_or_empty(event, "from");
  message.to = text_or_empty(event, "to");
  message.peer_pod =
      text_or_empty(event, what == message_event::kind::send ? "to_pod" : "from_pod");
  message.type = text_or_empty(event, "type");
  if (what == message_event::kind::drop) {
    if (auto problem = need(event, "reason", json::value_t::string)) {
      return problem;
    }
    message.reason = event["reason"].get<std::string>();
  }
  out.messages.push_back(std::move(message));
  return std::nullopt;
}

std::optional<std::string> add_fault(trace& out, const json& event, std::uint64_t seq,
                                     std::int64_t t) {
  if (auto problem = need(event, "kind", json::value_t::string)) {
    return problem;
  }
  fault_event fault;
  fault.seq = seq;
  fault.t = t;
  fault.pod = event["pod"].get<std::string>();
  fault.kind = event["kind"].get<std::string>();
  fault.added = strings_or_empty(event, "added");
  fault.removed = strings_or_empty(event, "removed");
  fault.raw = event;
  out.faults.push_back(std::move(fault));
  return std::nullopt;
}

std::optional<std::string> add_member(trace& out, const json& event, std::uint64_t seq,
                                      std::int64_t t) {
  for (auto* field : {"member", "status"}) {
    if (auto problem = need(event, field, json::value_t::string)) {
      return problem;
    }
  }
  out.members.push_back(member_event{seq, t, event["pod"].get<std::string>(),
                                     event["member"].get<std::string>(),
                                     event["status"].get<std::string>()});
  return std::nullopt;
}

std::optional<std::string> add_singleton(trace& out, const json& event, std::uint64_t seq,
                                         std::int64_t t) {
  for (auto* field : {"name", "state"}) {
    if (auto problem = need(event, field, json::value_t::string)) {
      return problem;
    }
  }
  const std::string state = event["state"].get<std::string>();
  if (state != "started" && state != "stopped") {
    return "singleton state '" + state + "' is neither \"started\" nor \"stopped\"";
  }
  out.singletons.push_back(singleton_event{seq, t, event["pod"].get<std::string>(),
                                           event["name"].get<std::string>(),
                                           state == "started"});
  return std::nullopt;
}

std::optional<std::string> add_entity(trace& out, const json& event, std::uint64_t seq,
                                      std::int64_t t, bool started) {
  for (auto* field : {"type", "entity"}) {
    if (auto problem = need(event, field, json::value_t::string)) {
      return problem;
    }
  }
  if (auto problem = need(event, "instance", json::value_t::number_unsigned)) {
    return problem;
  }
  out.entities.push_back(entity_event{seq, t, event["pod"].get<std::string>(),
                                      event["type"].get<std::string>(),
                                      event["entity"].get<std::string>(),
                                      event["instance"].get<std::uint64_t>(), started});
  return std::nullopt;
}

std::optional<std::string> add_shard(trace& out, const json& event, std::uint64_t seq,
                                     std::int64_t t, bool started) {
  if (auto problem = need(event, "type", json::value_t::string)) {
    return problem;
  }
  if (auto problem = need(event, "shard", json::value_t::number_unsigned)) {
    return problem;
  }
  out.shards.push_back(shard_event{seq, t, event["pod"].get<std::string>(),
                                   event["type"].get<std::string>(),
                                   event["shard"].get<std::uint64_t>(), started});
  return std::nullopt;
}

std::optional<std::string> add_route(trace& out, const json& event, std::uint64_t seq,
                                     std::int64_t t) {
  for (auto* field : {"type", "entity", "entity_message", "step"}) {
    if (auto problem = need(event, field, json::value_t::string)) {
      return problem;
    }
  }
  entity_route_event route;
  route.seq = seq;
  route.t = t;
  route.pod = event["pod"].get<std::string>();
  route.type = event["type"].get<std::string>();
  route.entity = event["entity"].get<std::string>();
  route.message = event["entity_message"].get<std::string>();
  route.step = event["step"].get<std::string>();
  route.reason = text_or_empty(event, "reason");
  route.to_pod = text_or_empty(event, "to_pod");
  for (auto* field : {"message_id", "instance"}) {
    if (event.contains(field)) {
      if (auto problem = need(event, field, json::value_t::number_unsigned)) {
        return problem;
      }
    }
  }
  route.message_id = event.value("message_id", std::uint64_t{0});
  route.instance = event.value("instance", std::uint64_t{0});
  out.routes.push_back(std::move(route));
  return std::nullopt;
}

// Checks the fields every event has, and their order against the previous event.
std::optional<std::string> check_common(const json& event, const trace& so_far) {
  if (auto problem = need(event, "seq", json::value_t::number_unsigned)) {
    return problem;
  }
  if (auto problem = need(event, "t", json::value_t::number_integer)) {
    return problem;
  }
  for (auto* field : {"ev", "pod"}) {
    if (auto problem = need(event, field, json::value_t::string)) {
      return problem;
    }
  }
  const auto seq = event["seq"].get<std::uint64_t>();
  const auto t = event["t"].get<std::int64_t>();
  const std::uint64_t expected_seq = so_far.event_count == 0 ? 0 : so_far.last_seq + 1;
  if (seq != expected_seq) {
    return "seq " + std::to_string(seq) + " where " + std::to_string(expected_seq) +
           " was expected (seq increases by one)";
  }
  if (so_far.event_count != 0 && t < so_far.last_t) {
    return "t " + std::to_string(t) + " is before the previous event's t " +
           std::to_string(so_far.last_t);
  }
  return std::nullopt;
}

std::optional<std::string> add_event(trace& out, history_builder& operations, const json& event) {
  if (auto problem = check_common(event, out)) {
    return problem;
  }
  const auto seq = event["seq"].get<std::uint64_t>();
  const auto t = event["t"].get<std::int64_t>();
  const std::string kind = event["ev"].get<std::string>();
  out.last_seq = seq;
  out.last_t = t;
  out.event_count += 1;
  if (kind == "op") return operations.add(event, seq, t);
  if (kind == "send") return add_message(out, event, message_event::kind::send, seq, t);
  if (kind == "deliver") return add_message(out, event, message_event::kind::deliver, seq, t);
  if (kind == "drop") return add_message(out, event, message_event::kind::drop, seq, t);
  if (kind == "fault") return add_fault(out, event, seq, t);
  if (kind == "member") return add_member(out, event, seq, t);
  if (kind == "singleton") return add_singleton(out, event, seq, t);
  if (kind == "entity_start") return add_entity(out, event, seq, t, true);
  if (kind == "entity_stop") return add_entity(out, event, seq, t, false);
  if (kind == "shard_start") return add_shard(out, event, seq, t, true);
  if (kind == "shard_stop") return add_shard(out, event, seq, t, false);
  if (kind == "entity_route") return add_route(out, event, seq, t);
  return std::nullopt;  // Kinds the checkers do not read, and unknown kinds, are skipped.
}

}  // namespace

const char* to_string(outcome value) {
  switch (value) {
    case outcome::ok:
      return "ok";
    case outcome::fail:
      return "fail";
    case outcome::info:
      return "info";
  }
  return "?";
}

std::string describe(const operation& op) {
  std::string text = "client " + std::to_string(op.client) + " op " + std::to_string(op.id) + " " +
                     op.f + " " + op.key;
  if (!op.input.is_null()) text += " " + op.input.dump();
  if (op.result == outcome::ok && op.output != op.input) {
    text += " -> " + op.output.dump();
  }
  text += std::string(" ") + to_string(op.result) + " [seq " + std::to_string(op.invoke_seq) + "..";
  text += op.complete_seq == never_seq ? std::string("never") : std::to_string(op.complete_seq);
  return text + "]";
}

result<trace> read_trace_lines(const std::vector<std::string>& lines) {
  if (lines.empty()) {
    return error{1, "empty trace: no header line"};
  }
  auto header_line = parse_line(lines[0], 1);
  if (!header_line) {
    return header_line.failure();
  }
  auto header = parse_header(*header_line);
  if (!header) {
    return header.failure();
  }
  trace out;
  out.header = std::move(header).value();
  history_builder operations;
  for (std::size_t index = 1; index < lines.size(); ++index) {
    const std::size_t number = index + 1;
    if (lines[index].empty() && index + 1 == lines.size()) {
      break;  // A final empty line is the end of the file, not an event.
    }
    auto event = parse_line(lines[index], number);
    if (!event) {
      return event.failure();
    }
    if (auto problem = add_event(out, operations, *event)) {
      return error{number, *problem};
    }
  }
  out.operations = operations.finish();
  return out;
}

result<trace> read_trace_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return error{0, "cannot open trace file '" + path + "'"};
  }
  std::vector<std::string> lines;
  std::string line;
  bool ends_with_newline = true;
  while (std::getline(file, line)) {
    ends_with_newline = !file.eof();  // getline stopped at a '\n', not at the end
    lines.push_back(std::move(line));
  }
  if (file.bad()) {
    return error{0, "cannot read trace file '" + path + "'"};
  }
  // A writer killed in the middle of a write (a real node under SIGKILL) can leave a last
  // line without its '\n' that is cut short: the events before it are the trace.
  if (!ends_with_newline && lines.size() > 1 &&
      json::parse(lines.back(), nullptr, /*allow_exceptions=*/false).is_discarded()) {
    lines.pop_back();
  }
  return read_trace_lines(lines);
}

}  // namespace troupe::checkers
