#include "troupe/trace_model/json_line.hpp"

#include <charconv>
#include <cstdio>

namespace troupe::trace_model {
namespace {

/// A cursor over one line; every step checks the end so a truncated line is an error value.
struct scanner {
  const char* begin;
  const char* p;
  const char* end;
  std::string error;

  bool fail(const char* what) {
    if (error.empty()) {
      char buffer[160];
      std::snprintf(buffer, sizeof buffer, "%s at column %zu", what,
                    static_cast<std::size_t>(p - begin) + 1);
      error = buffer;
    }
    return false;
  }
  void skip_space() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
  }
  bool at_end() const { return p >= end; }

  // Scans a string starting at the opening quote; `raw` gets the text between the quotes.
  bool scan_string(std::string_view& raw, bool& has_escapes) {
    ++p;  // opening quote
    const char* start = p;
    has_escapes = false;
    while (p < end) {
      const unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"') {
        raw = std::string_view(start, static_cast<std::size_t>(p - start));
        ++p;
        return true;
      }
      if (c < 0x20) return fail("control character inside a string");
      if (c == '\\') {
        has_escapes = true;
        ++p;
        if (p >= end) break;
        if (*p == 'u') {
          for (int i = 0; i < 4; ++i) {
            ++p;
            if (p >= end) return fail("unexpected end of line inside a \\u escape (truncated?)");
            const char h = *p;
            const bool hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
                             (h >= 'A' && h <= 'F');
            if (!hex) return fail("bad \\u escape");
          }
        } else if (std::string_view("\"\\/bfnrt").find(*p) == std::string_view::npos) {
          return fail("bad escape in a string");
        }
      }
      ++p;
    }
    return fail("unexpected end of line inside a string (truncated?)");
  }

  bool scan_number(std::string_view& raw) {
    const char* start = p;
    if (p < end && *p == '-') ++p;
    if (p >= end || *p < '0' || *p > '9') return fail("bad number");
    while (p < end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' ||
                       *p == '+' || *p == '-')) {
      ++p;
    }
    raw = std::string_view(start, static_cast<std::size_t>(p - start));
    return true;
  }

  bool scan_literal(std::string_view word) {
    if (static_cast<std::size_t>(end - p) < word.size()) {
      return fail("unexpected end of line (truncated?)");
    }
    if (std::string_view(p, word.size()) != word) return fail("unexpected character");
    p += word.size();
    return true;
  }

  // Scans any value; arrays and objects are validated recursively up to json_depth_max.
  bool scan_value(json_member& out, int depth) {
    skip_space();
    if (at_end()) return fail("unexpected end of line, expected a value (truncated?)");
    const char* start = p;
    switch (*p) {
      case '"':
        out.type = json_type::string;
        return scan_string(out.raw, out.has_escapes);
      case '{':
      case '[': {
        out.type = *p == '{' ? json_type::object : json_type::array;
        if (!scan_container(depth)) return false;
        out.raw = std::string_view(start, static_cast<std::size_t>(p - start));
        return true;
      }
      case 't':
        out.type = json_type::boolean;
        out.raw = "true";
        return scan_literal("true");
      case 'f':
        out.type = json_type::boolean;
        out.raw = "false";
        return scan_literal("false");
      case 'n':
        out.type = json_type::null;
        out.raw = "null";
        return scan_literal("null");
      default:
        out.type = json_type::number;
        return scan_number(out.raw);
    }
  }

  bool scan_container(int depth) {
    if (depth >= json_depth_max) return fail("nesting too deep");
    const char close = *p == '{' ? '}' : ']';
    const bool object = close == '}';
    ++p;
    skip_space();
    if (p < end && *p == close) {
      ++p;
      return true;
    }
    while (true) {
      json_member member;
      if (object) {
        skip_space();
        if (at_end()) return fail("unexpected end of line inside an object (truncated?)");
        if (*p != '"') return fail("expected a member name");
        if (!scan_string(member.key, member.has_escapes)) return false;
        skip_space();
        if (at_end() || *p != ':') return fail("expected ':'");
        ++p;
      }
      if (!scan_value(member, depth + 1)) return false;
      skip_space();
      if (at_end()) return fail("unexpected end of line (truncated?)");
      if (*p == ',') {
        ++p;
        continue;
      }
      if (*p == close) {
        ++p;
        return true;
      }
      return fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }
};

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

bool read_hex4(std::string_view raw, std::size_t at, std::uint32_t& code) {
  if (at + 4 > raw.size()) return false;
  const auto result = std::from_chars(raw.data() + at, raw.data() + at + 4, code, 16);
  return result.ec == std::errc() && result.ptr == raw.data() + at + 4;
}

// Iterates the elements of a raw array, calling `f(member)` for each.
template <class F>
bool for_each_element(std::string_view raw, F&& f) {
  scanner s{raw.data(), raw.data(), raw.data() + raw.size(), {}};
  s.skip_space();
  if (s.at_end() || *s.p != '[') return false;
  ++s.p;
  s.skip_space();
  if (!s.at_end() && *s.p == ']') return true;
  while (true) {
    json_member element;
    if (!s.scan_value(element, 1)) return false;
    if (!f(element)) return false;
    s.skip_space();
    if (s.at_end()) return false;
    if (*s.p == ']') return true;
    if (*s.p != ',') return false;
    ++s.p;
  }
}

}  // namespace

std::string json_line::parse(std::string_view line) {
  members_.clear();
  decoded_used_ = 0;
  scanner s{line.data(), line.data(), line.data() + line.size(), {}};
  s.skip_space();
  if (s.at_end()) return "empty line, expected a JSON object";
  if (*s.p != '{') {
    s.fail("expected '{' (each line must be one JSON object)");
    return s.error;
  }
  ++s.p;
  s.skip_space();
  if (!s.at_end() && *s.p == '}') {
    ++s.p;
  } else {
    while (true) {
      s.skip_space();
      if (s.at_end()) {
        s.fail("unexpected end of line inside the object (truncated?)");
        return s.error;
      }
      if (*s.p != '"') {
        s.fail("expected a member name");
        return s.error;
      }
      json_member member;
      bool key_escapes = false;
      if (!s.scan_string(member.key, key_escapes)) return s.error;
      s.skip_space();
      if (s.at_end() || *s.p != ':') {
        s.fail(s.at_end() ? "unexpected end of line, expected ':' (truncated?)" : "expected ':'");
        return s.error;
      }
      ++s.p;
      if (!s.scan_value(member, 1)) return s.error;
      members_.push_back(member);
      s.skip_space();
      if (s.at_end()) {
        s.fail("unexpected end of line, expected ',' or '}' (truncated?)");
        return s.error;
      }
      if (*s.p == ',') {
        ++s.p;
        continue;
      }
      if (*s.p == '}') {
        ++s.p;
        break;
      }
      s.fail("expected ',' or '}'");
      return s.error;
    }
  }
  s.skip_space();
  if (!s.at_end()) {
    s.fail("unexpected text after the object");
    return s.error;
  }
  return {};
}

const json_member* json_line::find(std::string_view key) const {
  for (const json_member& member : members_) {
    if (member.key == key) return &member;
  }
  return nullptr;
}

std::optional<std::int64_t> json_line::get_int(std::string_view key) const {
  const json_member* member = find(key);
  if (member == nullptr || member->type != json_type::number) return std::nullopt;
  std::int64_t value = 0;
  const char* last = member->raw.data() + member->raw.size();
  const auto result = std::from_chars(member->raw.data(), last, value);
  if (result.ec != std::errc() || result.ptr != last) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> json_line::get_uint(std::string_view key) const {
  const json_member* member = find(key);
  if (member == nullptr || member->type != json_type::number) return std::nullopt;
  std::uint64_t value = 0;
  const char* last = member->raw.data() + member->raw.size();
  const auto result = std::from_chars(member->raw.data(), last, value);
  if (result.ec != std::errc() || result.ptr != last) return std::nullopt;
  return value;
}

std::optional<double> json_line::get_double(std::string_view key) const {
  const json_member* member = find(key);
  if (member == nullptr || member->type != json_type::number) return std::nullopt;
  double value = 0;
  const char* last = member->raw.data() + member->raw.size();
  const auto result = std::from_chars(member->raw.data(), last, value);
  if (result.ec != std::errc() || result.ptr != last) return std::nullopt;
  return value;
}

std::optional<bool> json_line::get_bool(std::string_view key) const {
  const json_member* member = find(key);
  if (member == nullptr || member->type != json_type::boolean) return std::nullopt;
  return member->raw == "true";
}

std::optional<std::string_view> json_line::get_string(std::string_view key) const {
  const json_member* member = find(key);
  if (member == nullptr || member->type != json_type::string) return std::nullopt;
  if (!member->has_escapes) return member->raw;
  if (decoded_used_ == decoded_.size()) decoded_.emplace_back();
  std::string& out = decoded_[decoded_used_++];
  out.clear();
  if (!decode_json_string(member->raw, out)) return std::nullopt;
  return std::string_view(out);
}

bool decode_json_string(std::string_view raw, std::string& out) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= raw.size()) return false;
    switch (raw[i]) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        std::uint32_t code = 0;
        if (!read_hex4(raw, i + 1, code)) return false;
        i += 4;
        // A high surrogate followed by a low one encodes a code point above U+FFFF.
        if (code >= 0xD800 && code < 0xDC00 && i + 6 < raw.size() + 0 && raw[i + 1] == '\\' &&
            raw[i + 2] == 'u') {
          std::uint32_t low = 0;
          if (read_hex4(raw, i + 3, low) && low >= 0xDC00 && low < 0xE000) {
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        append_utf8(out, code);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

std::optional<std::vector<std::string>> parse_string_array(std::string_view raw) {
  std::vector<std::string> result;
  const bool ok = for_each_element(raw, [&](const json_member& element) {
    if (element.type != json_type::string) return false;
    std::string text;
    if (!decode_json_string(element.raw, text)) return false;
    result.push_back(std::move(text));
    return true;
  });
  if (!ok) return std::nullopt;
  return result;
}

std::optional<std::vector<std::vector<std::string>>> parse_string_array_array(
    std::string_view raw) {
  std::vector<std::vector<std::string>> result;
  const bool ok = for_each_element(raw, [&](const json_member& element) {
    if (element.type != json_type::array) return false;
    auto inner = parse_string_array(element.raw);
    if (!inner) return false;
    result.push_back(std::move(*inner));
    return true;
  });
  if (!ok) return std::nullopt;
  return result;
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", u);
          out += buffer;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace troupe::trace_model
