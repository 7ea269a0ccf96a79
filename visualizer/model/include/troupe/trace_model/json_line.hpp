#pragma once
/// A small, fast reader for one line of JSON Lines holding a JSON object.
///
/// The trace loader reads a million lines in well under two seconds; a general JSON DOM is
/// several times slower, so this reader records each member's raw text and decodes a value
/// only when asked. Any thread may use its own json_line; an instance is not shared.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::trace_model {

/// The JSON type of a member's value.
enum class json_type : std::uint8_t { null, boolean, number, string, array, object };

/// One member of the parsed object. Views point into the parsed line.
struct json_member {
  std::string_view key;  ///< raw key text between the quotes (escapes not decoded)
  std::string_view raw;  ///< raw value text; for strings, the text between the quotes
  json_type type = json_type::null;
  bool has_escapes = false;  ///< strings only: raw contains backslash escapes
};

/// Nesting bound for arrays and objects inside one line.
inline constexpr int json_depth_max = 32;

/// One parsed line. Returned views stay valid until the next parse() and while the line's
/// text is alive.
class json_line {
 public:
  /// Parses `line` (without its '\n') as a JSON object. Returns an empty string on success,
  /// otherwise a message saying what is wrong and at which column (1-based).
  [[nodiscard]] std::string parse(std::string_view line);

  /// The member named `key`, or nullptr.
  [[nodiscard]] const json_member* find(std::string_view key) const;
  /// The members in file order.
  [[nodiscard]] const std::vector<json_member>& members() const { return members_; }

  /// Typed accessors: nullopt when the member is missing or has another type.
  [[nodiscard]] std::optional<std::int64_t> get_int(std::string_view key) const;
  [[nodiscard]] std::optional<std::uint64_t> get_uint(std::string_view key) const;
  [[nodiscard]] std::optional<double> get_double(std::string_view key) const;
  [[nodiscard]] std::optional<bool> get_bool(std::string_view key) const;
  /// The decoded string value (escapes resolved).
  [[nodiscard]] std::optional<std::string_view> get_string(std::string_view key) const;

 private:
  std::vector<json_member> members_;
  mutable std::deque<std::string> decoded_;
  mutable std::size_t decoded_used_ = 0;
};

/// Decodes the raw text of a JSON string (between the quotes) into UTF-8. False on a bad
/// escape.
[[nodiscard]] bool decode_json_string(std::string_view raw, std::string& out);

/// Parses a raw JSON array of strings, e.g. `["kv-0","kv-1"]`.
[[nodiscard]] std::optional<std::vector<std::string>> parse_string_array(std::string_view raw);

/// Parses a raw JSON array of arrays of strings, e.g. `[["kv-0"],["kv-1","kv-2"]]`.
[[nodiscard]] std::optional<std::vector<std::vector<std::string>>> parse_string_array_array(
    std::string_view raw);

/// Appends `text` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

}  // namespace troupe::trace_model
