#pragma once
// The messages of the `iot` device registry: telemetry from a device, a query of a device's
// last value, and the answer to both.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "troupe/runtime.hpp"

namespace troupe::apps::iot {

/// A device reports a reading. (client, op) identifies it, so a duplicate is applied once.
struct telemetry {
  std::string device;
  std::uint64_t client = 0;
  std::uint64_t op = 0;
  std::int64_t value = 0;
  template <class A>
  void fields(A& a) {
    a(device, client, op, value);
  }
};

/// Asks for a device's last reported value. (client, op) identifies it like telemetry.
struct query {
  std::string device;
  std::uint64_t client = 0;
  std::uint64_t op = 0;
  template <class A>
  void fields(A& a) {
    a(device, client, op);
  }
};

/// The answer: `accepted` false when the registry refused (not the device's home, or full);
/// `value` the last reading (absent: none yet) for a query, the stored one for telemetry.
struct answer {
  bool accepted = false;
  std::optional<std::int64_t> value;
  template <class A>
  void fields(A& a) {
    a(accepted, value);
  }
};

using protocol = std::variant<telemetry, query>;

}  // namespace troupe::apps::iot

TROUPE_MESSAGE(troupe::apps::iot::telemetry, "iot.telemetry");
TROUPE_MESSAGE(troupe::apps::iot::query, "iot.query");
TROUPE_MESSAGE(troupe::apps::iot::answer, "iot.answer");
