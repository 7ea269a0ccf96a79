#pragma once
// The `op` trace events of a client's history (docs/trace-format.md, "op").

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace troupe::apps {

/// The members of one `op` event (without braces), ready for actor_base::record("op", ...):
/// `"client":3,"op":41,"phase":"invoke","f":"write","key":"k1","value":7`. `value` is left
/// out when it is discarded (a read's invoke); a null `value` is written as null.
std::string op_event_members(std::uint64_t client, std::uint64_t op, std::string_view phase,
                             std::string_view f, std::string_view key, const nlohmann::json& value);

}  // namespace troupe::apps
