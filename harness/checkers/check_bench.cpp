// troupe-check-bench: times the linearizability and lost-write checkers on a generated kv
// history (by default 10,000 operations over 10 keys by 8 concurrent clients, 1% info) and
// prints one JSON object. Usage: troupe-check-bench [--ops N] [--keys K] [--clients C]
// [--info-per-mille M] [--seed S] [--step-budget STEPS_PER_KEY]. With the environment
// variable TROUPE_BENCH_RENDER set, each report is also rendered on stderr.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "kv_history_generator.hpp"
#include "troupe/checkers/kv_register_model.hpp"
#include "troupe/checkers/linearizability.hpp"
#include "troupe/checkers/lost_writes.hpp"

namespace {

using namespace troupe::checkers;
using clock_type = std::chrono::steady_clock;

struct bench_options {
  std::size_t ops = 10'000;
  int keys = 10;
  int clients = 8;
  int info_per_mille = 10;
  std::uint64_t seed = 1;
  linearizability_options check;
};

double milliseconds_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

nlohmann::ordered_json measure(const history& operations, const linearizability_options& check) {
  const kv_register_model kv;
  const auto start = clock_type::now();
  auto report = check_linearizable(operations, kv, check);
  const double check_ms = milliseconds_since(start);
  const auto lost_start = clock_type::now();
  auto lost = check_no_lost_acknowledged_writes(operations);
  const double lost_ms = milliseconds_since(lost_start);
  if (!report || !lost) {
    std::fprintf(stderr, "troupe-check-bench: invalid generated history\n");
    std::exit(3);
  }
  nlohmann::ordered_json out;
  out["linearizable"] = to_string(report->status);
  out["check_ms"] = check_ms;
  out["steps"] = report->steps;
  if (report->window) out["window_ops"] = report->window->operations.size();
  if (std::getenv("TROUPE_BENCH_RENDER") != nullptr) {
    std::fprintf(stderr, "%s", render(*report).c_str());
  }
  out["lost_writes_ok"] = lost->violations.empty();
  out["lost_writes_check_ms"] = lost_ms;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bench_options options;
  for (int index = 1; index + 1 < argc; index += 2) {
    const std::string flag = argv[index];
    const char* value = argv[index + 1];
    if (flag == "--ops")
      options.ops = std::strtoull(value, nullptr, 10);
    else if (flag == "--keys")
      options.keys = std::atoi(value);
    else if (flag == "--clients")
      options.clients = std::atoi(value);
    else if (flag == "--info-per-mille")
      options.info_per_mille = std::atoi(value);
    else if (flag == "--seed")
      options.seed = std::strtoull(value, nullptr, 10);
    else if (flag == "--step-budget") {
      options.check.step_budget_per_key = std::strtoull(value, nullptr, 10);
    } else {
      std::fprintf(stderr, "troupe-check-bench: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  if (options.keys < 1 || options.clients < 1 || options.ops < 1) {
    std::fprintf(stderr, "troupe-check-bench: --ops, --keys and --clients must be positive\n");
    return 2;
  }
  const auto specs = generator::random_specs(options.seed, options.ops, options.clients,
                                             options.keys, options.info_per_mille);
  history operations = generator::generate(specs, options.clients, options.keys);
  nlohmann::ordered_json out;
  out["ops"] = options.ops;
  out["keys"] = options.keys;
  out["clients"] = options.clients;
  out["info_per_mille"] = options.info_per_mille;
  out["seed"] = options.seed;
  out["valid_history"] = measure(operations, options.check);
  // The same history with one stale read: time to find the violation and its window.
  if (generator::inject_stale_read(operations, options.seed)) {
    out["stale_read_history"] = measure(operations, options.check);
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
