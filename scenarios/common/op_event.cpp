#include "common/op_event.hpp"

namespace troupe::apps {

std::string op_event_members(std::uint64_t client, std::uint64_t op, std::string_view phase,
                             std::string_view f, std::string_view key,
                             const nlohmann::json& value) {
  nlohmann::ordered_json event;
  event["client"] = client;
  event["op"] = op;
  event["phase"] = phase;
  event["f"] = f;
  event["key"] = key;
  if (!value.is_discarded()) event["value"] = value;
  std::string text = event.dump();
  return text.substr(1, text.size() - 2);  // the members, without the braces
}

}  // namespace troupe::apps
