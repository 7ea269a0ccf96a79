// Goal: generated kv histories are well formed: each client runs one operation at a time,
// write values are unique, and every completed operation has its interval.

#include "kv_history_generator.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace troupe::checkers {
namespace {

TEST(kv_history_generator, clients_are_sequential_and_values_unique) {
  const history operations = generator::generate(generator::random_specs(5, 500, 8, 3, 20), 8, 3);
  ASSERT_EQ(operations.size(), 500u);
  std::map<std::int64_t, std::uint64_t> client_free;  // last completion seq per client
  std::set<std::string> written;
  for (const operation& op : operations) {  // in invoke order
    auto last = client_free.find(op.client);
    if (last != client_free.end() && last->second != never_seq) {
      EXPECT_LT(last->second, op.invoke_seq) << describe(op);
    }
    client_free[op.client] = op.complete_seq;
    if (op.result != outcome::info) {
      EXPECT_LT(op.invoke_seq, op.complete_seq);
    }
    if (op.f != "read") {
      EXPECT_TRUE(written.insert((op.f == "cas" ? op.input[1] : op.input).dump()).second);
    }
  }
}

TEST(kv_history_generator, is_deterministic_for_a_seed) {
  const auto a = generator::generate(generator::random_specs(9, 100, 4, 2, 10), 4, 2);
  const auto b = generator::generate(generator::random_specs(9, 100, 4, 2, 10), 4, 2);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t index = 0; index < a.size(); ++index) {
    EXPECT_EQ(describe(a[index]), describe(b[index]));
  }
}

}  // namespace
}  // namespace troupe::checkers
