#pragma once
// The example trace for the UI tests, which run without a window.

#include <memory>
#include <stdexcept>
#include <string>

#include "troupe/trace_model/loader.hpp"

namespace troupe::viz::testing {

inline std::unique_ptr<trace_model::trace> load_small_trace() {
  auto loaded = trace_model::load_trace_file(std::string(TROUPE_VIZ_TESTDATA) + "/small-kv.jsonl");
  if (!loaded.ok()) throw std::runtime_error(loaded.error().describe());
  return loaded.take();
}

}  // namespace troupe::viz::testing
