#pragma once
/// Network addresses as users write them on the command line: "127.0.0.1:7355".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::net {

/// A host (an IPv4 or IPv6 literal, or a name to resolve) and a TCP port.
struct address {
  std::string host;
  std::uint16_t port = 0;

  /// "host:port", with brackets around IPv6 hosts ("[::1]:7355").
  [[nodiscard]] std::string to_string() const;
  bool operator==(const address&) const = default;
};

/// Parses "host:port" or "[v6-host]:port". The port must be 0..65535 (0 only when
/// `allow_port_zero`: a listening address where the kernel picks the port). Returns nullopt
/// on anything else: an empty host, a missing or non-numeric port.
[[nodiscard]] std::optional<address> parse_address(std::string_view text,
                                                   bool allow_port_zero = false);

/// Parses a comma-separated list ("a:1,b:2"; empty items are skipped). Returns nullopt if
/// any item is not an address, with that item in `bad_item` when given.
[[nodiscard]] std::optional<std::vector<address>> parse_address_list(
    std::string_view text, std::string* bad_item = nullptr);

}  // namespace troupe::net
