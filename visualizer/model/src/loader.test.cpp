// Goal: a user opening a trace gets every event indexed, or a clear error that names the line;
// newer format versions are refused, and no input crashes the reader.
#include "troupe/trace_model/loader.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "test_traces.hpp"

namespace troupe::trace_model {
namespace {

using testing::header_v1;

TEST(loader, reads_the_example_trace) {
  const auto t = testing::load_small_trace();
  EXPECT_EQ(t->header.version, 1);
  EXPECT_EQ(t->header.seed, 42u);
  EXPECT_EQ(t->header.scenario, "kv-partition");
  EXPECT_EQ(t->events.size(), 44u);
  ASSERT_EQ(t->pods.size(), 4u);
  EXPECT_EQ(t->pod_name(3), "kv-3");
  EXPECT_EQ(t->end_ns, 1'000'000'000);
  // Ten sends; message 9 was delivered twice, so eleven arrows.
  EXPECT_EQ(t->messages.size(), 11u);
  EXPECT_EQ(t->events[42].kind, event_kind::verdict);
  EXPECT_EQ(t->events[41].kind, event_kind::unknown) << "unknown kinds are kept, not errors";
  ASSERT_EQ(t->verdicts.size(), 2u);
  EXPECT_FALSE(t->verdicts[0].ok);
  EXPECT_EQ(t->verdicts[0].at_event, 16u);
  EXPECT_EQ(t->text(t->events[32].text), "std::runtime_error: disk \"full\"");
}

TEST(loader, records_what_became_of_each_message) {
  const auto t = testing::load_small_trace();
  const auto& drop = t->messages[t->events[16].record];
  EXPECT_EQ(drop.status, message_status::dropped);
  EXPECT_EQ(t->name(drop.drop_reason), "partition");
  EXPECT_EQ(drop.message_id, 5);
  const auto& slow = t->messages[t->events[17].record];
  EXPECT_EQ(slow.status, message_status::delivered);
  EXPECT_EQ(slow.latency_ns(), 200'000'000);
  const auto& unfinished = t->messages[t->events[40].record];
  EXPECT_EQ(unfinished.status, message_status::unfinished);
  EXPECT_EQ(unfinished.end_t_ns, t->end_ns);
}

TEST(loader, pod_lifecycles_from_faults) {
  const auto t = testing::load_small_trace();
  const pod_index kv2 = t->find_pod("kv-2");
  const pod_index kv3 = t->find_pod("kv-3");
  EXPECT_TRUE(t->pod_down_at(kv2, 450'000'000)) << "killed at 400ms, restarted at 500ms";
  EXPECT_FALSE(t->pod_down_at(kv2, 550'000'000));
  EXPECT_TRUE(t->pod_present_at(kv2, 799'000'000));
  EXPECT_FALSE(t->pod_present_at(kv2, 800'000'000)) << "scaled away at 800ms";
  EXPECT_FALSE(t->pod_present_at(kv3, 599'000'000)) << "added by the scale-up at 600ms";
  EXPECT_TRUE(t->pod_present_at(kv3, 600'000'000));
  ASSERT_EQ(t->faults[0].kind, fault_kind::partition);
  EXPECT_EQ(t->faults[0].until_ns, 300'000'000) << "healed at 300ms";
  EXPECT_EQ(t->faults[0].groups.size(), 2u);
}

std::string with_events(std::initializer_list<const char*> lines) {
  std::string text = header_v1;
  text += '\n';
  for (const char* line : lines) {
    text += line;
    text += '\n';
  }
  return text;
}

void expect_error(const std::string& text, std::uint64_t line, const std::string& words) {
  const auto loaded = load_trace_text(text);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().line, line) << loaded.error().describe();
  EXPECT_NE(loaded.error().describe().find(words), std::string::npos)
      << loaded.error().describe();
  EXPECT_EQ(loaded.error().describe().rfind("line " + std::to_string(line) + ": ", 0), 0u);
}

TEST(loader, truncated_last_line_names_the_line) {
  std::string text = testing::read_file(testing::small_trace_path());
  text.resize(text.size() - 30);
  expect_error(text, 45, "truncated");
}

TEST(loader, invalid_json_names_the_line) {
  expect_error(with_events({R"({"seq":0,"t":0,"ev":"log","pod":"a","text":"x"})", "{not json"}), 3,
               "not valid JSON");
}

TEST(loader, missing_field_is_named) {
  expect_error(with_events({R"({"seq":0,"t":0,"ev":"send","pod":"a","id":1,"from":"/x","to_pod":"b","type":"m"})"}),
               2, "\"to\"");
}

TEST(loader, newer_version_is_refused) {
  const auto loaded = load_trace_text(
      R"({"format":"troupe-trace","version":2,"seed":1,"scenario":"s","build":"b","platform":"simnet","pods":[]})"
      "\n");
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(loaded.error().newer_version);
  EXPECT_NE(loaded.error().describe().find("version 2 is newer"), std::string::npos);
}

TEST(loader, rejects_files_that_are_not_traces) {
  expect_error("{\"format\":\"other\",\"version\":1}\n", 1, "not a troupe trace");
  expect_error("hello\n", 1, "header is not valid JSON");
  const auto empty = load_trace_text("");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().describe().find("empty file"), std::string::npos);
  const auto missing = load_trace_file("/nonexistent/trace.jsonl");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().describe().find("cannot open"), std::string::npos);
}

TEST(loader, order_violations_name_the_line) {
  expect_error(with_events({R"({"seq":0,"t":5,"ev":"log","pod":"a","text":"x"})",
                            R"({"seq":2,"t":5,"ev":"log","pod":"a","text":"x"})"}),
               3, "should be 1");
  expect_error(with_events({R"({"seq":0,"t":5,"ev":"log","pod":"a","text":"x"})",
                            R"({"seq":1,"t":4,"ev":"log","pod":"a","text":"x"})"}),
               3, "backwards");
  expect_error(with_events({R"({"seq":0,"t":5,"ev":"deliver","pod":"a","id":9,"from_pod":"b","from":"/x","to":"/y","type":"m"})"}),
               2, "no earlier send");
}

RC_GTEST_PROP(loader, corrupted_files_load_or_fail_with_a_line_number,
              (unsigned position, unsigned char byte, bool truncate)) {
  std::string text = testing::read_file(testing::small_trace_path());
  const std::size_t at = position % text.size();
  if (truncate) {
    text.resize(at);
  } else {
    text[at] = static_cast<char>(byte);
  }
  const auto loaded = load_trace_text(text);
  if (!loaded.ok()) {
    RC_ASSERT(loaded.error().line >= 1u);
    RC_ASSERT(loaded.error().line <= 45u);
    RC_ASSERT(!loaded.error().message.empty());
  }
}

}  // namespace
}  // namespace troupe::trace_model
