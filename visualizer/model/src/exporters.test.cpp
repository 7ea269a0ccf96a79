// Goal: exports open in Perfetto (valid Chrome trace JSON with a flow arrow per message) and
// in ShiViz (regex header, vector clocks consistent with message order); the export command
// reports bad input with exit code 2.
#include "troupe/trace_model/exporters.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "test_traces.hpp"
#include "troupe/trace_model/export_main.hpp"

namespace troupe::trace_model {
namespace {

TEST(exporters, perfetto_json_has_processes_slices_and_flows) {
  const auto t = testing::load_small_trace();
  std::ostringstream out;
  ASSERT_TRUE(export_perfetto(*t, out));
  const auto json = nlohmann::json::parse(out.str());
  const auto& events = json.at("traceEvents");
  std::map<std::string, int> process_names;
  std::map<std::int64_t, nlohmann::json> flow_starts;
  std::map<std::int64_t, nlohmann::json> flow_ends;
  std::set<std::tuple<int, int, double>> slices;
  for (const auto& e : events) {
    const std::string phase = e.at("ph");
    if (phase == "M" && e.at("name") == "process_name") {
      process_names[e.at("args").at("name")] = e.at("pid");
    }
    if (phase == "X") slices.emplace(e.at("pid"), e.at("tid"), e.at("ts"));
    if (phase == "s") flow_starts[e.at("id")] = e;
    if (phase == "f") flow_ends[e.at("id")] = e;
  }
  EXPECT_EQ(process_names.size(), 5u) << "cluster + 4 pods";
  EXPECT_EQ(process_names["kv-3"], 4);
  // Every delivered or dropped copy is one arrow; the unfinished message has none.
  EXPECT_EQ(flow_starts.size(), 10u);
  EXPECT_EQ(flow_ends.size(), 10u);
  for (const auto& [id, end] : flow_ends) {
    ASSERT_TRUE(flow_starts.count(id));
    EXPECT_LE(flow_starts[id].at("ts").get<double>(), end.at("ts").get<double>());
    EXPECT_TRUE(slices.count({end.at("pid"), end.at("tid"), end.at("ts")}))
        << "a flow end binds to a slice at the same place and time";
  }
  // The slow replicate: sent at 150ms on kv-1, delivered at 350ms on kv-2.
  bool found_slow = false;
  for (const auto& [id, start] : flow_starts) {
    if (start.at("ts").get<double>() == 150000.0) {
      found_slow = true;
      EXPECT_EQ(start.at("pid"), 2);
      EXPECT_EQ(flow_ends[id].at("ts").get<double>(), 350000.0);
      EXPECT_EQ(flow_ends[id].at("pid"), 3);
    }
  }
  EXPECT_TRUE(found_slow);
}

TEST(exporters, shiviz_log_parses_with_its_own_regex_and_clocks_respect_messages) {
  const auto t = testing::load_small_trace();
  std::ostringstream out;
  ASSERT_TRUE(export_shiviz(*t, out));
  std::istringstream in(out.str());
  std::string regex_line;
  std::string delimiter;
  std::getline(in, regex_line);
  std::getline(in, delimiter);
  EXPECT_NE(regex_line.find("(?<host>"), std::string::npos);
  EXPECT_NE(regex_line.find("(?<clock>"), std::string::npos);
  EXPECT_NE(regex_line.find("(?<event>"), std::string::npos);
  EXPECT_EQ(delimiter, "");
  // std::regex has no named groups; the same pattern with plain groups.
  const std::regex pattern(R"((\S+) (\{[^}]*\}) (.*))");
  std::vector<std::pair<std::string, nlohmann::json>> lines;
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    ASSERT_TRUE(std::regex_match(line, match, pattern)) << line;
    lines.emplace_back(match[1], nlohmann::json::parse(match[2].str()));
  }
  std::size_t pod_events = 0;
  for (const event& e : t->events) pod_events += e.pod != no_pod ? 1 : 0;
  ASSERT_EQ(lines.size(), pod_events);
  // The delivery of message 8 on kv-0 knows kv-3's send: its clock has a kv-3 entry.
  for (std::size_t i = 0, line = 0; i < t->events.size(); ++i) {
    if (t->events[i].pod == no_pod) continue;
    if (t->events[i].seq == 30) {
      EXPECT_EQ(lines[line].first, "kv-0");
      EXPECT_EQ(lines[line].second.at("kv-3"), 2) << "spawn and send on kv-3";
    }
    ++line;
  }
}

int run_export(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return troupe_export_main(static_cast<int>(argv.size()), argv.data());
}

TEST(export_main, writes_a_file_and_rejects_bad_input) {
  const std::string out = ::testing::TempDir() + "/small.perfetto.json";
  EXPECT_EQ(run_export({"export", testing::small_trace_path(), "--format", "perfetto", "--out", out}),
            0);
  EXPECT_NO_THROW(nlohmann::json::parse(testing::read_file(out)));
  EXPECT_EQ(run_export({"export", testing::small_trace_path(), "--format", "svg"}), 2);
  EXPECT_EQ(run_export({"export", "--format", "shiviz"}), 2);
  const std::string bad = ::testing::TempDir() + "/bad.jsonl";
  std::FILE* file = std::fopen(bad.c_str(), "w");
  std::fputs(testing::header_v1, file);
  std::fputs("\n{\"seq\":0,\n", file);
  std::fclose(file);
  EXPECT_EQ(run_export({"export", bad, "--format", "shiviz"}), 2);
}

}  // namespace
}  // namespace troupe::trace_model
