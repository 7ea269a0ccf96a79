#pragma once
// Helpers shared by the model tests: the hand-written example trace and small builders.

#include <fstream>
#include <sstream>
#include <string>

#include "troupe/trace_model/loader.hpp"

namespace troupe::trace_model::testing {

inline std::string small_trace_path() { return std::string(TROUPE_VIZ_TESTDATA) + "/small-kv.jsonl"; }

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// The example trace, loaded; aborts the test binary if it does not load.
inline std::unique_ptr<trace> load_small_trace() {
  auto loaded = load_trace_file(small_trace_path());
  if (!loaded.ok()) throw std::runtime_error(loaded.error().describe());
  return loaded.take();
}

inline const char* header_v1 =
    R"({"format":"troupe-trace","version":1,"seed":7,"scenario":"t","build":"b","platform":"simnet","pods":["a","b"]})";

}  // namespace troupe::trace_model::testing
