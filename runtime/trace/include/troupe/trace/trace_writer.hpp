#pragma once
/// Writes a trace in the JSON Lines format of docs/trace-format.md and hashes what it
/// writes, so that two runs can be compared by hash. Shared by the simulator (simnet) and
/// real nodes (node_trace.hpp).

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct XXH3_state_s;  // xxhash.h

namespace troupe::trace {

/// Appends events to a trace. Not thread-safe: the simulation thread owns it, or a node's
/// trace holds it under a mutex (node_trace).
class trace_writer {
 public:
  /// Writes to `path` (empty: keep only the hash and counts, write nothing). With
  /// `capture`, also keeps every line in memory (see lines()) for checkers.
  explicit trace_writer(const std::string& path = {}, bool capture = false);
  ~trace_writer();
  trace_writer(const trace_writer&) = delete;
  trace_writer& operator=(const trace_writer&) = delete;

  /// False when the file could not be opened or written.
  bool ok() const { return ok_; }

  /// One line being built; finish it with end(). Fields are written in call order. Keys
  /// are the program's own names (string literals): written as they are, not escaped.
  class line {
   public:
    line& field(std::string_view key, std::int64_t value);
    line& field(std::string_view key, std::uint64_t value);
    line& field(std::string_view key, int value) { return field(key, static_cast<std::int64_t>(value)); }
    line& field(std::string_view key, double value);
    line& field(std::string_view key, bool value);
    line& field(std::string_view key, std::string_view value);
    line& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
    line& field(std::string_view key, const std::vector<std::string>& values);
    line& field(std::string_view key, const std::vector<std::vector<std::string>>& groups);
    /// A value that is already JSON text.
    line& raw(std::string_view key, std::string_view json);
    /// Members that are already JSON text (`"a":1,"b":"x"`), appended as they are.
    line& raw_members(std::string_view json_members);
    void end();

   private:
    friend class trace_writer;
    explicit line(trace_writer& writer) : writer_(writer) {}
    void key(std::string_view k);
    trace_writer& writer_;
  };

  /// Starts the header line (format and version are written for you).
  line header();
  /// Starts an event line with seq, t, ev and pod.
  line event(std::int64_t time_ns, std::string_view kind, std::string_view pod);

  /// A fresh message id, unique within the trace (ids start at 1).
  std::uint64_t next_message_id() { return ++last_message_id_; }
  std::uint64_t events() const { return next_seq_; }
  std::uint64_t bytes() const { return bytes_; }
  /// XXH3-64 (seed 0) over every byte written so far.
  std::uint64_t hash() const;
  /// Writes buffered whole lines to the file.
  void flush();
  /// The lines written so far, without '\n' (only when capturing).
  const std::vector<std::string>& lines() const { return lines_; }

  static constexpr int format_version = 1;

 private:
  /// Hashes, counts and keeps the line that starts at `line_start_`, and leaves it in
  /// `buffer_` for the file (or drops it when there is no file).
  void finish_line();
  void begin_line(std::string_view opening);
  void append_escaped(std::string_view text);
  template <class Integer>
  void append_integer(Integer value);

  std::FILE* file_ = nullptr;
  bool ok_ = true;
  /// Whole lines not yet written to the file, then the line being built (from
  /// `line_start_`). Lines are built in place: no copy from a line buffer to the file buffer.
  class text_buffer {
   public:
    /// Room for `n` more bytes at end().
    char* reserve_tail(std::size_t n) {
      if (capacity_ - size_ < n) grow(n);
      return data_.get() + size_;
    }
    void commit(char* new_end) { size_ = static_cast<std::size_t>(new_end - data_.get()); }
    void append(std::string_view text);
    void push_back(char c) { *reserve_tail(1) = c, ++size_; }
    const char* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    void clear() { size_ = 0; }
    /// Drops the first `n` bytes.
    void consume(std::size_t n);

   private:
    void grow(std::size_t n);
    std::unique_ptr<char[]> data_;  // not zeroed: bytes are written before they are read
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
  };
  text_buffer buffer_;
  std::size_t line_start_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t last_message_id_ = 0;
  std::uint64_t bytes_ = 0;
  ::XXH3_state_s* hash_state_;  // XXH3-64 over every byte written
  bool first_field_ = true;
  bool capture_ = false;
  std::vector<std::string> lines_;
};

/// Renders a hash as 16 hex digits.
std::string hash_hex(std::uint64_t hash);

}  // namespace troupe::trace
