#include "iot/registry.hpp"

#include "iot/device.hpp"

namespace troupe::apps::iot {

std::size_t home_of(const std::string& device, std::size_t servers) {
  TROUPE_ASSERT(servers > 0);
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : device) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return static_cast<std::size_t>(hash % servers);
}

void registry::on_message(protocol& message) {
  const std::string& id =
      std::visit([](const auto& m) -> const std::string& { return m.device; }, message);
  if (servers_[home_of(id, servers_.size())] != self_) {
    reply(answer{false, std::nullopt});  // not this pod's device
    return;
  }
  auto found = devices_.find(id);
  if (found == devices_.end()) {
    if (devices_.size() >= devices_max_) {
      reply(answer{false, std::nullopt});
      return;
    }
    found = devices_.emplace(id, spawn_with<device>({"device-" + id, {}}, durable_).value()).first;
  }
  // The device answers the asker itself.
  std::visit([&](auto& m) { found->second.tell(std::move(m), sender()); }, message);
}

}  // namespace troupe::apps::iot
