// Goal: the line reader accepts the JSON the trace writers produce and rejects broken or
// truncated lines with a message naming the column, never crashing.
#include "troupe/trace_model/json_line.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace troupe::trace_model {
namespace {

TEST(json_line, reads_members_of_every_type) {
  json_line line;
  ASSERT_EQ(line.parse(R"({"a":1,"b":-2.5,"c":"x\"y\u00e9","d":true,"e":null,"f":[1,[2]],"g":{}})"),
            "");
  EXPECT_EQ(line.get_int("a"), 1);
  EXPECT_EQ(line.get_double("b"), -2.5);
  EXPECT_EQ(line.get_string("c"), std::string_view("x\"y\xc3\xa9"));
  EXPECT_EQ(line.get_bool("d"), true);
  EXPECT_EQ(line.find("e")->type, json_type::null);
  EXPECT_EQ(line.find("f")->raw, "[1,[2]]");
  EXPECT_EQ(line.find("g")->type, json_type::object);
  EXPECT_FALSE(line.get_int("b").has_value()) << "a fraction is not an integer";
  EXPECT_FALSE(line.get_int("missing").has_value());
}

TEST(json_line, decoded_strings_stay_valid_together) {
  json_line line;
  ASSERT_EQ(line.parse(R"({"a":"1\n","b":"2\t"})"), "");
  const auto a = line.get_string("a");
  const auto b = line.get_string("b");
  EXPECT_EQ(*a, "1\n");
  EXPECT_EQ(*b, "2\t");
}

TEST(json_line, truncated_line_is_reported_with_a_column) {
  json_line line;
  const std::string error = line.parse(R"({"seq":3,"t":10,"ev":"se)");
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  EXPECT_NE(error.find("column"), std::string::npos) << error;
}

TEST(json_line, rejects_non_objects_and_trailing_text) {
  json_line line;
  EXPECT_NE(line.parse("[1,2]"), "");
  EXPECT_NE(line.parse(R"({"a":1} x)"), "");
  EXPECT_NE(line.parse(R"({"a":})"), "");
  EXPECT_NE(line.parse(R"({"a":1,})"), "");
  EXPECT_NE(line.parse(R"({"a":"\q"})"), "");
}

TEST(json_line, string_arrays) {
  EXPECT_EQ(parse_string_array(R"(["kv-0", "kv-1"])"),
            (std::vector<std::string>{"kv-0", "kv-1"}));
  EXPECT_EQ(parse_string_array("[]"), std::vector<std::string>{});
  EXPECT_FALSE(parse_string_array("[1]").has_value());
  const auto groups = parse_string_array_array(R"([["a"],["b","c"]])");
  ASSERT_TRUE(groups.has_value());
  EXPECT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[1][1], "c");
}

RC_GTEST_PROP(json_line, escaped_strings_round_trip, (const std::string& text)) {
  std::string line = "{\"k\":";
  append_json_string(line, text);
  line += '}';
  json_line parsed;
  RC_ASSERT(parsed.parse(line) == "");
  RC_ASSERT(parsed.get_string("k") == std::optional<std::string_view>(text));
}

RC_GTEST_PROP(json_line, any_prefix_of_a_valid_line_fails_cleanly, (unsigned cut)) {
  const std::string line =
      R"({"seq":14,"t":251000,"ev":"deliver","pod":"kv-1","id":17,"groups":[["a"],["b"]]})";
  const std::size_t length = cut % line.size();  // a strict prefix
  json_line parsed;
  RC_ASSERT(parsed.parse(std::string_view(line).substr(0, length)) != "");
}

}  // namespace
}  // namespace troupe::trace_model
