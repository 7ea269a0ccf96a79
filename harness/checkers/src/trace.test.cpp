// Goal: the trace reader turns trace lines into the events checkers need, and rejects bad
// input with an error naming the line.

#include "troupe/checkers/trace.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "kv_history_generator.hpp"

namespace troupe::checkers {
namespace {

const std::string header =
    R"({"format":"troupe-trace","version":1,"seed":42,"scenario":"kv","build":"0.1.0+x",)"
    R"("platform":"simnet","pods":["kv-0","kv-1"]})";

std::vector<std::string> sample() {
  return {
      header,
      R"({"seq":0,"t":0,"ev":"spawn","pod":"kv-0","actor":"/user/store","parent":"/user"})",
      R"({"seq":1,"t":1000,"ev":"send","pod":"kv-0","id":17,"from":"/user/a","to_pod":"kv-1","to":"/user/store","type":"kv.put","lamport":1,"size":3,"summary":""})",
      R"({"seq":2,"t":3000,"ev":"op","pod":"kv-0","client":3,"op":41,"phase":"invoke","f":"write","key":"k1","value":7})",
      R"({"seq":3,"t":4000,"ev":"deliver","pod":"kv-1","id":17,"from_pod":"kv-0","from":"/user/a","to":"/user/store","type":"kv.put","lamport":2,"sent_t":1000})",
      R"({"seq":4,"t":5000,"ev":"drop","pod":"kv-1","id":17,"from_pod":"kv-0","from":"/user/a","to":"/user/store","type":"kv.put","reason":"loss","sent_t":1000})",
      R"({"seq":5,"t":6000,"ev":"op","pod":"kv-0","client":3,"op":41,"phase":"ok","f":"write","key":"k1","value":7})",
      R"({"seq":6,"t":7000,"ev":"op","pod":"kv-1","client":4,"op":42,"phase":"invoke","f":"read","key":"k1"})",
      R"({"seq":7,"t":8000,"ev":"fault","pod":"kv-1","kind":"kill"})",
      R"({"seq":8,"t":9000,"ev":"member","pod":"kv-0","member":"kv-1","status":"unreachable"})",
      R"({"seq":9,"t":9500,"ev":"op","pod":"kv-0","client":5,"op":43,"phase":"invoke","f":"cas","key":"k2","value":[1,2]})",
      R"({"seq":10,"t":9600,"ev":"op","pod":"kv-0","client":5,"op":43,"phase":"fail","f":"cas","key":"k2","value":[1,2]})",
      R"({"seq":11,"t":9700,"ev":"somethingnew","pod":"kv-0","extra":1})",
  };
}

TEST(trace_reader, reads_every_event_kind_checkers_use) {
  auto read = read_trace_lines(sample());
  ASSERT_TRUE(read) << read.failure().to_string();
  const trace& events = *read;
  EXPECT_EQ(events.header.seed, 42u);
  EXPECT_EQ(events.header.pods, (std::vector<std::string>{"kv-0", "kv-1"}));
  ASSERT_EQ(events.operations.size(), 3u);
  const operation& write = events.operations[0];
  EXPECT_EQ(write.id, 41u);
  EXPECT_EQ(write.result, outcome::ok);
  EXPECT_EQ(write.invoke_seq, 2u);
  EXPECT_EQ(write.complete_seq, 5u);
  EXPECT_EQ(write.input, 7);
  // An invoke the trace never completes is an info operation that never completes.
  EXPECT_EQ(events.operations[1].result, outcome::info);
  EXPECT_EQ(events.operations[1].complete_seq, never_seq);
  EXPECT_EQ(events.operations[2].result, outcome::fail);
  ASSERT_EQ(events.messages.size(), 3u);
  EXPECT_EQ(events.messages[2].reason, "loss");
  EXPECT_EQ(events.messages[1].peer_pod, "kv-0");
  ASSERT_EQ(events.faults.size(), 1u);
  EXPECT_EQ(events.faults[0].kind, "kill");
  ASSERT_EQ(events.members.size(), 1u);
  EXPECT_EQ(events.members[0].status, "unreachable");
  EXPECT_EQ(events.last_seq, 11u);
  EXPECT_EQ(events.last_t, 9700);
}

std::string error_of(std::vector<std::string> lines) {
  auto read = read_trace_lines(lines);
  return read ? std::string("no error") : read.failure().to_string();
}

TEST(trace_reader, refuses_a_newer_version_naming_line_1) {
  EXPECT_EQ(error_of({R"({"format":"troupe-trace","version":2})"}),
            "line 1: trace format version 2 is not supported (this reader knows versions 1..1)");
}

TEST(trace_reader, names_the_line_of_invalid_json) {
  auto lines = sample();
  lines[4] = R"({"seq":3,"t":4000,)";
  EXPECT_EQ(error_of(lines), "line 5: not valid JSON");
}

TEST(trace_reader, names_the_line_and_field_that_is_missing) {
  auto lines = sample();
  lines[3] =
      R"({"seq":2,"t":3000,"ev":"op","pod":"kv-0","op":41,"phase":"invoke","f":"write","key":"k1"})";
  EXPECT_EQ(error_of(lines), "line 4: missing field 'client'");
}

TEST(trace_reader, rejects_a_seq_gap_and_time_going_back) {
  auto gap = sample();
  gap[2] = R"({"seq":5,"t":1000,"ev":"log","pod":"kv-0"})";
  EXPECT_EQ(error_of(gap), "line 3: seq 5 where 1 was expected (seq increases by one)");
  auto back = sample();
  back[3] = R"({"seq":2,"t":10,"ev":"log","pod":"kv-0"})";
  EXPECT_EQ(error_of(back), "line 4: t 10 is before the previous event's t 1000");
}

TEST(trace_reader, rejects_a_completion_without_invoke) {
  auto lines = sample();
  lines[3] = R"({"seq":2,"t":3000,"ev":"log","pod":"kv-0"})";
  EXPECT_EQ(error_of(lines), "line 7: op 41 completes without an invoke");
}

TEST(trace_reader, reports_a_missing_file_without_a_line) {
  auto read = read_trace_file("/nonexistent/trace.jsonl");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.failure().line, 0u);
}

TEST(trace_reader, reads_a_file_and_round_trips_a_generated_history) {
  const auto specs = generator::random_specs(7, 200, 4, 3, 50);
  const history written = generator::generate(specs, 4, 3);
  const std::string path = ::testing::TempDir() + "/troupe_checkers_round_trip.trace.jsonl";
  {
    std::ofstream file(path);
    for (const auto& line : generator::to_trace_lines(written)) file << line << '\n';
  }
  auto read = read_trace_file(path);
  std::remove(path.c_str());
  ASSERT_TRUE(read) << read.failure().to_string();
  ASSERT_EQ(read->operations.size(), written.size());
  for (std::size_t index = 0; index < written.size(); ++index) {
    const operation& a = written[index];
    const operation& b = read->operations[index];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.result, b.result);
    EXPECT_EQ(a.invoke_seq, b.invoke_seq);
    EXPECT_EQ(a.complete_seq, b.complete_seq);
    EXPECT_EQ(a.input, b.input);
    EXPECT_EQ(a.output, b.output);
  }
}

TEST(trace_reader, a_file_cut_in_its_last_line_reads_up_to_that_line) {
  // What a node killed in the middle of a write leaves: whole lines, then part of one.
  const std::string path = ::testing::TempDir() + "cut_trace.jsonl";
  const auto lines = sample();
  {
    std::ofstream out(path, std::ios::binary);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) out << lines[i] << '\n';
    out << lines.back().substr(0, lines.back().size() / 2);
  }
  auto read = read_trace_file(path);
  ASSERT_TRUE(read.ok()) << read.failure().to_string();
  EXPECT_EQ(read.value().event_count, lines.size() - 2);
  // A bad line that ends with '\n' is not a cut: it stays an error naming the line.
  {
    std::ofstream out(path, std::ios::binary);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) out << lines[i] << '\n';
    out << "{\"seq\":" << '\n';
  }
  auto bad = read_trace_file(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.failure().line, lines.size());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace troupe::checkers
