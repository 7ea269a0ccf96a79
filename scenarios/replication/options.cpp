#include "replication/options.hpp"

namespace troupe::apps::replication {

std::optional<bug_switches> parse_bug_options(const nlohmann::json& options, std::string& error) {
  bug_switches bugs;
  if (options.is_null()) return bugs;
  if (!options.is_object()) {
    error = "options: expected an object, e.g. {\"bug\": \"none\"}";
    return std::nullopt;
  }
  for (const auto& [name, value] : options.items()) {
    if (name != "bug") {
      error = "options." + name + ": unknown option (known: bug)";
      return std::nullopt;
    }
  }
  if (!options.contains("bug")) return bugs;
  const auto& bug = options["bug"];
  const std::string known = "none, ack_before_majority, stale_reads";
  if (!bug.is_string()) {
    error = "options.bug: expected a string, one of " + known;
    return std::nullopt;
  }
  const auto name = bug.get<std::string>();
  if (name == "ack_before_majority") {
    bugs.ack_before_majority = true;
  } else if (name == "stale_reads") {
    bugs.stale_reads = true;
  } else if (name != "none") {
    error = "options.bug: unknown bug '" + name + "' (known: " + known + ")";
    return std::nullopt;
  }
  return bugs;
}

std::string bug_name(const bug_switches& bugs) {
  if (bugs.ack_before_majority) return "ack_before_majority";
  if (bugs.stale_reads) return "stale_reads";
  return "none";
}

}  // namespace troupe::apps::replication
