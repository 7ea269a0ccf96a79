#include "troupe/checkers/lost_writes.hpp"

#include <algorithm>
#include <map>

#include "troupe/checkers/kv_register_model.hpp"

namespace troupe::checkers {
namespace {

// The value a write or cas leaves in the register.
const nlohmann::json& written_value(const operation& op) {
  return op.f == "cas" ? op.input[1] : op.input;
}

struct key_ops {
  std::vector<const operation*> writers;       // ok and info writes and cas (they may have effect)
  std::vector<const operation*> acknowledged;  // ok writes and cas, by completion
  std::vector<const operation*> reads;         // ok reads
};

// The smallest invoke seq a write must have to have begun after every write of `value`
// completed; never_seq when some write of `value` may still take effect at any time.
struct writers_of_value {
  std::uint64_t begin_after = 0;      // largest completion seq + 1
  const operation* latest = nullptr;  // the write of that completion
};

std::map<std::string, writers_of_value> index_writers(const key_ops& ops) {
  std::map<std::string, writers_of_value> index;
  for (const operation* writer : ops.writers) {
    auto& entry = index[written_value(*writer).dump()];
    const std::uint64_t after =
        writer->complete_seq == never_seq ? never_seq : writer->complete_seq + 1;
    if (entry.latest == nullptr || after > entry.begin_after) {
      entry.begin_after = after;
      entry.latest = writer;
    }
  }
  return index;
}

void check_key(const std::string& key, key_ops& ops, lost_writes_report& report) {
  const auto writers = index_writers(ops);
  std::sort(
      ops.acknowledged.begin(), ops.acknowledged.end(),
      [](const operation* a, const operation* b) { return a->complete_seq < b->complete_seq; });
  // latest_begun[i]: of acknowledged[0..i], the write invoked last.
  std::vector<const operation*> latest_begun;
  for (const operation* write : ops.acknowledged) {
    const bool later = latest_begun.empty() || write->invoke_seq > latest_begun.back()->invoke_seq;
    latest_begun.push_back(later ? write : latest_begun.back());
  }
  for (const operation* read : ops.reads) {
    auto acked_before = std::lower_bound(
        ops.acknowledged.begin(), ops.acknowledged.end(), read->invoke_seq,
        [](const operation* write, std::uint64_t seq) { return write->complete_seq < seq; });
    if (acked_before == ops.acknowledged.begin()) continue;
    const operation* candidate =
        latest_begun[static_cast<std::size_t>(acked_before - ops.acknowledged.begin()) - 1];
    std::uint64_t begin_after = 0;  // null: the initial state, "written" before everything
    const operation* overwritten = nullptr;
    if (!read->output.is_null()) {
      auto found = writers.find(read->output.dump());
      if (found == writers.end()) continue;  // Never written: not this property's concern.
      begin_after = found->second.begin_after;
      overwritten = found->second.latest;
    }
    if (candidate->invoke_seq < begin_after) continue;
    lost_write violation{key, *candidate, *read, std::nullopt};
    if (overwritten != nullptr) violation.overwritten = *overwritten;
    report.violations.push_back(std::move(violation));
  }
}

}  // namespace

result<lost_writes_report> check_no_lost_acknowledged_writes(const history& operations) {
  const kv_register_model kv;
  std::map<std::string, key_ops> keys;
  for (const operation& op : operations) {
    if (op.f != "read" && op.f != "write" && op.f != "cas") continue;
    if (op.result == outcome::fail) continue;
    if (auto problem = kv.validate(op)) {
      return error{0, "op " + std::to_string(op.id) + " (invoked at seq " +
                          std::to_string(op.invoke_seq) + "): " + *problem};
    }
    key_ops& ops = keys[op.key];
    if (op.f == "read") {
      if (op.result == outcome::ok) ops.reads.push_back(&op);
      continue;
    }
    ops.writers.push_back(&op);
    if (op.result == outcome::ok) ops.acknowledged.push_back(&op);
  }
  lost_writes_report report;
  for (auto& [key, ops] : keys) {
    check_key(key, ops, report);
  }
  std::stable_sort(report.violations.begin(), report.violations.end(),
                   [](const lost_write& a, const lost_write& b) {
                     return a.read.invoke_seq < b.read.invoke_seq;
                   });
  return report;
}

verdict to_verdict(const lost_writes_report& report) {
  verdict out{"no_lost_acknowledged_writes", report.violations.empty(), "", std::nullopt};
  if (report.violations.empty()) return out;
  const lost_write& first = report.violations.front();
  out.at_seq = first.read.complete_seq;
  out.message = "key " + first.key + ": read op " + std::to_string(first.read.id) + " returned " +
                first.read.output.dump() + " after write op " +
                std::to_string(first.acknowledged.id) + " of " +
                written_value(first.acknowledged).dump() + " was acknowledged (seq " +
                std::to_string(first.acknowledged.complete_seq) + "), but that value was ";
  out.message += first.overwritten ? "written by op " + std::to_string(first.overwritten->id) +
                                         ", completed before the acknowledged write began"
                                   : "the key's initial state";
  if (report.violations.size() > 1) {
    out.message += " (" + std::to_string(report.violations.size()) + " offending reads)";
  }
  return out;
}

}  // namespace troupe::checkers
