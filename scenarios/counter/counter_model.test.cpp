// Goal: the counter model accepts exactly the histories a linearizable counter can produce,
// including increments whose outcome is unknown.

#include "counter/counter_model.hpp"

#include <gtest/gtest.h>

#include "troupe/checkers/linearizability.hpp"

namespace {

using troupe::checkers::operation;
using troupe::checkers::outcome;

operation op(std::uint64_t id, std::string f, nlohmann::json input, nlohmann::json output,
             outcome result, std::uint64_t invoke, std::uint64_t complete) {
  operation o;
  o.id = id;
  o.client = static_cast<std::int64_t>(id);
  o.f = std::move(f);
  o.key = "c0";
  o.input = std::move(input);
  o.output = std::move(output);
  o.result = result;
  o.invoke_seq = invoke;
  o.complete_seq = result == outcome::info ? troupe::checkers::never_seq : complete;
  return o;
}

troupe::checkers::check_status check(const troupe::checkers::history& h) {
  troupe::apps::counter::counter_model model;
  auto report = troupe::checkers::check_linearizable(h, model);
  EXPECT_TRUE(report.ok()) << report.failure().to_string();
  return report->status;
}

TEST(counter_model, sequential_adds_then_read) {
  EXPECT_EQ(check({op(1, "add", 1, 1, outcome::ok, 0, 1), op(2, "add", 1, 1, outcome::ok, 2, 3),
                   op(3, "read", nullptr, 2, outcome::ok, 4, 5)}),
            troupe::checkers::check_status::holds);
}

TEST(counter_model, read_missing_an_acknowledged_add_is_a_violation) {
  EXPECT_EQ(
      check({op(1, "add", 1, 1, outcome::ok, 0, 1), op(2, "read", nullptr, 0, outcome::ok, 2, 3)}),
      troupe::checkers::check_status::violated);
}

TEST(counter_model, unknown_add_may_or_may_not_count) {
  for (int seen : {0, 1}) {
    EXPECT_EQ(check({op(1, "add", 1, nullptr, outcome::info, 0, 0),
                     op(2, "read", nullptr, seen, outcome::ok, 2, 3)}),
              troupe::checkers::check_status::holds);
  }
  EXPECT_EQ(check({op(1, "add", 1, nullptr, outcome::info, 0, 0),
                   op(2, "read", nullptr, 2, outcome::ok, 2, 3)}),
            troupe::checkers::check_status::violated);
}

TEST(counter_model, count_never_goes_back) {
  EXPECT_EQ(check({op(1, "add", 1, nullptr, outcome::info, 0, 0),
                   op(2, "read", nullptr, 1, outcome::ok, 1, 2),
                   op(3, "read", nullptr, 0, outcome::ok, 3, 4)}),
            troupe::checkers::check_status::violated);
}

TEST(counter_model, refuses_unknown_functions) {
  troupe::apps::counter::counter_model model;
  EXPECT_TRUE(model.validate(op(1, "write", 1, 1, outcome::ok, 0, 1)).has_value());
  EXPECT_FALSE(model.validate(op(1, "add", 1, 1, outcome::ok, 0, 1)).has_value());
}

}  // namespace
