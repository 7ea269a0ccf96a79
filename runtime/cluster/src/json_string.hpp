#pragma once
// Node names, statuses and entity ids are written into trace `record` members as JSON
// strings: quotes and backslashes are escaped, control characters dropped.

#include <string>
#include <string_view>

namespace troupe::cluster::detail {

inline std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;  // control characters are dropped
    out += c;
  }
  return out + "\"";
}

}  // namespace troupe::cluster::detail
