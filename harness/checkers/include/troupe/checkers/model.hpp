#pragma once
/// \file model.hpp
/// The sequential specification the linearizability checker replays operations against.
/// An application adds its own by implementing `model` (see `kv_register_model`).

#include <optional>
#include <string>
#include <vector>

#include "troupe/checkers/history.hpp"

namespace troupe::checkers {

/// A model state: opaque bytes chosen by the model. Two states are the same state exactly
/// when their bytes are equal (the checker memoizes on them), so a model must encode each
/// state canonically. Small states (up to 15 bytes) need no allocation.
using model_state = std::string;

/// A sequential object, stepped one operation at a time. Every key of a history is checked
/// against its own copy of the object, starting from `init()`. Implementations must be
/// pure (the same inputs give the same outputs) and may be called from any thread.
class model {
 public:
  virtual ~model() = default;

  /// A short name for messages, e.g. "kv-register".
  [[nodiscard]] virtual std::string name() const = 0;

  /// Why `op` (its `f`, `input` and, when ok, `output`) is not an operation of this model,
  /// or nullopt when it is. The checker validates every operation before searching, so
  /// `step` may assume valid operations.
  [[nodiscard]] virtual std::optional<std::string> validate(const operation& op) const = 0;

  /// The state of a key no operation has touched yet.
  [[nodiscard]] virtual model_state init() const = 0;

  /// Applies `op` to `state`. Returns the new state, or nullopt when `op` cannot take effect
  /// in `state` with the result it had (e.g. a read that returned another value). For an
  /// `info` operation the result is unknown: return the state it leaves when it takes effect
  /// (the checker covers "did not take effect" by never applying it).
  [[nodiscard]] virtual std::optional<model_state> step(const model_state& state,
                                                        const operation& op) const = 0;

  /// True when `op` never changes the state (a read). Such operations with an `info`
  /// outcome constrain nothing and are left out of the search.
  [[nodiscard]] virtual bool is_read_only(const operation& op) const = 0;

  /// For each of `ops` (one key's operations, no fail ops), true when it is an `info`
  /// operation that may be left out of the search because no other operation can observe
  /// its effect (e.g. a write of a value nothing reads): any linearization that applies it
  /// stays one without it. The default leaves nothing out.
  [[nodiscard]] virtual std::vector<bool> unobservable(const std::vector<operation>& ops) const {
    return std::vector<bool>(ops.size(), false);
  }

  /// A state that stands for "any state", used to check a window of a history cut from
  /// its start: `step` on it must succeed exactly when some concrete state would, and bind
  /// it to what that operation observed. Nullopt (the default) when the model cannot
  /// express it; windows are then only shrunk at their end.
  [[nodiscard]] virtual std::optional<model_state> any_state() const { return std::nullopt; }

  /// A human rendering of `state`, e.g. "7" or "missing".
  [[nodiscard]] virtual std::string describe(const model_state& state) const = 0;
};

}  // namespace troupe::checkers
