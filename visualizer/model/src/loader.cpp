#include "troupe/trace_model/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "troupe/trace_model/duration.hpp"
#include "troupe/trace_model/json_line.hpp"

namespace troupe::trace_model {
namespace {

std::optional<event_kind> parse_kind(std::string_view text) {
  for (std::size_t i = 0; i + 1 < event_kind_count; ++i) {
    const auto kind = static_cast<event_kind>(i);
    if (to_string(kind) == text) return kind;
  }
  return std::nullopt;
}

fault_kind parse_fault_kind(std::string_view text) {
  for (std::size_t i = 1; i <= static_cast<std::size_t>(fault_kind::network); ++i) {
    const auto kind = static_cast<fault_kind>(i);
    if (to_string(kind) == text) return kind;
  }
  return fault_kind::other;
}

/// Builds a trace line by line. Each method returns false after setting error_.
class trace_builder {
 public:
  trace_builder() : trace_(std::make_unique<trace>()) {}

  void reserve_for_bytes(std::size_t bytes) { trace_->events.reserve(bytes / 140 + 16); }

  bool add_line(std::string_view text, std::uint64_t line_number) {
    line_number_ = line_number;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const std::string problem = line_.parse(text);
    if (!problem.empty()) {
      return fail(line_number == 1 ? "the header is not valid JSON: " + problem
                                   : "not valid JSON: " + problem);
    }
    return line_number == 1 ? add_header() : add_event();
  }

  load_result finish() {
    if (line_number_ == 0) return load_error{1, "empty file: expected a troupe-trace header"};
    finish_messages();
    finish_indexes();
    return load_result(std::move(trace_));
  }

  load_error take_error() { return std::move(error_); }

 private:
  bool fail(std::string message) {
    error_.line = line_number_;
    error_.message = std::move(message);
    return false;
  }
  bool missing(std::string_view field, std::string_view type) {
    std::string message = "missing or invalid field \"";
    message += field;
    message += "\" (";
    message += type;
    message += ')';
    if (kind_text_.size() > 0) {
      message += " in a ";
      message += kind_text_;
      message += " event";
    }
    return fail(std::move(message));
  }

  bool add_header() {
    const auto format = line_.get_string("format");
    if (!format || *format != "troupe-trace") {
      return fail("not a troupe trace: the header's \"format\" must be \"troupe-trace\"");
    }
    const auto version = line_.get_int("version");
    if (!version) return missing("version", "integer");
    if (*version > trace_format_version) {
      error_.newer_version = true;
      return fail("trace format version " + std::to_string(*version) +
                  " is newer than this reader, which knows version " +
                  std::to_string(trace_format_version) + "; use a newer troupe");
    }
    if (*version < 1) return fail("invalid trace format version " + std::to_string(*version));
    trace_header& header = trace_->header;
    header.version = static_cast<int>(*version);
    header.seed = line_.get_uint("seed").value_or(0);
    header.scenario = std::string(line_.get_string("scenario").value_or(""));
    header.build = std::string(line_.get_string("build").value_or(""));
    header.platform = std::string(line_.get_string("platform").value_or(""));
    if (const json_member* pods = line_.find("pods")) {
      auto names = parse_string_array(pods->raw);
      if (pods->type != json_type::array || !names) return missing("pods", "array of strings");
      header.pods = std::move(*names);
    }
    for (const std::string& name : header.pods) {
      const pod_index pod = pod_of(name, 0);
      if (pod == no_pod) return false;
    }
    return true;
  }

  // The pod called `name`, created (present from `t_ns`) when first seen.
  pod_index pod_of(std::string_view name, std::int64_t t_ns) {
    if (name.empty()) return no_pod;
    const string_id id = trace_->names.intern(name);
    if (id < pod_by_name_.size() && pod_by_name_[id] != no_pod) return pod_by_name_[id];
    if (trace_->pods.size() >= pod_count_max) {
      fail("more than " + std::to_string(pod_count_max) + " pods");
      return no_pod;
    }
    if (pod_by_name_.size() <= id) pod_by_name_.resize(id + 1, no_pod);
    const auto pod = static_cast<pod_index>(trace_->pods.size());
    pod_by_name_[id] = pod;
    pod_info info;
    info.name = id;
    info.present.push_back(interval{t_ns, time_max_ns});
    trace_->pods.push_back(std::move(info));
    return pod;
  }

  std::uint32_t actor_of(pod_index pod, std::string_view path) {
    if (pod == no_pod) return no_index;
    const string_id path_id = trace_->names.intern(path);
    const std::uint64_t key = (static_cast<std::uint64_t>(pod) << 32) | path_id;
    const auto found = actor_by_key_.find(key);
    if (found != actor_by_key_.end()) return found->second;
    const auto actor = static_cast<std::uint32_t>(trace_->actors.size());
    trace_->actors.push_back(actor_info{pod, path_id});
    trace_->pods[pod].actors.push_back(actor);
    actor_by_key_.emplace(key, actor);
    return actor;
  }

  bool add_event() {
    kind_text_ = {};
    const auto seq = line_.get_int("seq");
    if (!seq) return missing("seq", "integer");
    const auto t = line_.get_int("t");
    if (!t) return missing("t", "integer nanoseconds");
    const auto kind_text = line_.get_string("ev");
    if (!kind_text) return missing("ev", "string");
    kind_text_ = std::string(*kind_text);
    const auto pod_text = line_.get_string("pod");
    if (!pod_text) return missing("pod", "string");
    if (!trace_->events.empty() && *seq != expected_seq_) {
      return fail("seq " + std::to_string(*seq) + " should be " + std::to_string(expected_seq_) +
                  " (seq increases by one on every line)");
    }
    if (*seq < 0 || *seq > static_cast<std::int64_t>(no_index - 1)) {
      return fail("seq out of range");
    }
    if (*t < last_t_) {
      return fail("time goes backwards: t " + std::to_string(*t) + " after " +
                  std::to_string(last_t_));
    }
    expected_seq_ = *seq + 1;
    last_t_ = *t;
    event e;
    e.seq = static_cast<std::uint32_t>(*seq);
    e.t_ns = *t;
    e.kind = parse_kind(*kind_text).value_or(event_kind::unknown);
    e.pod = pod_of(*pod_text, *t);
    if (!error_.message.empty()) return false;
    const auto index = static_cast<std::uint32_t>(trace_->events.size());
    if (!fill_event(e, index)) return false;
    if (e.pod != no_pod) {
      pod_info& pod = trace_->pods[e.pod];
      e.pod_position = static_cast<std::uint32_t>(pod.events.size());
      pod.events.push_back(index);
    }
    trace_->events.push_back(e);
    return true;
  }

  bool fill_event(event& e, std::uint32_t index) {
    switch (e.kind) {
      case event_kind::spawn:
      case event_kind::stop:
      case event_kind::crash:
      case event_kind::restart: return fill_lifecycle(e);
      case event_kind::send: return fill_send(e, index);
      case event_kind::deliver:
      case event_kind::drop: return fill_arrival(e, index);
      case event_kind::timer: return fill_timer(e);
      case event_kind::fault: return fill_fault(e, index);
      case event_kind::member: return fill_member(e);
      case event_kind::op: return fill_op(e);
      case event_kind::verdict: return fill_verdict(e, index);
      case event_kind::log: return fill_log(e);
      case event_kind::unknown: return true;  // a newer kind: readers ignore it
    }
    return true;
  }

  bool fill_lifecycle(event& e) {
    const auto actor = line_.get_string("actor");
    if (!actor) return missing("actor", "string");
    e.actor = actor_of(e.pod, *actor);
    if (const auto parent = line_.get_string("parent")) e.name = trace_->names.intern(*parent);
    if (const auto reason = line_.get_string("reason")) e.text = trace_->texts.add(*reason);
    return true;
  }

  bool fill_send(event& e, std::uint32_t index) {
    const auto id = line_.get_int("id");
    if (!id) return missing("id", "integer");
    const auto from = line_.get_string("from");
    if (!from) return missing("from", "string");
    const auto to_pod = line_.get_string("to_pod");
    if (!to_pod) return missing("to_pod", "string");
    const auto to = line_.get_string("to");
    if (!to) return missing("to", "string");
    const auto type = line_.get_string("type");
    if (!type) return missing("type", "string");
    e.number = *id;
    e.actor = actor_of(e.pod, *from);
    e.peer_pod = pod_of(*to_pod, e.t_ns);
    e.peer_actor = actor_of(e.peer_pod, *to);
    e.name = trace_->names.intern(*type);
    e.lamport = line_.get_int("lamport").value_or(0);
    e.size_bytes = static_cast<std::uint32_t>(line_.get_int("size").value_or(0));
    if (const auto summary = line_.get_string("summary"); summary && !summary->empty()) {
      e.text = trace_->texts.add(*summary);
    }
    if (!send_by_id_.emplace(*id, index).second) {
      return fail("message id " + std::to_string(*id) + " is sent twice (ids must be unique)");
    }
    return true;
  }

  bool fill_arrival(event& e, std::uint32_t index) {
    const auto id = line_.get_int("id");
    if (!id) return missing("id", "integer");
    const auto to = line_.get_string("to");
    if (!to) return missing("to", "string");
    const auto type = line_.get_string("type");
    if (!type) return missing("type", "string");
    const auto found = send_by_id_.find(*id);
    if (found == send_by_id_.end()) {
      return fail(std::string(to_string(e.kind)) + " of message id " + std::to_string(*id) +
                  " with no earlier send");
    }
    const event& send = trace_->events[found->second];
    e.number = *id;
    e.actor = actor_of(e.pod, *to);
    e.peer_pod = send.pod;
    e.peer_actor = send.actor;
    e.name = trace_->names.intern(*type);
    e.sent_t_ns = line_.get_int("sent_t").value_or(send.t_ns);
    e.lamport = line_.get_int("lamport").value_or(0);
    message_record record;
    record.message_id = *id;
    record.send_t_ns = send.t_ns;
    record.end_t_ns = e.t_ns;
    record.send_event = found->second;
    record.end_event = index;
    record.from_actor = send.actor;
    record.to_actor = e.actor;
    record.type = e.name;
    record.from_pod = send.pod;
    record.to_pod = e.pod;
    if (e.kind == event_kind::drop) {
      const auto reason = line_.get_string("reason");
      if (!reason) return missing("reason", "string");
      record.drop_reason = trace_->names.intern(*reason);
      e.text = trace_->texts.add(*reason);
      record.status = message_status::dropped;
    } else {
      record.status = message_status::delivered;
    }
    trace_->messages.push_back(record);
    return true;
  }

  bool fill_timer(event& e) {
    const auto actor = line_.get_string("actor");
    if (!actor) return missing("actor", "string");
    e.actor = actor_of(e.pod, *actor);
    e.name = trace_->names.intern(line_.get_string("key").value_or(""));
    return true;
  }

  bool fill_member(event& e) {
    const auto member = line_.get_string("member");
    if (!member) return missing("member", "string");
    const auto status = line_.get_string("status");
    if (!status) return missing("status", "string");
    e.name = trace_->names.intern(*member);
    e.text = trace_->texts.add(*status);
    return true;
  }

  bool fill_op(event& e) {
    const auto op = line_.get_int("op");
    if (!op) return missing("op", "integer");
    const auto phase = line_.get_string("phase");
    if (!phase) return missing("phase", "string");
    e.number = *op;
    e.name = trace_->names.intern(line_.get_string("f").value_or(""));
    std::string text(*phase);
    if (const auto key = line_.get_string("key")) text += " key=" + std::string(*key);
    if (const json_member* value = line_.find("value")) {
      text += " value=";
      text += value->type == json_type::string ? std::string(value->raw)
                                               : std::string(value->raw);
    }
    if (const auto client = line_.get_int("client")) {
      text += " client=" + std::to_string(*client);
    }
    e.text = trace_->texts.add(text);
    return true;
  }

  bool fill_verdict(event& e, std::uint32_t index) {
    const auto property = line_.get_string("property");
    if (!property) return missing("property", "string");
    const auto ok = line_.get_bool("ok");
    if (!ok) return missing("ok", "boolean");
    verdict_info verdict;
    verdict.event = index;
    verdict.property = trace_->names.intern(*property);
    verdict.ok = *ok;
    verdict.message = trace_->texts.add(line_.get_string("message").value_or(""));
    verdict.at_seq = line_.get_int("at_seq").value_or(-1);
    e.name = verdict.property;
    e.text = verdict.message;
    e.ok = *ok;
    e.number = verdict.at_seq;
    e.record = static_cast<std::uint32_t>(trace_->verdicts.size());
    trace_->verdicts.push_back(verdict);
    return true;
  }

  bool fill_log(event& e) {
    const auto text = line_.get_string("text");
    if (!text) return missing("text", "string");
    if (const auto actor = line_.get_string("actor")) e.actor = actor_of(e.pod, *actor);
    e.name = trace_->names.intern(line_.get_string("level").value_or("info"));
    e.text = trace_->texts.add(*text);
    return true;
  }

  bool pod_list(std::string_view field, std::vector<pod_index>& out, std::int64_t t_ns) {
    const json_member* member = line_.find(field);
    if (member == nullptr) return true;
    const auto names = parse_string_array(member->raw);
    if (member->type != json_type::array || !names) return missing(field, "array of strings");
    for (const std::string& name : *names) {
      const pod_index pod = pod_of(name, t_ns);
      if (pod == no_pod) return error_.message.empty() ? missing(field, "pod names") : false;
      out.push_back(pod);
    }
    return true;
  }

  std::string pod_names(const std::vector<pod_index>& pods) const {
    std::string text;
    for (const pod_index pod : pods) {
      if (!text.empty()) text += ' ';
      text += trace_->pod_name(pod);
    }
    return text;
  }

  bool fill_fault(event& e, std::uint32_t index) {
    const auto kind = line_.get_string("kind");
    if (!kind) return missing("kind", "string");
    fault_info fault;
    fault.event = index;
    fault.kind = parse_fault_kind(*kind);
    e.fault = fault.kind;
    e.name = trace_->names.intern(*kind);
    std::string text(*kind);
    switch (fault.kind) {
      case fault_kind::partition:
        if (!fill_partition(e, fault, text)) return false;
        break;
      case fault_kind::heal:
        for (fault_info& open : trace_->faults) {
          if (open.kind == fault_kind::partition && open.until_ns == time_max_ns) {
            open.until_ns = e.t_ns;
          }
        }
        break;
      case fault_kind::kill:
      case fault_kind::stop:
        if (e.pod == no_pod) return missing("pod", "a pod name");
        trace_->pods[e.pod].down.push_back(interval{e.t_ns, time_max_ns});
        break;
      case fault_kind::restart:
        if (e.pod == no_pod) return missing("pod", "a pod name");
        close_open(trace_->pods[e.pod].down, e.t_ns);
        e.number = line_.get_int("incarnation").value_or(0);
        if (e.number != 0) text += " incarnation " + std::to_string(e.number);
        break;
      case fault_kind::pause:
        if (e.pod == no_pod) return missing("pod", "a pod name");
        trace_->pods[e.pod].paused.push_back(interval{e.t_ns, time_max_ns});
        break;
      case fault_kind::resume:
        if (e.pod == no_pod) return missing("pod", "a pod name");
        close_open(trace_->pods[e.pod].paused, e.t_ns);
        break;
      case fault_kind::scale:
        if (!fill_scale(e, fault, text)) return false;
        break;
      case fault_kind::skew:
        if (e.pod == no_pod) return missing("pod", "a pod name");
        fault.offset_ns = line_.get_int("offset_ns").value_or(0);
        fault.rate = line_.get_double("rate").value_or(1.0);
        text += " offset " + format_duration(fault.offset_ns) + " rate " +
                std::to_string(fault.rate);
        trace_->pods[e.pod].skews.push_back(index);
        break;
      case fault_kind::network:
        for (const char* field : {"loss", "duplicate", "delay_ns_min", "delay_ns_max"}) {
          if (const json_member* member = line_.find(field)) {
            text += ' ';
            text += field;
            text += '=';
            text += member->raw;
          }
        }
        break;
      default:
        break;
    }
    e.text = trace_->texts.add(text);
    e.record = static_cast<std::uint32_t>(trace_->faults.size());
    trace_->faults.push_back(std::move(fault));
    return true;
  }

  bool fill_partition(const event& e, fault_info& fault, std::string& text) {
    if (const json_member* groups = line_.find("groups")) {
      const auto names = parse_string_array_array(groups->raw);
      if (!names) return missing("groups", "array of arrays of pod names");
      for (const auto& group : *names) {
        std::vector<pod_index>& pods = fault.groups.emplace_back();
        for (const std::string& name : group) {
          const pod_index pod = pod_of(name, e.t_ns);
          if (pod == no_pod) return missing("groups", "pod names");
          pods.push_back(pod);
        }
        text += " [" + pod_names(pods) + "]";
      }
      return true;
    }
    if (!pod_list("from", fault.from, e.t_ns) || !pod_list("to", fault.to, e.t_ns)) return false;
    if (fault.from.empty() || fault.to.empty()) {
      return missing("groups", "or from/to with one_way");
    }
    fault.one_way = line_.get_bool("one_way").value_or(false);
    text += " [" + pod_names(fault.from) + "] -/-> [" + pod_names(fault.to) + "]";
    if (!fault.one_way) text += " (both ways)";
    return true;
  }

  bool fill_scale(const event& e, fault_info& fault, std::string& text) {
    // A pod added by a scale joins the lane set now, even when the header did not list it.
    const json_member* added = line_.find("added");
    if (added != nullptr) {
      const auto names = parse_string_array(added->raw);
      if (!names) return missing("added", "array of strings");
      for (const std::string& name : *names) {
        const bool known = trace_->names.find(name) != no_index &&
                           trace_->find_pod(name) != no_pod;
        const pod_index pod = pod_of(name, e.t_ns);
        if (pod == no_pod) return false;
        if (known && !trace_->pod_present_at(pod, e.t_ns)) {
          trace_->pods[pod].present.push_back(interval{e.t_ns, time_max_ns});
        }
        fault.added.push_back(pod);
      }
    }
    if (!pod_list("removed", fault.removed, e.t_ns)) return false;
    for (const pod_index pod : fault.removed) close_open(trace_->pods[pod].present, e.t_ns);
    text += ' ';
    text += line_.get_string("deployment").value_or("");
    if (const auto replicas = line_.get_int("replicas")) {
      text += " to " + std::to_string(*replicas) + " replicas";
    }
    if (!fault.added.empty()) text += ", added " + pod_names(fault.added);
    if (!fault.removed.empty()) text += ", removed " + pod_names(fault.removed);
    return true;
  }

  static void close_open(std::vector<interval>& spans, std::int64_t t_ns) {
    for (interval& span : spans) {
      if (span.until_ns == time_max_ns) span.until_ns = t_ns;
    }
  }

  void finish_messages() {
    trace& t = *trace_;
    t.end_ns = t.events.empty() ? 0 : t.events.back().t_ns;
    t.start_ns = t.events.empty() ? 0 : t.events.front().t_ns;
    std::vector<bool> has_record(t.events.size(), false);
    for (const message_record& record : t.messages) has_record[record.send_event] = true;
    for (std::uint32_t i = 0; i < t.events.size(); ++i) {
      const event& e = t.events[i];
      if (e.kind != event_kind::send || has_record[i]) continue;
      message_record record;
      record.message_id = e.number;
      record.send_t_ns = e.t_ns;
      record.end_t_ns = std::max(t.end_ns, e.t_ns);
      record.send_event = i;
      record.from_actor = e.actor;
      record.to_actor = e.peer_actor;
      record.type = e.name;
      record.from_pod = e.pod;
      record.to_pod = e.peer_pod;
      t.messages.push_back(record);
    }
    std::sort(t.messages.begin(), t.messages.end(),
              [](const message_record& a, const message_record& b) {
                return a.send_event != b.send_event ? a.send_event < b.send_event
                                                    : a.end_event < b.end_event;
              });
    for (std::uint32_t i = 0; i < t.messages.size(); ++i) {
      const message_record& record = t.messages[i];
      event& send = t.events[record.send_event];
      if (send.record == no_index) send.record = i;
      if (record.end_event != no_index) t.events[record.end_event].record = i;
    }
    split_long_messages();
  }

  void split_long_messages() {
    trace& t = *trace_;
    std::vector<std::int64_t> durations;
    durations.reserve(t.messages.size());
    for (const message_record& record : t.messages) durations.push_back(record.latency_ns());
    if (durations.empty()) return;
    const std::size_t p99 = durations.size() * 99 / 100;
    std::nth_element(durations.begin(), durations.begin() + static_cast<std::ptrdiff_t>(p99),
                     durations.end());
    t.short_message_ns_max = std::max<std::int64_t>(1, durations[p99]);
    for (std::uint32_t i = 0; i < t.messages.size(); ++i) {
      if (t.messages[i].latency_ns() > t.short_message_ns_max) t.long_messages.push_back(i);
    }
  }

  void finish_indexes() {
    trace& t = *trace_;
    std::vector<bool> is_type(t.names.size(), false);
    for (std::uint32_t i = 0; i < t.events.size(); ++i) {
      const event& e = t.events[i];
      if (e.kind != event_kind::send && e.kind != event_kind::deliver) t.mark_events.push_back(i);
      if (e.kind == event_kind::send || e.kind == event_kind::deliver ||
          e.kind == event_kind::drop) {
        is_type[e.name] = true;
      }
    }
    for (string_id id = 0; id < is_type.size(); ++id) {
      if (is_type[id]) t.message_types.push_back(id);
    }
    std::sort(t.message_types.begin(), t.message_types.end(),
              [&](string_id a, string_id b) { return t.name(a) < t.name(b); });
    for (verdict_info& verdict : t.verdicts) {
      if (verdict.at_seq >= 0) verdict.at_event = t.event_by_seq(verdict.at_seq);
    }
  }

  std::unique_ptr<trace> trace_;
  json_line line_;
  load_error error_;
  std::uint64_t line_number_ = 0;
  std::int64_t expected_seq_ = 0;
  std::int64_t last_t_ = 0;
  std::string kind_text_;
  std::vector<pod_index> pod_by_name_;  // by string_id
  std::unordered_map<std::int64_t, std::uint32_t> send_by_id_;
  std::unordered_map<std::uint64_t, std::uint32_t> actor_by_key_;
};

// Feeds complete lines of `chunk` to the builder; returns the offset of the first byte not
// consumed (the start of an incomplete last line).
template <class Feed>
std::size_t feed_lines(std::string_view chunk, Feed&& feed, bool& ok) {
  std::size_t start = 0;
  while (ok) {
    const std::size_t newline = chunk.find('\n', start);
    if (newline == std::string_view::npos) break;
    ok = feed(chunk.substr(start, newline - start));
    start = newline + 1;
  }
  return start;
}

}  // namespace

std::string load_error::describe() const {
  if (line == 0) return message;
  return "line " + std::to_string(line) + ": " + message;
}

load_result load_trace_text(std::string_view text) {
  trace_builder builder;
  builder.reserve_for_bytes(text.size());
  std::uint64_t line_number = 0;
  bool ok = true;
  auto feed = [&](std::string_view line) { return builder.add_line(line, ++line_number); };
  const std::size_t rest = feed_lines(text, feed, ok);
  if (ok && rest < text.size()) ok = feed(text.substr(rest));
  if (!ok) return builder.take_error();
  return builder.finish();
}

load_result load_trace_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return load_error{0, "cannot open " + path + ": " + std::strerror(errno)};
  }
  trace_builder builder;
  if (std::fseek(file, 0, SEEK_END) == 0) {
    const long size = std::ftell(file);
    if (size > 0) builder.reserve_for_bytes(static_cast<std::size_t>(size));
    std::fseek(file, 0, SEEK_SET);
  }
  constexpr std::size_t chunk_bytes = 4 * 1024 * 1024;
  std::string buffer;
  std::size_t filled = 0;
  std::uint64_t line_number = 0;
  bool ok = true;
  auto feed = [&](std::string_view line) { return builder.add_line(line, ++line_number); };
  while (ok) {
    if (buffer.size() - filled < chunk_bytes) buffer.resize(filled + chunk_bytes);
    const std::size_t got = std::fread(buffer.data() + filled, 1, chunk_bytes, file);
    if (got == 0) break;
    filled += got;
    const std::size_t consumed = feed_lines(std::string_view(buffer.data(), filled), feed, ok);
    if (consumed == 0 && filled > trace_line_bytes_max) {
      std::fclose(file);
      return load_error{line_number + 1, "line longer than " +
                                             std::to_string(trace_line_bytes_max) + " bytes"};
    }
    std::memmove(buffer.data(), buffer.data() + consumed, filled - consumed);
    filled -= consumed;
  }
  const bool read_failed = std::ferror(file) != 0;
  std::fclose(file);
  if (read_failed) return load_error{0, "error while reading " + path};
  if (ok && filled > 0) ok = feed(std::string_view(buffer.data(), filled));
  if (!ok) return builder.take_error();
  return builder.finish();
}

}  // namespace troupe::trace_model
