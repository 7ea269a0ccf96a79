#include "counter/counter_model.hpp"

#include <string>

namespace troupe::apps::counter {

std::optional<std::string> counter_model::validate(const checkers::operation& op) const {
  if (op.f == "add") {
    if (!op.input.is_number_integer()) return "add needs an integer value (the increment)";
    return std::nullopt;
  }
  if (op.f == "read") {
    if (op.result == checkers::outcome::ok && !op.output.is_number_integer())
      return "an ok read needs an integer value (the count)";
    return std::nullopt;
  }
  return "unknown function '" + op.f + "' (counter knows add and read)";
}

std::optional<checkers::model_state> counter_model::step(const checkers::model_state& state,
                                                         const checkers::operation& op) const {
  const bool any = state == "?";
  if (op.f == "read") {
    const auto count = op.output.get<std::int64_t>();
    if (any || std::stoll(state) == count) return std::to_string(count);
    return std::nullopt;
  }
  if (any) return state;  // an unknown count plus an increment is still unknown
  return std::to_string(std::stoll(state) + op.input.get<std::int64_t>());
}

std::string counter_model::describe(const checkers::model_state& state) const {
  return state == "?" ? "any count" : state;
}

}  // namespace troupe::apps::counter
