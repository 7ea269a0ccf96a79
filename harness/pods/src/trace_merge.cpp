#include "troupe/pods/trace_merge.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

namespace troupe::pods {

namespace {

using json = nlohmann::ordered_json;

struct pending_event {
  std::int64_t t = 0;
  std::size_t source = 0;  ///< 0: the runner, 1 + i: sources[i]
  std::size_t line = 0;
  json event;
};

/// Renumbers one id field ("op", "client") so that ids from different sources never meet.
class id_renumbering {
 public:
  explicit id_renumbering(const char* field) : field_(field) {}
  void apply(std::size_t source, json& event) {
    auto found = event.find(field_);
    if (found == event.end() || !found->is_number_integer()) return;
    const auto key = std::make_pair(source, found->get<std::int64_t>());
    auto [it, added] = ids_.try_emplace(key, next_);
    if (added) ++next_;
    *found = it->second;
  }

 private:
  const char* field_;
  std::map<std::pair<std::size_t, std::int64_t>, std::int64_t> ids_;
  std::int64_t next_ = 1;
};

/// Reads one node file into `out`; returns "" or why not.
std::string read_source(const trace_source& source, std::size_t index, std::int64_t epoch_ns,
                        std::vector<pending_event>& out, merge_result& result) {
  std::ifstream in(source.path);
  if (!in) {
    if (!std::filesystem::exists(source.path)) {
      result.missing.push_back(source.path);
      return {};
    }
    return source.path + ": cannot be read";
  }
  std::vector<std::string> lines;
  std::int64_t shift_ns = 0;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const bool last = i + 1 == lines.size();
    json event = json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    const std::string where = source.path + ":" + std::to_string(i + 1) + ": ";
    if (event.is_discarded() || !event.is_object()) {
      if (last && source.may_be_truncated) {
        ++result.truncated_lines;
        continue;
      }
      return where + "not a JSON object";
    }
    if (i == 0 && event.value("format", "") == "troupe-trace") {  // the node's header
      const auto node_epoch = event.find("epoch_ns");
      if (epoch_ns != 0 && node_epoch != event.end() && node_epoch->is_number_integer() &&
          node_epoch->get<std::int64_t>() != 0)
        shift_ns = node_epoch->get<std::int64_t>() - epoch_ns;
      continue;
    }
    auto t = event.find("t");
    auto ev = event.find("ev");
    if (t == event.end() || !t->is_number_integer()) return where + "missing integer field 't'";
    if (ev == event.end() || !ev->is_string()) return where + "missing string field 'ev'";
    if (!event.contains("pod")) event["pod"] = source.pod;
    out.push_back({t->get<std::int64_t>() + shift_ns, index, i, std::move(event)});
  }
  return {};
}

}  // namespace

merge_result merge_traces(json header, const std::vector<json>& runner_events,
                          const std::vector<trace_source>& sources, std::int64_t epoch_ns) {
  merge_result result;
  std::vector<pending_event> events;
  for (std::size_t i = 0; i < runner_events.size(); ++i)
    events.push_back({runner_events[i].value("t", std::int64_t{0}), 0, i, runner_events[i]});
  for (std::size_t s = 0; s < sources.size(); ++s) {
    if (auto problem = read_source(sources[s], s + 1, epoch_ns, events, result); !problem.empty()) {
      result.error = problem;
      return result;
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const pending_event& a, const pending_event& b) {
    if (a.t != b.t) return a.t < b.t;
    if (a.source != b.source) return a.source < b.source;
    return a.line < b.line;
  });
  json first{{"format", "troupe-trace"}, {"version", 1}};
  for (auto& [key, value] : header.items())
    if (key != "format" && key != "version") first[key] = std::move(value);
  result.lines.reserve(events.size() + 1);
  result.lines.push_back(first.dump());
  id_renumbering ops("op"), clients("client");
  std::uint64_t seq = 0;
  for (auto& e : events) {
    if (e.source != 0 && e.event.value("ev", "") == "op") {
      ops.apply(e.source, e.event);
      clients.apply(e.source, e.event);
    }
    // seq, t, ev and pod lead the line as in every other trace.
    json line = {{"seq", seq++}, {"t", e.t}, {"ev", e.event["ev"]}, {"pod", e.event.value("pod", "")}};
    for (auto& [key, value] : e.event.items())
      if (key != "seq" && key != "t" && key != "ev" && key != "pod") line[key] = std::move(value);
    result.lines.push_back(line.dump());
  }
  result.events = seq;
  return result;
}

}  // namespace troupe::pods
