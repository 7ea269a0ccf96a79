#include "troupe/simnet/faults.hpp"

namespace troupe::sim {
namespace {
struct named_kind {
  fault_kind kind;
  const char* name;
};
constexpr named_kind kinds[] = {
    {fault_kind::partition, "partition"}, {fault_kind::heal, "heal"},
    {fault_kind::kill, "kill"},           {fault_kind::restart, "restart"},
    {fault_kind::stop, "stop"},           {fault_kind::scale, "scale"},
    {fault_kind::skew, "skew"},           {fault_kind::pause, "pause"},
    {fault_kind::resume, "resume"},       {fault_kind::network, "network"},
};
}  // namespace

const char* to_string(fault_kind kind) {
  for (const auto& k : kinds)
    if (k.kind == kind) return k.name;
  return "unknown";
}

std::optional<fault_kind> fault_kind_from_string(const std::string& name) {
  for (const auto& k : kinds)
    if (name == k.name) return k.kind;
  return std::nullopt;
}

}  // namespace troupe::sim
