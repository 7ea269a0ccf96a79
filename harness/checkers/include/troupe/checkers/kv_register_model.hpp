#pragma once
/// \file kv_register_model.hpp
/// The kv application's per-key register (docs/trace-format.md, `op` events): `read`
/// (output: the integer read, or null for a missing key), `write` (input: the integer) and
/// `cas` (input: [expected, new]; expected may be null for "missing"; an ok cas took
/// effect, a failed one did not).

#include "troupe/checkers/model.hpp"

namespace troupe::checkers {

/// A register holding a 64-bit integer or nothing ("missing"), initially missing.
class kv_register_model final : public model {
 public:
  [[nodiscard]] std::string name() const override { return "kv-register"; }
  [[nodiscard]] std::optional<std::string> validate(const operation& op) const override;
  [[nodiscard]] model_state init() const override;
  [[nodiscard]] std::optional<model_state> step(const model_state& state,
                                                const operation& op) const override;
  [[nodiscard]] bool is_read_only(const operation& op) const override { return op.f == "read"; }
  /// An info write or cas of v is unobservable when no ok read returns v and no cas
  /// expects v: after it, until the next write, nothing could have succeeded.
  [[nodiscard]] std::vector<bool> unobservable(const std::vector<operation>& ops) const override;
  [[nodiscard]] std::optional<model_state> any_state() const override;
  [[nodiscard]] std::string describe(const model_state& state) const override;
};

}  // namespace troupe::checkers
