#include "kv_history_generator.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace troupe::checkers::generator {
namespace {

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t value = (state += 0x9e3779b97f4a7c15ull);
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

// A number in [0, bound), by rejection so every value is equally likely.
std::uint64_t below(std::uint64_t& state, std::uint64_t bound) {
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
  std::uint64_t value = splitmix(state);
  while (value >= limit) value = splitmix(state);
  return value % bound;
}

struct timed_op {
  std::size_t spec = 0;
  int client = 0;
  int key = 0;
  std::int64_t invoke = 0;
  std::int64_t effect = 0;
  std::int64_t complete = 0;
};

std::vector<timed_op> schedule(const std::vector<op_spec>& specs, int clients, int keys) {
  std::vector<std::int64_t> free_at(static_cast<std::size_t>(clients), 0);
  std::vector<timed_op> timed;
  for (std::size_t index = 0; index < specs.size(); ++index) {
    const op_spec& spec = specs[index];
    timed_op op;
    op.spec = index;
    op.client = ((spec.client % clients) + clients) % clients;
    op.key = ((spec.key % keys) + keys) % keys;
    op.invoke = free_at[static_cast<std::size_t>(op.client)] + std::max<std::int64_t>(1, spec.gap);
    op.effect = op.invoke + std::max<std::int64_t>(1, spec.effect_delay);
    // An info op's client gives up after a timeout that may come before the effect.
    op.complete = spec.info ? op.invoke + std::max<std::int64_t>(1, spec.return_delay)
                            : op.effect + std::max<std::int64_t>(1, spec.return_delay);
    free_at[static_cast<std::size_t>(op.client)] = op.complete;
    timed.push_back(op);
  }
  return timed;
}

// Runs the operations in effect order against one register per key.
void execute(const std::vector<op_spec>& specs, const std::vector<timed_op>& timed, history& out) {
  std::vector<std::size_t> order(timed.size());
  for (std::size_t index = 0; index < order.size(); ++index) order[index] = index;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (timed[a].effect != timed[b].effect) return timed[a].effect < timed[b].effect;
    return timed[a].client < timed[b].client;
  });
  std::map<int, nlohmann::json> registers;  // missing key: null
  std::map<int, nlohmann::json> previous;   // the value before the current one
  std::int64_t next_value = 1;
  for (std::size_t index : order) {
    const op_spec& spec = specs[index];
    operation& op = out[index];
    nlohmann::json& current = registers[timed[index].key];
    const bool applies = !spec.info || spec.info_takes_effect;
    if (spec.kind == op_kind::read) {
      op.f = "read";
      op.output = spec.info ? nlohmann::json() : current;
      continue;
    }
    const std::int64_t value = next_value++;
    if (spec.kind == op_kind::write) {
      op.f = "write";
      op.input = value;
      op.output = value;
      if (applies) previous[timed[index].key] = current, current = value;
      continue;
    }
    op.f = "cas";
    nlohmann::json expected = current;
    if (!spec.cas_expects_current) {
      const nlohmann::json& stale = previous[timed[index].key];
      expected = stale != current && !stale.is_null() ? stale : nlohmann::json(-value);
    }
    op.input = nlohmann::json::array({expected, value});
    op.output = op.input;
    const bool succeeds = expected == current;
    if (!spec.info) op.result = succeeds ? outcome::ok : outcome::fail;
    if (applies && succeeds) previous[timed[index].key] = current, current = value;
  }
}

}  // namespace

history generate(const std::vector<op_spec>& specs, int clients, int keys) {
  const std::vector<timed_op> timed = schedule(specs, clients, keys);
  history out(specs.size());
  for (std::size_t index = 0; index < specs.size(); ++index) {
    out[index].result = specs[index].info ? outcome::info : outcome::ok;
  }
  execute(specs, timed, out);
  // Events in time order: (t, op index, 0 for invoke / 1 for completion).
  struct event {
    std::int64_t t;
    std::size_t op;
    int phase;
  };
  std::vector<event> events;
  for (std::size_t index = 0; index < timed.size(); ++index) {
    events.push_back({timed[index].invoke, index, 0});
    events.push_back({timed[index].complete, index, 1});
  }
  std::stable_sort(events.begin(), events.end(), [](const event& a, const event& b) {
    if (a.t != b.t) return a.t < b.t;
    return a.phase > b.phase;  // completions first at equal ticks
  });
  for (std::size_t seq = 0; seq < events.size(); ++seq) {
    operation& op = out[events[seq].op];
    if (events[seq].phase == 0) {
      op.invoke_seq = seq;
      op.invoke_t = events[seq].t;
    } else if (op.result != outcome::info) {
      op.complete_seq = seq;
      op.complete_t = events[seq].t;
    }
  }
  for (std::size_t index = 0; index < out.size(); ++index) {
    out[index].id = index + 1;
    out[index].client = timed[index].client;
    out[index].key = "k" + std::to_string(timed[index].key);
    out[index].pod = "kv-" + std::to_string(timed[index].client % 3);
    if (out[index].result == outcome::info) out[index].output = nullptr;
  }
  std::stable_sort(out.begin(), out.end(), [](const operation& a, const operation& b) {
    return a.invoke_seq < b.invoke_seq;
  });
  return out;
}

std::vector<op_spec> random_specs(std::uint64_t seed, std::size_t count, int clients, int keys,
                                  int info_per_mille) {
  std::uint64_t state = seed;
  std::vector<op_spec> specs;
  specs.reserve(count);
  for (std::size_t index = 0; index < count; ++index) {
    op_spec spec;
    spec.client = static_cast<int>(below(state, static_cast<std::uint64_t>(clients)));
    spec.key = static_cast<int>(below(state, static_cast<std::uint64_t>(keys)));
    const auto mix = below(state, 10);
    spec.kind = mix < 5 ? op_kind::read : mix < 8 ? op_kind::write : op_kind::cas;
    spec.cas_expects_current = below(state, 2) == 0;
    spec.gap = 1 + static_cast<std::int64_t>(below(state, 10));
    spec.effect_delay = 1 + static_cast<std::int64_t>(below(state, 10));
    spec.return_delay = 1 + static_cast<std::int64_t>(below(state, 10));
    spec.info = below(state, 1000) < static_cast<std::uint64_t>(info_per_mille);
    spec.info_takes_effect = below(state, 2) == 0;
    specs.push_back(spec);
  }
  return specs;
}

std::optional<std::uint64_t> inject_stale_read(history& operations, std::uint64_t choice) {
  auto acknowledged_write = [](const operation& op) {
    return op.result == outcome::ok && (op.f == "write" || op.f == "cas");
  };
  std::vector<std::pair<std::size_t, nlohmann::json>> candidates;  // read index, stale value
  for (std::size_t r = 0; r < operations.size(); ++r) {
    const operation& read = operations[r];
    if (read.f != "read" || read.result != outcome::ok) continue;
    // The acknowledged write before the read that began last, then a write that completed
    // before it began: its value was overwritten before the read started.
    const operation* newer = nullptr;
    for (const operation& op : operations) {
      if (op.key == read.key && acknowledged_write(op) && op.precedes(read) &&
          (newer == nullptr || op.invoke_seq > newer->invoke_seq)) {
        newer = &op;
      }
    }
    if (newer == nullptr) continue;
    for (const operation& op : operations) {
      if (op.key == read.key && acknowledged_write(op) && op.precedes(*newer)) {
        candidates.emplace_back(r, op.f == "cas" ? op.input[1] : op.input);
        break;
      }
    }
  }
  if (candidates.empty()) return std::nullopt;
  const auto& [index, stale] = candidates[choice % candidates.size()];
  operations[index].output = stale;
  return operations[index].id;
}

std::vector<std::string> to_trace_lines(const history& operations) {
  std::vector<std::string> lines;
  lines.push_back(
      R"({"format":"troupe-trace","version":1,"seed":0,"scenario":"generated","build":"test",)"
      R"("platform":"simnet","pods":["kv-0","kv-1","kv-2"]})");
  std::map<std::uint64_t, nlohmann::ordered_json> events;
  for (const operation& op : operations) {
    nlohmann::ordered_json invoke = {{"seq", op.invoke_seq}, {"t", op.invoke_t},    {"ev", "op"},
                                     {"pod", op.pod},        {"client", op.client}, {"op", op.id},
                                     {"phase", "invoke"},    {"f", op.f},           {"key", op.key},
                                     {"value", op.input}};
    events.emplace(op.invoke_seq, invoke);
    if (op.complete_seq != never_seq) {
      nlohmann::ordered_json done = invoke;
      done["seq"] = op.complete_seq;
      done["t"] = op.complete_t;
      done["phase"] = to_string(op.result);
      done["value"] = op.output;
      events.emplace(op.complete_seq, done);
    }
  }
  // Info completions have no seq in the history; a log line fills each gap so the seq
  // numbers stay contiguous.
  std::uint64_t expected = 0;
  std::int64_t last_t = 0;
  for (auto& [seq, event] : events) {
    for (; expected < seq; ++expected) {
      lines.push_back(nlohmann::ordered_json{
          {"seq", expected},
          {"t", last_t},
          {"ev", "log"},
          {"pod", ""},
          {"actor", ""},
          {"level", "info"},
          {"text", "gap"}}.dump());
    }
    last_t = event["t"].get<std::int64_t>();
    lines.push_back(event.dump());
    expected = seq + 1;
  }
  return lines;
}

}  // namespace troupe::checkers::generator
