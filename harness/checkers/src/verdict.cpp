#include "troupe/checkers/verdict.hpp"

#include <nlohmann/json.hpp>

namespace troupe::checkers {

std::string to_trace_line(const verdict& result, std::uint64_t seq, std::int64_t t) {
  // An ordered_json keeps the field order of docs/trace-format.md's example.
  nlohmann::ordered_json line;
  line["seq"] = seq;
  line["t"] = t;
  line["ev"] = "verdict";
  line["pod"] = "";
  line["property"] = result.property;
  line["ok"] = result.ok;
  line["message"] = result.message;
  if (result.at_seq) {
    line["at_seq"] = *result.at_seq;
  }
  // Messages may quote values from the trace; replace invalid UTF-8 instead of throwing.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace troupe::checkers
