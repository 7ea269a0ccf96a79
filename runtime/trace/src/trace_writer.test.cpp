// Goal: the trace writer produces valid JSON Lines per docs/trace-format.md, escapes text,
// numbers events, and hashes exactly what it wrote.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <xxhash.h>

#include <fstream>

#include "troupe/trace/trace_writer.hpp"

TEST(trace_writer, writes_header_and_numbered_events) {
  const std::string path = ::testing::TempDir() + "/writer.trace.jsonl";
  std::uint64_t hash;
  {
    troupe::trace::trace_writer writer(path);
    writer.header().field("seed", std::uint64_t{7}).field("pods", std::vector<std::string>{"a-0"}).end();
    writer.event(5, "log", "a-0").field("text", "quote \" backslash \\ newline \n tab \t bell \x07").end();
    writer.event(6, "fault", "").field("groups", std::vector<std::vector<std::string>>{{"a"}, {"b", "c"}}).end();
    hash = writer.hash();
  }
  std::ifstream in(path);
  std::string line;
  std::vector<nlohmann::json> lines;
  std::string all;
  while (std::getline(in, line)) {
    lines.push_back(nlohmann::json::parse(line));
    all += line + "\n";
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["format"], "troupe-trace");
  EXPECT_EQ(lines[0]["version"], 1);
  EXPECT_EQ(lines[1]["seq"], 0);
  EXPECT_EQ(lines[1]["text"], "quote \" backslash \\ newline \n tab \t bell \x07");
  EXPECT_EQ(lines[2]["seq"], 1);
  EXPECT_EQ(lines[2]["groups"][1][1], "c");
  troupe::trace::trace_writer again;  // no file: hash only
  EXPECT_EQ(hash, XXH3_64bits(all.data(), all.size()));
}
