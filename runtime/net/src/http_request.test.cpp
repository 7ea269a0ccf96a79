// Goal: the management endpoint's request parser routes well-formed probe requests and
// refuses everything else (garbage, wrong versions, control bytes, heads over the bound)
// without reading past the bound.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http_request.hpp"

namespace {

using troupe::net::detail::head_state;
using troupe::net::detail::parse_http_head;

TEST(http_request, a_probe_request_gives_method_and_path_without_the_query) {
  const auto head = parse_http_head(
      "GET /ready?verbose=1 HTTP/1.1\r\nHost: 10.0.0.2:8558\r\nUser-Agent: kube-probe/1.29\r\n\r\n", 8192);
  ASSERT_EQ(head.state, head_state::complete);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.path, "/ready");
}

TEST(http_request, bare_newlines_and_http_1_0_are_accepted) {
  const auto head = parse_http_head("GET /alive HTTP/1.0\n\n", 8192);
  ASSERT_EQ(head.state, head_state::complete);
  EXPECT_EQ(head.path, "/alive");
}

TEST(http_request, a_head_without_its_blank_line_is_incomplete_until_the_bound) {
  EXPECT_EQ(parse_http_head("GET /ready HTTP/1.1\r\nHost: x\r\n", 8192).state,
            head_state::incomplete);
  EXPECT_EQ(parse_http_head("", 8192).state, head_state::incomplete);
  EXPECT_EQ(parse_http_head(std::string(8192, 'a'), 8192).state, head_state::too_large);
  const std::string long_header = "GET / HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n";
  EXPECT_EQ(parse_http_head(long_header, 8192).state, head_state::too_large);
}

TEST(http_request, garbage_and_near_misses_are_malformed) {
  using namespace std::string_literals;
  for (const std::string& text : std::vector<std::string>{"\r\n\r\n"s, "garbage\r\n\r\n", "GET\r\n\r\n", "GET /ready\r\n\r\n",
                           "GET /ready HTTP/2.0\r\n\r\n", "get /ready HTTP/1.1\r\n\r\n",
                           "GET ready HTTP/1.1\r\n\r\n", "GET  /ready HTTP/1.1\r\n\r\n",
                           "GET /re\x01" "ady HTTP/1.1\r\n\r\n"s, "GET /ready HTTP/1.1\r\nno colon\r\n\r\n",
                           "GET /ready HTTP/1.1\r\n: empty name\r\n\r\n",
                           "GET /ready HTTP/1.1\r\nBad Name: x\r\n\r\n",
                           "\x16\x03\x01\x02\x00\x01\n\n"s}) {
    EXPECT_EQ(parse_http_head(text, 8192).state, head_state::malformed) << text;
  }
}

}  // namespace
