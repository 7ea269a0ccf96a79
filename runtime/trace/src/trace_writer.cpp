#include "troupe/trace/trace_writer.hpp"

#include <xxhash.h>

#include "troupe/runtime/assert.hpp"

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
  if (file_ != nullptr) buffer_.reserve(flush_threshold + 4096);
  line_.reserve(1024);
}

trace_writer::~trace_writer() {
  flush();
  if (file_ != nullptr) std::fclose(file_);
  XXH3_freeState(hash_state_);
}

std::uint64_t trace_writer::hash() const { return XXH3_64bits_digest(hash_state_); }

void trace_writer::flush() {
  if (file_ != nullptr && !buffer_.empty()) {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) ok_ = false;
    std::fflush(file_);
  }
  buffer_.clear();
}

void trace_writer::finish_line() {
  // The line is hashed, counted, kept and buffered as a whole. XXH3 (Debian's libxxhash)
  // hashes several bytes per step; a byte-serial hash was the simulator's floor.
  XXH3_64bits_update(hash_state_, line_.data(), line_.size());
  bytes_ += line_.size();
  if (capture_) lines_.emplace_back(line_.data(), line_.size() - 1);  // without the '\n'
  if (file_ != nullptr) {
    buffer_.append(line_);
    if (buffer_.size() >= flush_threshold) flush();
  }
  line_.clear();
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
    // The common case (keys, paths, pod and type names): one copy, quotes around it.
    const std::size_t at = line_.size();
    line_.resize(at + text.size() + 2);
    char* out = line_.data() + at;
    *out++ = '"';
    std::memcpy(out, text.data(), text.size());
    out[text.size()] = '"';
    return;
  }
  line_.push_back('"');
  std::size_t start = 0;
  for (std::size_t i = first; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!needs_escape(c)) continue;
    line_.append(text.substr(start, i - start));
    char escaped[8];
    switch (c) {
      case '"': line_.append("\\\""); break;
      case '\\': line_.append("\\\\"); break;
      case '\n': line_.append("\\n"); break;
      case '\t': line_.append("\\t"); break;
      case '\r': line_.append("\\r"); break;
      default:
        std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
        line_.append(escaped);
    }
    start = i + 1;
  }
  line_.append(text.substr(start));
  line_.push_back('"');
}

template <class Integer>
void trace_writer::append_integer(Integer value) {
  char text[24];
  const auto written = std::to_chars(text, text + sizeof text, value);
  line_.append(text, written.ptr);
}

trace_writer::line trace_writer::header() {
  first_field_ = true;
  line_.push_back('{');
  line l(*this);
  l.field("format", "troupe-trace").field("version", format_version);
  return l;
}

trace_writer::line trace_writer::event(std::int64_t time_ns, std::string_view kind,
                                       std::string_view pod) {
  first_field_ = true;
  line_.push_back('{');
  line l(*this);
  l.field("seq", next_seq_++).field("t", time_ns).field("ev", kind).field("pod", pod);
  return l;
}

void trace_writer::line::key(std::string_view k) {
  if (!writer_.first_field_) writer_.line_.push_back(',');
  writer_.first_field_ = false;
  writer_.append_escaped(k);
  writer_.line_.push_back(':');
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
  writer_.line_.append(text);
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k, bool value) {
  key(k);
  writer_.line_.append(value ? "true" : "false");
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
  writer_.line_.append("[");
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) writer_.line_.append(",");
    writer_.append_escaped(values[i]);
  }
  writer_.line_.append("]");
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k,
                                              const std::vector<std::vector<std::string>>& groups) {
  key(k);
  writer_.line_.append("[");
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) writer_.line_.append(",");
    writer_.line_.append("[");
    for (std::size_t i = 0; i < groups[g].size(); ++i) {
      if (i > 0) writer_.line_.append(",");
      writer_.append_escaped(groups[g][i]);
    }
    writer_.line_.append("]");
  }
  writer_.line_.append("]");
  return *this;
}

trace_writer::line& trace_writer::line::raw(std::string_view k, std::string_view json) {
  key(k);
  writer_.line_.append(json);
  return *this;
}

trace_writer::line& trace_writer::line::raw_members(std::string_view json_members) {
  if (!writer_.first_field_) writer_.line_.append(",");
  writer_.first_field_ = false;
  writer_.line_.append(json_members);
  return *this;
}

void trace_writer::line::end() {
  writer_.line_.append("}\n");
  writer_.finish_line();
}

std::string hash_hex(std::uint64_t hash) {
  char text[20];
  std::snprintf(text, sizeof text, "%016" PRIx64, hash);
  return text;
}

}  // namespace troupe::trace
