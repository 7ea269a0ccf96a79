// Goal: the linearizability checker accepts exactly the kv histories that have a
// linearization, and on a violation reports the key and a small failing window.

#include "troupe/checkers/linearizability.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "kv_history_generator.hpp"
#include "troupe/checkers/kv_register_model.hpp"

namespace troupe::checkers {
namespace {

using json = nlohmann::json;

// An operation of key "k" invoked at seq `invoke`, completed at `complete` (never for info).
operation op(std::uint64_t id, const std::string& f, json input, json output, outcome result,
             std::uint64_t invoke, std::uint64_t complete, const std::string& key = "k") {
  operation out;
  out.id = id;
  out.client = static_cast<std::int64_t>(id);
  out.f = f;
  out.key = key;
  out.input = std::move(input);
  out.output = std::move(output);
  out.result = result;
  out.invoke_seq = invoke;
  out.complete_seq = result == outcome::info ? never_seq : complete;
  return out;
}
operation write(std::uint64_t id, int value, std::uint64_t invoke, std::uint64_t complete,
                outcome result = outcome::ok, const std::string& key = "k") {
  return op(id, "write", value, value, result, invoke, complete, key);
}
operation read(std::uint64_t id, json value, std::uint64_t invoke, std::uint64_t complete,
               const std::string& key = "k") {
  return op(id, "read", nullptr, std::move(value), outcome::ok, invoke, complete, key);
}
operation cas(std::uint64_t id, json expected, int next, std::uint64_t invoke,
              std::uint64_t complete, outcome result = outcome::ok) {
  json input = json::array({std::move(expected), next});
  return op(id, "cas", input, input, result, invoke, complete);
}

linearizability_report check(const history& operations, linearizability_options options = {}) {
  auto report = check_linearizable(operations, kv_register_model{}, options);
  EXPECT_TRUE(report) << report.failure().to_string();
  return report ? *report : linearizability_report{};
}

std::vector<std::uint64_t> window_ids(const linearizability_report& report) {
  std::vector<std::uint64_t> ids;
  if (report.window) {
    for (const auto& operation : report.window->operations) ids.push_back(operation.id);
  }
  return ids;
}

TEST(linearizability, stale_read_after_an_acknowledged_write_is_a_violation) {
  const auto report = check({write(1, 1, 0, 1), write(2, 2, 2, 3), read(3, 1, 4, 5)});
  EXPECT_EQ(report.status, check_status::violated);
  ASSERT_TRUE(report.window);
  EXPECT_EQ(report.window->key, "k");
  EXPECT_EQ(report.window->at_seq, 5u);
  // Write 2 then the read is already impossible from any state.
  EXPECT_EQ(window_ids(report), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_TRUE(report.window->from_any_state);
  const verdict result = to_verdict(report);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.at_seq, 5u);
  EXPECT_EQ(result.message, "key k: no linearization of ops 2 3");
}

TEST(linearizability, the_failing_window_is_printed_for_a_human) {
  const auto report = check({write(1, 1, 0, 1), write(2, 2, 2, 3), read(3, 1, 4, 5)});
  EXPECT_EQ(render(report),
            "linearizable: violated (1 key, 9 steps)\n"
            "  key k: violated, 3 ops, 3 steps\n"
            "smallest non-linearizable window of key k (2 ops from seq 2 to seq 5, from any "
            "state; ops running at either end were checked as pending):\n"
            "  client 2 op 2 write k 2 ok [seq 2..3]\n"
            "  client 3 op 3 read k -> 1 ok [seq 4..5]\n");
}

TEST(linearizability, a_read_of_a_missing_key_after_a_write_is_a_violation) {
  const auto report = check({write(1, 1, 0, 1), read(2, nullptr, 2, 3)});
  EXPECT_EQ(report.status, check_status::violated);
}

TEST(linearizability, concurrent_writes_may_take_effect_in_either_order) {
  for (int seen : {1, 2}) {
    const auto report = check({write(1, 1, 0, 3), write(2, 2, 1, 4), read(3, seen, 5, 6)});
    EXPECT_EQ(report.status, check_status::holds) << "read " << seen;
  }
  // But two later reads cannot see them in both orders.
  const auto flip = check({write(1, 1, 0, 3), write(2, 2, 1, 4), read(3, 1, 5, 6), read(4, 2, 7, 8),
                           read(5, 1, 9, 10)});
  EXPECT_EQ(flip.status, check_status::violated);
}

TEST(linearizability, a_read_concurrent_with_a_write_sees_old_or_new) {
  for (json seen : {json(1), json(2)}) {
    EXPECT_EQ(check({write(1, 1, 0, 1), write(2, 2, 2, 5), read(3, seen, 3, 4)}).status,
              check_status::holds);
  }
  EXPECT_EQ(check({write(1, 1, 0, 1), write(2, 2, 2, 5), read(3, 3, 3, 4)}).status,
            check_status::violated);
}

TEST(linearizability, cas_succeeds_only_on_the_expected_value) {
  EXPECT_EQ(check({write(1, 1, 0, 1), cas(2, 1, 2, 2, 3), read(3, 2, 4, 5)}).status,
            check_status::holds);
  EXPECT_EQ(check({write(1, 1, 0, 1), write(2, 2, 2, 3), cas(3, 1, 3, 4, 5)}).status,
            check_status::violated);
  EXPECT_EQ(check({cas(1, nullptr, 4, 0, 1), read(2, 4, 2, 3)}).status, check_status::holds);
}

TEST(linearizability, a_failed_cas_did_not_take_effect) {
  EXPECT_EQ(check({write(1, 1, 0, 1), cas(2, 1, 9, 2, 3, outcome::fail), read(3, 1, 4, 5)}).status,
            check_status::holds);
  EXPECT_EQ(check({write(1, 1, 0, 1), cas(2, 1, 9, 2, 3, outcome::fail), read(3, 9, 4, 5)}).status,
            check_status::violated);
}

TEST(linearizability, an_info_write_may_or_may_not_have_taken_effect) {
  // Taken effect: a later read sees it. Not taken effect: a later read sees the old value.
  EXPECT_EQ(check({write(1, 1, 0, 1), write(2, 2, 2, 0, outcome::info), read(3, 2, 10, 11)}).status,
            check_status::holds);
  EXPECT_EQ(check({write(1, 1, 0, 1), write(2, 2, 2, 0, outcome::info), read(3, 1, 10, 11)}).status,
            check_status::holds);
  // It stays concurrent with everything after its invoke: it may take effect late.
  EXPECT_EQ(check({write(1, 1, 0, 1), write(2, 2, 2, 0, outcome::info), read(3, 1, 10, 11),
                   read(4, 2, 12, 13)})
                .status,
            check_status::holds);
  // But once seen it cannot be undone, and it cannot take effect before its invoke.
  EXPECT_EQ(check({write(1, 1, 0, 1), write(2, 2, 2, 0, outcome::info), read(3, 2, 10, 11),
                   read(4, 1, 12, 13)})
                .status,
            check_status::violated);
  EXPECT_EQ(check({write(1, 1, 0, 1), read(3, 2, 2, 3), write(2, 2, 4, 0, outcome::info)}).status,
            check_status::violated);
}

TEST(linearizability, an_info_cas_takes_effect_only_on_its_expected_value) {
  EXPECT_EQ(check({write(1, 1, 0, 1), cas(2, 1, 5, 2, 0, outcome::info), read(3, 5, 4, 5)}).status,
            check_status::holds);
  EXPECT_EQ(check({write(1, 3, 0, 1), cas(2, 1, 5, 2, 0, outcome::info), read(3, 5, 4, 5)}).status,
            check_status::violated);
}

TEST(linearizability, keys_are_checked_independently_and_the_failing_key_is_named) {
  history operations = {write(1, 1, 0, 3, outcome::ok, "a"), write(2, 1, 1, 2, outcome::ok, "b"),
                        read(3, 1, 4, 5, "a"), read(4, nullptr, 6, 7, "b")};
  const auto report = check(operations);
  EXPECT_EQ(report.status, check_status::violated);
  ASSERT_EQ(report.keys.size(), 2u);
  EXPECT_EQ(report.keys[0].status, check_status::holds);
  EXPECT_EQ(report.keys[1].status, check_status::violated);
  ASSERT_TRUE(report.window);
  EXPECT_EQ(report.window->key, "b");
  EXPECT_EQ(window_ids(report), (std::vector<std::uint64_t>{2, 4}));
}

TEST(linearizability, a_step_budget_that_runs_out_gives_unknown) {
  const auto specs = generator::random_specs(3, 200, 6, 1, 0);
  linearizability_options options;
  options.step_budget_per_key = 10;
  const auto report = check(generator::generate(specs, 6, 1), options);
  EXPECT_EQ(report.status, check_status::unknown);
  EXPECT_FALSE(to_verdict(report).ok);
  EXPECT_EQ(to_verdict(report).message, "unknown: the search budget ran out on key k0");
}

TEST(linearizability, an_operation_the_model_does_not_know_is_an_error) {
  auto report = check_linearizable({op(9, "append", 1, 1, outcome::ok, 0, 1)}, kv_register_model{});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.failure().to_string(),
            "op 9 (invoked at seq 0): unknown function 'append' (kv-register knows read, "
            "write, cas)");
}

TEST(linearizability, the_window_of_a_long_history_is_small_and_holds_the_stale_read) {
  history operations = generator::generate(generator::random_specs(11, 2000, 8, 2, 10), 8, 2);
  ASSERT_EQ(check(operations).status, check_status::holds);
  const auto stale = generator::inject_stale_read(operations, 5);
  ASSERT_TRUE(stale);
  const auto report = check(operations);
  ASSERT_EQ(report.status, check_status::violated);
  ASSERT_TRUE(report.window);
  const auto ids = window_ids(report);
  EXPECT_NE(std::find(ids.begin(), ids.end(), *stale), ids.end());
  EXPECT_LE(ids.size(), 30u);
  EXPECT_TRUE(report.window->minimal);
  EXPECT_NE(render(report).find("smallest non-linearizable window of key"), std::string::npos);
}

rc::Gen<generator::op_spec> spec_gen() {
  using namespace rc;
  return gen::map(gen::tuple(gen::inRange(0, 8), gen::inRange(0, 3), gen::inRange(0, 3),
                             gen::arbitrary<bool>(), gen::inRange(1, 10), gen::inRange(1, 10),
                             gen::inRange(1, 10), gen::inRange(0, 10), gen::arbitrary<bool>()),
                  [](const auto& fields) {
                    generator::op_spec spec;
                    spec.client = std::get<0>(fields);
                    spec.key = std::get<1>(fields);
                    spec.kind = static_cast<generator::op_kind>(std::get<2>(fields));
                    spec.cas_expects_current = std::get<3>(fields);
                    spec.gap = std::get<4>(fields);
                    spec.effect_delay = std::get<5>(fields);
                    spec.return_delay = std::get<6>(fields);
                    spec.info = std::get<7>(fields) == 0;  // one operation in ten
                    spec.info_takes_effect = std::get<8>(fields);
                    return spec;
                  });
}

RC_GTEST_PROP(linearizability, histories_of_a_sequential_execution_are_linearizable, ()) {
  const auto specs = *rc::gen::container<std::vector<generator::op_spec>>(spec_gen());
  const int clients = *rc::gen::inRange(1, 9);
  const int keys = *rc::gen::inRange(1, 4);
  const auto report =
      check_linearizable(generator::generate(specs, clients, keys), kv_register_model{});
  RC_ASSERT(report.ok());
  RC_ASSERT(report->status == check_status::holds);
}

RC_GTEST_PROP(linearizability, an_injected_stale_read_is_caught, ()) {
  auto specs = *rc::gen::container<std::vector<generator::op_spec>>(spec_gen());
  // Client 0 ends with write, write, read on key k0, so some read can be made stale.
  for (auto kind :
       {generator::op_kind::write, generator::op_kind::write, generator::op_kind::read}) {
    generator::op_spec spec;
    spec.kind = kind;
    specs.push_back(spec);
  }
  const int clients = *rc::gen::inRange(1, 9);
  const int keys = *rc::gen::inRange(1, 4);
  history operations = generator::generate(specs, clients, keys);
  const auto stale = generator::inject_stale_read(operations, *rc::gen::arbitrary<unsigned>());
  RC_ASSERT(stale.has_value());
  const auto report = check_linearizable(operations, kv_register_model{});
  RC_ASSERT(report.ok());
  RC_ASSERT(report->status == check_status::violated);
  RC_ASSERT(report->window.has_value());
  // The history first fails when the stale read completes, so the window must hold it.
  const auto& window = *report->window;
  bool holds_stale_read = false;
  for (const auto& operation : window.operations) holds_stale_read |= operation.id == *stale;
  RC_ASSERT(holds_stale_read);
}

}  // namespace
}  // namespace troupe::checkers
