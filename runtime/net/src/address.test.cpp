// Goal: the addresses users type on the command line parse as they expect, and malformed
// ones are refused rather than guessed.

#include "troupe/net/address.hpp"

#include <gtest/gtest.h>

namespace {

using troupe::net::address;
using troupe::net::parse_address;
using troupe::net::parse_address_list;

TEST(address, parses_host_and_port) {
  EXPECT_EQ(parse_address("127.0.0.1:7355"), (address{"127.0.0.1", 7355}));
  EXPECT_EQ(parse_address("kv-0.kv:80"), (address{"kv-0.kv", 80}));
  EXPECT_EQ(parse_address("[::1]:9"), (address{"::1", 9}));
  EXPECT_EQ((address{"::1", 9}).to_string(), "[::1]:9");
}

TEST(address, refuses_malformed_text) {
  for (const char* bad : {"", ":1", "host", "host:", "host:x", "host:65536", "host:-1", "::1:5",
                          "host:1x", "[::1:5"})
    EXPECT_FALSE(parse_address(bad)) << bad;
  EXPECT_FALSE(parse_address("host:0"));
  EXPECT_TRUE(parse_address("host:0", true));
}

TEST(address, parses_lists_and_names_the_bad_item) {
  auto list = parse_address_list("a:1,,b:2");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 2u);
  std::string bad;
  EXPECT_FALSE(parse_address_list("a:1,b", &bad));
  EXPECT_EQ(bad, "b");
}

}  // namespace
