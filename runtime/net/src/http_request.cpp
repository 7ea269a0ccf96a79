#include "http_request.hpp"

namespace troupe::net::detail {
namespace {

bool visible(char c) { return c > 0x20 && c < 0x7f; }

/// The next line of `text` from `at` without its "\r\n" or "\n"; moves `at` past it.
std::string_view next_line(std::string_view text, std::size_t& at) {
  const std::size_t end = text.find('\n', at);
  std::string_view line = text.substr(at, end - at);
  at = end + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool parse_request_line(std::string_view line, http_head& head) {
  const std::size_t first = line.find(' ');
  if (first == std::string_view::npos || first == 0) return false;
  const std::size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos || second == first + 1) return false;
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  for (char c : method)
    if (c < 'A' || c > 'Z') return false;
  if (target.front() != '/') return false;
  for (char c : target)
    if (!visible(c)) return false;
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
  head.method = std::string(method);
  head.path = std::string(target.substr(0, target.find('?')));
  return true;
}

bool valid_header_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (char c : line.substr(0, colon))
    if (!visible(c)) return false;
  for (char c : line.substr(colon + 1))
    if (c != '\t' && (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)) return false;
  return true;
}

}  // namespace

http_head parse_http_head(std::string_view received, std::size_t bytes_max) {
  http_head head;
  // The end of the head: the first empty line.
  std::size_t end = std::string_view::npos;
  for (std::size_t at = received.find('\n'); at != std::string_view::npos;
       at = received.find('\n', at + 1)) {
    const std::size_t next = at + 1;
    if (next < received.size() && received[next] == '\n') {
      end = next + 1;
      break;
    }
    if (next + 1 < received.size() && received[next] == '\r' && received[next + 1] == '\n') {
      end = next + 2;
      break;
    }
  }
  if (end == std::string_view::npos || end > bytes_max) {
    head.state = received.size() >= bytes_max ? head_state::too_large : head_state::incomplete;
    if (end != std::string_view::npos) head.state = head_state::too_large;
    return head;
  }
  const std::string_view text = received.substr(0, end);
  std::size_t at = 0;
  if (!parse_request_line(next_line(text, at), head)) {
    head.state = head_state::malformed;
    return head;
  }
  while (at < text.size()) {
    const std::string_view line = next_line(text, at);
    if (line.empty()) break;
    if (!valid_header_line(line)) {
      head.state = head_state::malformed;
      return head;
    }
  }
  head.state = head_state::complete;
  return head;
}

}  // namespace troupe::net::detail
