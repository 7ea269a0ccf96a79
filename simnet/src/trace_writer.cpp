#include "troupe/simnet/trace_writer.hpp"

#include <cinttypes>
#include <cmath>

namespace troupe::sim {

namespace {
constexpr std::size_t flush_threshold = 1 << 20;
}

trace_writer::trace_writer(const std::string& path, bool capture) : capture_(capture) {
  if (!path.empty()) {
    file_ = std::fopen(path.c_str(), "wb");
    ok_ = file_ != nullptr;
  }
  buffer_.reserve(flush_threshold + 4096);
}

trace_writer::~trace_writer() {
  flush();
  if (file_ != nullptr) std::fclose(file_);
}

void trace_writer::flush() {
  if (file_ != nullptr && !buffer_.empty()) {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) ok_ = false;
    std::fflush(file_);
  }
  buffer_.clear();
}

void trace_writer::append(std::string_view text) {
  for (char c : text) {
    hash_ ^= static_cast<unsigned char>(c);
    hash_ *= 0x100000001b3ULL;
  }
  bytes_ += text.size();
  if (capture_) current_line_.append(text);
  if (file_ != nullptr) {
    buffer_.append(text);
    if (buffer_.size() >= flush_threshold) flush();
  }
}

void trace_writer::append_escaped(std::string_view text) {
  append("\"");
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    append(text.substr(start, i - start));
    char escaped[8];
    switch (c) {
      case '"': append("\\\""); break;
      case '\\': append("\\\\"); break;
      case '\n': append("\\n"); break;
      case '\t': append("\\t"); break;
      case '\r': append("\\r"); break;
      default:
        std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
        append(escaped);
    }
    start = i + 1;
  }
  append(text.substr(start));
  append("\"");
}

trace_writer::line trace_writer::header() {
  first_field_ = true;
  append("{");
  line l(*this);
  l.field("format", "troupe-trace").field("version", format_version);
  return l;
}

trace_writer::line trace_writer::event(std::int64_t time_ns, std::string_view kind,
                                       std::string_view pod) {
  first_field_ = true;
  append("{");
  line l(*this);
  l.field("seq", next_seq_++).field("t", time_ns).field("ev", kind).field("pod", pod);
  return l;
}

void trace_writer::line::key(std::string_view k) {
  if (!writer_.first_field_) writer_.append(",");
  writer_.first_field_ = false;
  writer_.append_escaped(k);
  writer_.append(":");
}

trace_writer::line& trace_writer::line::field(std::string_view k, std::int64_t value) {
  key(k);
  char text[32];
  std::snprintf(text, sizeof text, "%" PRId64, value);
  writer_.append(text);
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k, std::uint64_t value) {
  key(k);
  char text[32];
  std::snprintf(text, sizeof text, "%" PRIu64, value);
  writer_.append(text);
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k, double value) {
  key(k);
  char text[40];
  // %.17g round-trips and is the same on every run of the same binary.
  if (std::isfinite(value)) std::snprintf(text, sizeof text, "%.17g", value);
  else std::snprintf(text, sizeof text, "null");
  writer_.append(text);
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k, bool value) {
  key(k);
  writer_.append(value ? "true" : "false");
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
  writer_.append("[");
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) writer_.append(",");
    writer_.append_escaped(values[i]);
  }
  writer_.append("]");
  return *this;
}

trace_writer::line& trace_writer::line::field(std::string_view k,
                                              const std::vector<std::vector<std::string>>& groups) {
  key(k);
  writer_.append("[");
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) writer_.append(",");
    writer_.append("[");
    for (std::size_t i = 0; i < groups[g].size(); ++i) {
      if (i > 0) writer_.append(",");
      writer_.append_escaped(groups[g][i]);
    }
    writer_.append("]");
  }
  writer_.append("]");
  return *this;
}

trace_writer::line& trace_writer::line::raw(std::string_view k, std::string_view json) {
  key(k);
  writer_.append(json);
  return *this;
}

trace_writer::line& trace_writer::line::raw_members(std::string_view json_members) {
  if (!writer_.first_field_) writer_.append(",");
  writer_.first_field_ = false;
  writer_.append(json_members);
  return *this;
}

void trace_writer::line::end() {
  writer_.append("}\n");
  if (writer_.capture_) {
    writer_.current_line_.pop_back();  // the '\n'
    writer_.lines_.push_back(std::move(writer_.current_line_));
    writer_.current_line_.clear();
  }
}

std::string hash_hex(std::uint64_t hash) {
  char text[20];
  std::snprintf(text, sizeof text, "%016" PRIx64, hash);
  return text;
}

}  // namespace troupe::sim
