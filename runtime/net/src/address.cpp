// Parsing of "host:port" addresses (address.hpp).

#include "troupe/net/address.hpp"

#include <charconv>

namespace troupe::net {

std::string address::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<address> parse_address(std::string_view text, bool allow_port_zero) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 literal needs brackets
  }
  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc{} || end != port_text.data() + port_text.size())
    return std::nullopt;
  if (port > 65535 || (port == 0 && !allow_port_zero)) return std::nullopt;
  return address{std::string(host), static_cast<std::uint16_t>(port)};
}

std::optional<std::vector<address>> parse_address_list(std::string_view text,
                                                       std::string* bad_item) {
  std::vector<address> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    auto parsed = parse_address(item);
    if (!parsed) {
      if (bad_item != nullptr) *bad_item = std::string(item);
      return std::nullopt;
    }
    out.push_back(std::move(*parsed));
  }
  return out;
}

}  // namespace troupe::net
