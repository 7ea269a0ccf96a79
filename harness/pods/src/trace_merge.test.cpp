// Goal: the traces of several node processes and the runner's fault events become one trace
// the checkers accept: one header, events in time order, seq renumbered from 0, op ids that
// never collide between processes, and a killed process's cut-short last line tolerated.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "troupe/checkers/trace.hpp"
#include "troupe/pods/trace_merge.hpp"

namespace pods = troupe::pods;
using json = nlohmann::ordered_json;

namespace {

class pods_trace_merge : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("troupe-merge-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << content;
    return path;
  }
  std::filesystem::path dir_;
};

json header() {
  return json{{"seed", 0}, {"scenario", "t"}, {"build", "b"}, {"platform", "pods"}, {"pods", {"kv-0", "client-0"}}};
}

}  // namespace

TEST_F(pods_trace_merge, events_sorted_by_time_and_renumbered_with_faults_first_at_a_tie) {
  const auto a = write("kv-0.1", R"({"format":"troupe-trace","version":1,"node":"kv-0","epoch_ns":1000}
{"seq":0,"t":5,"ev":"spawn","pod":"kv-0","actor":"/user/store","parent":"/user"}
{"seq":1,"t":30,"ev":"deliver","pod":"kv-0","id":7,"from_pod":"client-0","from":"/user/c","to":"/user/store","type":"kv.put","lamport":3}
)");
  const auto b = write("client-0.1", R"({"format":"troupe-trace","version":1,"node":"client-0","epoch_ns":1000}
{"seq":0,"t":20,"ev":"send","pod":"client-0","id":7,"from":"/user/c","to_pod":"kv-0","to":"/user/store","type":"kv.put","lamport":1}
{"seq":1,"t":30,"ev":"log","pod":"client-0","actor":"","level":"info","text":"x"}
)");
  std::vector<json> faults = {json{{"t", 30}, {"ev", "fault"}, {"pod", ""}, {"kind", "heal"}}};
  auto merged = pods::merge_traces(header(), faults, {{a, "kv-0"}, {b, "client-0"}}, 1000);
  ASSERT_EQ(merged.error, "");
  ASSERT_EQ(merged.lines.size(), 6u);
  EXPECT_EQ(merged.lines[0],
            R"({"format":"troupe-trace","version":1,"seed":0,"scenario":"t","build":"b","platform":"pods","pods":["kv-0","client-0"]})");
  EXPECT_EQ(merged.lines[1], R"({"seq":0,"t":5,"ev":"spawn","pod":"kv-0","actor":"/user/store","parent":"/user"})");
  EXPECT_EQ(json::parse(merged.lines[2])["ev"], "send");
  EXPECT_EQ(merged.lines[3], R"({"seq":2,"t":30,"ev":"fault","pod":"","kind":"heal"})");
  EXPECT_EQ(json::parse(merged.lines[4])["ev"], "deliver");  // kv-0's file comes first
  EXPECT_EQ(json::parse(merged.lines[5])["seq"], 4);
  EXPECT_EQ(merged.events, 5u);
  auto parsed = troupe::checkers::read_trace_lines(merged.lines);
  ASSERT_TRUE(parsed.ok()) << parsed.failure().to_string();
  EXPECT_EQ(parsed.value().messages.size(), 2u);
}

TEST_F(pods_trace_merge, op_ids_of_two_processes_do_not_collide) {
  // Two incarnations of one client pod both number their operations from 1.
  const std::string ops = R"({"seq":0,"t":T0,"ev":"op","pod":"client-0","client":0,"op":1,"phase":"invoke","f":"write","key":"k","value":V}
{"seq":1,"t":T1,"ev":"op","pod":"client-0","client":0,"op":1,"phase":"ok","f":"write","key":"k","value":V}
)";
  auto fill = [&](std::string t0, std::string t1, std::string v) {
    std::string s = ops;
    for (auto [key, value] : {std::pair{"T0", t0}, {"T1", t1}, {"V", v}, {"V", v}})
      s.replace(s.find(key), std::string(key).size(), value);
    return s;
  };
  const auto first = write("client-0.1", fill("10", "20", "1"));
  const auto second = write("client-0.2", fill("30", "40", "2"));
  auto merged = pods::merge_traces(header(), {}, {{first, "client-0"}, {second, "client-0"}});
  ASSERT_EQ(merged.error, "");
  auto parsed = troupe::checkers::read_trace_lines(merged.lines);
  ASSERT_TRUE(parsed.ok()) << parsed.failure().to_string();
  ASSERT_EQ(parsed.value().operations.size(), 2u);
  EXPECT_NE(parsed.value().operations[0].id, parsed.value().operations[1].id);
  EXPECT_NE(parsed.value().operations[0].client, parsed.value().operations[1].client);
}

TEST_F(pods_trace_merge, a_killed_process_may_end_in_a_cut_line_others_may_not) {
  const auto cut = write("kv-1.1", "{\"seq\":0,\"t\":1,\"ev\":\"timer\",\"pod\":\"kv-1\",\"actor\":\"/a\",\"key\":\"k\"}\n"
                                   "{\"seq\":1,\"t\":2,\"ev\":\"ti");
  auto merged = pods::merge_traces(header(), {}, {{cut, "kv-1", true}});
  ASSERT_EQ(merged.error, "");
  EXPECT_EQ(merged.events, 1u);
  EXPECT_EQ(merged.truncated_lines, 1u);
  auto refused = pods::merge_traces(header(), {}, {{cut, "kv-1", false}});
  EXPECT_EQ(refused.error, cut + ":2: not a JSON object");
  EXPECT_TRUE(refused.lines.empty());
}

TEST_F(pods_trace_merge, times_move_onto_the_runs_epoch_and_missing_files_are_listed) {
  const auto late = write("kv-2.1", R"({"format":"troupe-trace","version":1,"epoch_ns":1500}
{"seq":0,"t":10,"ev":"timer","pod":"kv-2","actor":"/a","key":"k"}
)");
  auto merged = pods::merge_traces(header(), {}, {{late, "kv-2"}, {(dir_ / "nothing").string(), "kv-3"}}, 1000);
  ASSERT_EQ(merged.error, "");
  EXPECT_EQ(json::parse(merged.lines[1])["t"], 510);
  ASSERT_EQ(merged.missing.size(), 1u);
  const auto bad = write("bad", "{\"seq\":0,\"ev\":\"timer\",\"pod\":\"x\"}\n");
  EXPECT_EQ(pods::merge_traces(header(), {}, {{bad, "x"}}).error, bad + ":1: missing integer field 't'");
}
