#include "troupe/trace/trace_writer.hpp"

#include <xxhash.h>

#include "troupe/runtime/assert.hpp"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstring>

namespace troupe::trace {

namespace {
constexpr std::size_t flush_threshold = 1 << 20;
}

trace_writer::trace_writer(const std::string& path, bool capture)
    : hash_state_(XXH3_createState()), capture_(capture) {
  TROUPE_ASSERT(hash_state_ != nullptr);
  XXH3_64bits_reset(hash_state_);
  if (!path.empty()) {
    file_ = std::fopen(path.c_str(), "wb");
    ok_ = file_ != nullptr;
  }
  buffer_.reserve_tail(file_ != nullptr ? flush_threshold + 4096 : 4096);
}

trace_writer::~trace_writer() {
  flush();
  if (file_ != nullptr) std::fclose(file_);
  XXH3_freeState(hash_state_);
}

std::uint64_t trace_writer::hash() const { return XXH3_64bits_digest(hash_state_); }

void trace_writer::flush() {
  // Only whole lines: a line being built stays in the buffer.
  if (file_ != nullptr && line_start_ > 0) {
    if (std::fwrite(buffer_.data(), 1, line_start_, file_) != line_start_) ok_ = false;
    std::fflush(file_);
  }
  buffer_.consume(line_start_);
  line_start_ = 0;
}

void trace_writer::begin_line(std::string_view opening) {
  first_field_ = true;
  buffer_.append(opening);
}

void trace_writer::finish_line() {
  // The line is hashed, counted and kept as a whole. XXH3 (Debian's libxxhash) hashes
  // several bytes per step; a byte-serial hash was the simulator's floor.
  const char* start = buffer_.data() + line_start_;
  const std::size_t size = buffer_.size() - line_start_;
  XXH3_64bits_update(hash_state_, start, size);
  bytes_ += size;
  if (capture_) lines_.emplace_back(start, size - 1);  // without the '\n'
  if (file_ == nullptr) {
    buffer_.clear();
    line_start_ = 0;
    return;
  }
  line_start_ = buffer_.size();
  if (buffer_.size() >= flush_threshold) flush();
}

namespace {
bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

/// True when one of the 8 bytes of `word` is below 0x20, '"' or '\\' (exact as a test of
/// the whole word; it does not say which byte).
bool word_needs_escape(std::uint64_t word) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
  const std::uint64_t below_space = (word - ones * 0x20) & ~word & highs;
  return (below_space | has_zero(word ^ (ones * '"')) | has_zero(word ^ (ones * '\\'))) != 0;
}

/// The index of the first byte of `text` that needs escaping, or text.size().
std::size_t first_to_escape(std::string_view text) {
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if (word_needs_escape(word)) break;
  }
  while (i < text.size() && !needs_escape(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}
}  // namespace

void trace_writer::append_escaped(std::string_view text) {
  const std::size_t first = first_to_escape(text);
  if (first == text.size()) {
    // The common case (paths, pod and type names): one copy, quotes around it.
    char* out = buffer_.reserve_tail(text.size() + 2);
    *out++ = '"';
    std::memcpy(out, text.data(), text.size());
    out += text.size();
    *out++ = '"';
    buffer_.commit(out);
    return;
  }
  buffer_.push_back('"');
  std::size_t start = 0;
  for (std::size_t i = first; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!needs_escape(c)) continue;
    buffer_.append(text.substr(start, i - start));
    char escaped[8];
    switch (c) {
      case '"': buffer_.append("\\\""); break;
      case '\\': buffer_.append("\\\\"); break;
      case '\n': buffer_.append("\\n"); break;
      case '\t': buffer_.append("\\t"); break;
      case '\r': buffer_.append("\\r"); break;
      default:
        std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
        buffer_.append(escaped);
    }
    start = i + 1;
  }
  buffer_.append(text.substr(start));
  buffer_.push_back('"');
}

template <class Integer>
void trace_writer::append_integer(Integer value) {
  constexpr std::size_t most_digits = 21;  // a sign and 20 digits
  char* out = buffer_.reserve_tail(most_digits);
  buffer_.commit(std::to_chars(out, out + most_digits, value).ptr);
}

trace_writer::line trace_writer::header() {
  begin_line("{");
  line l(*this);
  l.field("format", "troupe-trace").field("version", format_version);
  return l;
}

trace_writer::line trace_writer::event(std::int64_t time_ns, std::string_view kind,
                                       std::string_view pod) {
  // The four members every event starts with, keys written as constants.
  begin_line("{\"seq\":");
  append_integer(next_seq_++);
  buffer_.append(",\"t\":");
  append_integer(time_ns);
  buffer_.append(",\"ev\":");
  append_escaped(kind);
  buffer_.append(",\"pod\":");
  append_escaped(pod);
  first_field_ = false;
  return line(*this);
}

void trace_writer::line::key(std::string_view k) {
  // Keys are the program's own names (docs/trace-format.md): written without escaping.
  char* out = writer_.buffer_.reserve_tail(k.size() + 4);
  if (!writer_.first_field_) *out++ = ',';
  writer_.first_field_ = false;
  *out++ = '"';
  std::memcpy(out, k.data(), k.size());
  out += k.size();
  *out++ = '"';
  *out++ = ':';
  writer_.buffer_.commit(out);
}

trace_writer::line& trace_writer::line::field(std::string_view k, std::int64_t value) {
  key(k);
  writer_.append_integer(value);
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k, std::uint64_t value) {
  key(k);
  writer_.append_integer(value);
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k, double value) {
  key(k);
  char text[40];
  // %.17g round-trips and is the same on every run of the same binary.
  if (std::isfinite(value)) std::snprintf(text, sizeof text, "%.17g", value);
  else std::snprintf(text, sizeof text, "null");
  writer_.buffer_.append(text);
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k, bool value) {
  key(k);
  writer_.buffer_.append(value ? "true" : "false");
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k, std::string_view value) {
  key(k);
  writer_.append_escaped(value);
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k,
                                              const std::vector<std::string>& values) {
  key(k);
  writer_.buffer_.append("[");
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) writer_.buffer_.append(",");
    writer_.append_escaped(values[i]);
  }
  writer_.buffer_.append("]");
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k,
                                              const std::vector<std::vector<std::string>>& groups) {
  key(k);
  writer_.buffer_.append("[");
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) writer_.buffer_.append(",");
    writer_.buffer_.append("[");
    for (std::size_t i = 0; i < groups[g].size(); ++i) {
      if (i > 0) writer_.buffer_.append(",");
      writer_.append_escaped(groups[g][i]);
    }
    writer_.buffer_.append("]");
  }
  writer_.buffer_.append("]");
  return *this;
}

trace_writer::line& trace_writer::line::raw(std::string_view k, std::string_view json) {
  key(k);
  writer_.buffer_.append(json);
  return *this;
}

trace_writer::line& trace_writer::line::raw_members(std::string_view json_members) {
  if (!writer_.first_field_) writer_.buffer_.append(",");
  writer_.first_field_ = false;
  writer_.buffer_.append(json_members);
  return *this;
}

void trace_writer::line::end() {
  writer_.buffer_.append("}\n");
  writer_.finish_line();
}

void trace_writer::text_buffer::append(std::string_view text) {
  char* out = reserve_tail(text.size());
  std::memcpy(out, text.data(), text.size());
  size_ += text.size();
}

void trace_writer::text_buffer::consume(std::size_t n) {
  TROUPE_ASSERT(n <= size_);
  std::memmove(data_.get(), data_.get() + n, size_ - n);
  size_ -= n;
}

void trace_writer::text_buffer::grow(std::size_t n) {
  const std::size_t capacity = std::max(capacity_ * 2, size_ + n);
  auto data = std::make_unique_for_overwrite<char[]>(capacity);
  if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
  data_ = std::move(data);
  capacity_ = capacity;
}

std::string hash_hex(std::uint64_t hash) {
  char text[20];
  std::snprintf(text, sizeof text, "%016" PRIx64, hash);
  return text;
}

}  // namespace troupe::trace
