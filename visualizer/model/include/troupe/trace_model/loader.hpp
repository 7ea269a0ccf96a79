#pragma once
/// Reading a trace file into an indexed trace.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "troupe/trace_model/trace.hpp"

namespace troupe::trace_model {

/// Why a trace could not be read. `line` is 1-based; 0 when the file itself failed.
struct load_error {
  std::uint64_t line = 0;
  std::string message;
  /// True when the file was written by a newer format version than this reader knows.
  bool newer_version = false;
  /// "line 12: ..." or the message alone when line is 0.
  [[nodiscard]] std::string describe() const;
};

/// A loaded trace or the reason it could not be loaded.
class [[nodiscard]] load_result {
 public:
  load_result(std::unique_ptr<trace> value) : state_(std::move(value)) {}
  load_result(load_error error) : state_(std::move(error)) {}
  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  [[nodiscard]] trace& value() { return *std::get<0>(state_); }
  [[nodiscard]] std::unique_ptr<trace> take() { return std::move(std::get<0>(state_)); }
  [[nodiscard]] const load_error& error() const { return std::get<1>(state_); }

 private:
  std::variant<std::unique_ptr<trace>, load_error> state_;
};

/// Bound on one line of a trace, checked before the line is buffered.
inline constexpr std::size_t trace_line_bytes_max = 16 * 1024 * 1024;

/// Reads and indexes the trace at `path`. Never throws on bad input: a missing file, a line
/// that is not JSON, a missing field, a broken seq/time order or a newer version is an error
/// naming the line.
load_result load_trace_file(const std::string& path);

/// The same from text held in memory (tests, tools).
load_result load_trace_text(std::string_view text);

}  // namespace troupe::trace_model
