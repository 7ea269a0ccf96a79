#include "troupe/cluster/singleton.hpp"

namespace troupe::cluster {

std::optional<member_key> singleton_holder(const membership_state& state) {
  std::optional<member_key> oldest;
  std::uint64_t oldest_number = 0;
  for (const auto& [key, info] : state.members) {
    if (info.status < member_status::up || info.status > member_status::down) continue;
    if (!oldest || info.up_number < oldest_number) {  // address order breaks ties
      oldest = key;
      oldest_number = info.up_number;
    }
  }
  return oldest;
}

}  // namespace troupe::cluster
