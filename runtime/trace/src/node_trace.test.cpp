// Goal: a real node's trace stays a valid trace while actors on many threads write to it at
// once: whole lines, seq increasing by one, times that never decrease and start at the
// given epoch, message ids that carry the node's prefix and never repeat, and lines flushed
// before the process would be killed are on disk.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "troupe/runtime.hpp"
#include "troupe/trace/node_trace.hpp"

namespace {

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

std::int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(node_trace, threads_writing_at_once_give_a_valid_trace_with_unique_prefixed_ids) {
  const std::string path = ::testing::TempDir() + "/node_trace.jsonl";
  constexpr int threads = 4;
  constexpr int sends_per_thread = 2000;
  const std::uint64_t prefix = troupe::trace::message_id_prefix(3, 2);
  // The run started two seconds ago: the node's first event is about 2 s into the trace.
  const std::int64_t epoch_ns = unix_ns() - 2'000'000'000;
  {
    troupe::trace::node_trace trace({.path = path,
                                     .pod = "kv-1",
                                     .scenario = "small",
                                     .pods = {"kv-0", "kv-1"},
                                     .platform = "tcp",
                                     .epoch_ns = epoch_ns,
                                     .incarnation = 2,
                                     .message_id_prefix = prefix});
    ASSERT_TRUE(trace.ok());
    std::vector<std::thread> workers;
    for (int w = 0; w < threads; ++w) {
      workers.emplace_back([&trace, w] {
        for (int i = 0; i < sends_per_thread; ++i) {
          troupe::typed_envelope<std::string> message(std::in_place, "hello \"" + std::to_string(i));
          trace.on_send(message, "/user/w" + std::to_string(w), "kv-0", "/user/echo");
          if (i % 100 == 0) trace.on_record("op", R"("client":1,"op":2,"phase":"invoke")");
          if (i % 500 == 0) trace.flush();
        }
      });
    }
    for (auto& worker : workers) worker.join();
  }
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 1u + threads * (sends_per_thread + sends_per_thread / 100));
  EXPECT_EQ(lines[0]["format"], "troupe-trace");
  EXPECT_EQ(lines[0]["platform"], "tcp");
  EXPECT_EQ(lines[0]["node"], "kv-1");
  EXPECT_EQ(lines[0]["pods"], nlohmann::json::array({"kv-0", "kv-1"}));
  std::set<std::uint64_t> ids;
  std::int64_t last_t = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["seq"].get<std::uint64_t>(), i - 1);
    const auto t = lines[i]["t"].get<std::int64_t>();
    EXPECT_GE(t, last_t);
    last_t = t;
    if (lines[i]["ev"] != "send") continue;
    const auto id = lines[i]["id"].get<std::uint64_t>();
    EXPECT_EQ(id >> troupe::trace::message_id_counter_bits, prefix);
    EXPECT_TRUE(ids.insert(id).second) << "id " << id << " repeats";
  }
  EXPECT_EQ(ids.size(), std::size_t{threads * sends_per_thread});
  EXPECT_GE(lines[1]["t"].get<std::int64_t>(), 2'000'000'000);
  EXPECT_LT(lines[1]["t"].get<std::int64_t>(), 60'000'000'000);
}

TEST(node_trace, flushed_lines_are_on_disk_before_the_trace_is_closed) {
  const std::string path = ::testing::TempDir() + "/node_trace_flush.jsonl";
  troupe::trace::node_trace_config config;
  config.path = path;
  config.pod = "kv-0";
  troupe::trace::node_trace trace(config);
  trace.on_log("/user/a", "info", "before the flush");
  trace.flush();
  trace.on_log("/user/a", "info", "after the flush");
  // What a kill now would leave: the header and the flushed line, each ending in '\n'.
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.back(), '\n');
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["text"], "before the flush");
}

TEST(node_trace, different_nodes_and_incarnations_get_different_prefixes) {
  using troupe::trace::message_id_prefix;
  std::set<std::uint64_t> prefixes;
  for (std::uint32_t node = 1; node < 50; ++node)
    for (std::uint64_t incarnation = 1; incarnation < 20; ++incarnation)
      EXPECT_TRUE(prefixes.insert(message_id_prefix(node, incarnation)).second);
  for (auto prefix : prefixes) EXPECT_LE(prefix, troupe::trace::message_id_prefix_max);
}

}  // namespace
