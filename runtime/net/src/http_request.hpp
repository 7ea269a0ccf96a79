#pragma once
// The request head parser of the management endpoint (management_server.hpp): just enough
// HTTP/1.x to route `GET /alive` and `GET /ready`, strict about everything it reads.

#include <cstddef>
#include <string>
#include <string_view>

namespace troupe::net::detail {

enum class head_state {
  incomplete,  ///< no blank line yet, and under the bound: read more
  complete,    ///< method and path are set
  too_large,   ///< no blank line within the bound
  malformed,   ///< not an HTTP/1.x request head
};

struct http_head {
  head_state state = head_state::incomplete;
  std::string method;  ///< e.g. "GET"
  std::string path;    ///< the target without its query, e.g. "/ready"
};

/// Parses the bytes received so far. The head ends with an empty line ("\r\n\r\n", or
/// "\n\n" from lenient clients); it must fit `bytes_max` bytes. The request line is
/// `METHOD SP TARGET SP HTTP/1.0|HTTP/1.1`, the method upper-case letters, the target an
/// origin form starting with '/' without control characters; each header line has a name
/// of visible characters without spaces followed by ':'. Bytes after the head are ignored.
http_head parse_http_head(std::string_view received, std::size_t bytes_max);

}  // namespace troupe::net::detail
