#pragma once
// The scenario options of the applications built on the replicated store (kv, counter):
// {"bug": "none" | "ack_before_majority" | "stale_reads"}.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "replication/replica.hpp"

namespace troupe::apps::replication {

/// Reads `options` (an object, or null for the defaults). Returns nothing and sets `error`,
/// naming the option, for anything else.
std::optional<bug_switches> parse_bug_options(const nlohmann::json& options, std::string& error);

/// "none", "ack_before_majority" or "stale_reads".
std::string bug_name(const bug_switches& bugs);

}  // namespace troupe::apps::replication
