#include "troupe/checkers/kv_register_model.hpp"

#include <cstdint>
#include <cstring>
#include <set>

namespace troupe::checkers {
namespace {

// State encoding: one tag byte, then for a present value its 8 bytes.
constexpr char tag_missing = 'm';
constexpr char tag_value = 'v';
constexpr char tag_any = '*';

model_state encode(const nlohmann::json& value) {
  if (value.is_null()) {
    return model_state(1, tag_missing);
  }
  const auto number = value.get<std::int64_t>();
  model_state state(1 + sizeof number, tag_value);
  std::memcpy(state.data() + 1, &number, sizeof number);
  return state;
}

bool is_value(const nlohmann::json& value) {
  return value.is_null() || value.is_number_integer();
}

}  // namespace

std::optional<std::string> kv_register_model::validate(const operation& op) const {
  if (op.f == "read") {
    if (op.result == outcome::ok && !is_value(op.output)) {
      return "a read's result must be an integer or null";
    }
    return std::nullopt;
  }
  if (op.f == "write") {
    if (!op.input.is_number_integer()) {
      return "a write's value must be an integer";
    }
    return std::nullopt;
  }
  if (op.f == "cas") {
    if (!op.input.is_array() || op.input.size() != 2 || !is_value(op.input[0]) ||
        !op.input[1].is_number_integer()) {
      return "a cas's value must be [expected, new] with integers (expected may be null)";
    }
    return std::nullopt;
  }
  return "unknown function '" + op.f + "' (kv-register knows read, write, cas)";
}

std::vector<bool> kv_register_model::unobservable(const std::vector<operation>& ops) const {
  std::set<std::string> observed;  // values some operation needs to have been current
  for (const operation& op : ops) {
    if (op.f == "read" && op.result == outcome::ok) observed.insert(op.output.dump());
    if (op.f == "cas" && op.result != outcome::fail) observed.insert(op.input[0].dump());
  }
  std::vector<bool> out(ops.size(), false);
  for (std::size_t index = 0; index < ops.size(); ++index) {
    const operation& op = ops[index];
    if (op.result != outcome::info || op.f == "read") continue;
    const nlohmann::json& written = op.f == "cas" ? op.input[1] : op.input;
    out[index] = observed.count(written.dump()) == 0;
  }
  return out;
}

model_state kv_register_model::init() const {
  return model_state(1, tag_missing);
}

std::optional<model_state> kv_register_model::any_state() const {
  return model_state(1, tag_any);
}

std::optional<model_state> kv_register_model::step(const model_state& state,
                                                   const operation& op) const {
  const bool any = state[0] == tag_any;
  if (op.f == "write") {
    return encode(op.input);
  }
  if (op.f == "read") {
    // An unknown state is bound to what the read observed.
    model_state observed = encode(op.output);
    if (any || observed == state) {
      return observed;
    }
    return std::nullopt;
  }
  // cas: only a cas that took effect is ever stepped (ok, or info applied).
  if (any || encode(op.input[0]) == state) {
    return encode(op.input[1]);
  }
  return std::nullopt;
}

std::string kv_register_model::describe(const model_state& state) const {
  if (state[0] == tag_missing) {
    return "missing";
  }
  if (state[0] == tag_any) {
    return "any";
  }
  std::int64_t number = 0;
  std::memcpy(&number, state.data() + 1, sizeof number);
  return std::to_string(number);
}

}  // namespace troupe::checkers
