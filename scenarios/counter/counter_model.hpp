#pragma once
// The sequential specification of one counter of the `counter` application, for the
// linearizability checker (harness/checkers, model.hpp): `add` (input: the increment)
// and `read` (output: the count). Every counter starts at 0.

#include "troupe/checkers/model.hpp"

namespace troupe::apps::counter {

class counter_model final : public checkers::model {
 public:
  [[nodiscard]] std::string name() const override { return "counter"; }
  [[nodiscard]] std::optional<std::string> validate(const checkers::operation& op) const override;
  [[nodiscard]] checkers::model_state init() const override { return "0"; }
  [[nodiscard]] std::optional<checkers::model_state> step(
      const checkers::model_state& state, const checkers::operation& op) const override;
  [[nodiscard]] bool is_read_only(const checkers::operation& op) const override {
    return op.f == "read";
  }
  [[nodiscard]] std::optional<checkers::model_state> any_state() const override { return "?"; }
  [[nodiscard]] std::string describe(const checkers::model_state& state) const override;
};

}  // namespace troupe::apps::counter
