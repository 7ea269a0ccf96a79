// Goal: random sequences of spawn / tell / stop / fail behave like a simple model: every
// live actor's state is the sum of the values told since its last (re)start, and every
// message to a stopped actor is counted as a dead letter.

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include "troupe/runtime.hpp"

namespace {

using namespace std::chrono_literals;

struct summer final : troupe::actor<std::variant<int, std::string>> {
  void on_message(message_type& m) override {
    if (auto* v = std::get_if<int>(&m)) {
      sum += *v;
    } else if (std::get<std::string>(m) == "get") {
      reply(sum);
    } else if (std::get<std::string>(m) == "stop") {
      stop();
    } else {
      throw std::runtime_error("asked to fail");
    }
  }
  long sum = 0;
};

struct model {
  struct entry {
    bool alive = true;
    long sum = 0;
  };
  std::vector<entry> actors;
  std::uint64_t dead_letters = 0;
};

struct system_under_test {
  troupe::manual_platform platform;
  troupe::actor_system system{platform};
  std::vector<troupe::actor_ref<std::variant<int, std::string>>> refs;
};

using command = rc::state::Command<model, system_under_test>;

std::size_t pick(const model& m) {
  RC_PRE(!m.actors.empty());
  return *rc::gen::inRange<std::size_t>(0, m.actors.size());
}

struct spawn_actor final : command {
  void apply(model& m) const override { m.actors.push_back({}); }
  void run(const model&, system_under_test& s) const override {
    s.refs.push_back(s.system.spawn<summer>());
    s.platform.run_until_idle();
  }
  void show(std::ostream& os) const override { os << "spawn"; }
};

struct tell_value final : command {
  std::size_t index;
  int value;
  explicit tell_value(const model& m) : index(pick(m)), value(*rc::gen::inRange(-100, 100)) {}
  void checkPreconditions(const model& m) const override { RC_PRE(index < m.actors.size()); }
  void apply(model& m) const override {
    if (m.actors[index].alive) m.actors[index].sum += value;
    else ++m.dead_letters;
  }
  void run(const model&, system_under_test& s) const override {
    s.refs[index].tell(value);
    s.platform.run_until_idle();
  }
  void show(std::ostream& os) const override { os << "tell " << index << " " << value; }
};

struct stop_actor final : command {
  std::size_t index;
  explicit stop_actor(const model& m) : index(pick(m)) {}
  void checkPreconditions(const model& m) const override { RC_PRE(index < m.actors.size()); }
  void apply(model& m) const override {
    if (!m.actors[index].alive) ++m.dead_letters;
    m.actors[index].alive = false;
  }
  void run(const model&, system_under_test& s) const override {
    s.refs[index].tell(std::string("stop"));
    s.platform.run_until_idle();
  }
  void show(std::ostream& os) const override { os << "stop " << index; }
};

struct fail_actor final : command {
  std::size_t index;
  explicit fail_actor(const model& m) : index(pick(m)) {}
  void checkPreconditions(const model& m) const override { RC_PRE(index < m.actors.size()); }
  void apply(model& m) const override {
    if (m.actors[index].alive) m.actors[index].sum = 0;  // restarted with fresh state
    else ++m.dead_letters;
  }
  void run(const model&, system_under_test& s) const override {
    s.refs[index].tell(std::string("fail"));
    s.platform.run_until_idle();
  }
  void show(std::ostream& os) const override { os << "fail " << index; }
};

struct check_sums final : command {
  void apply(model& m) const override {
    for (auto& a : m.actors) m.dead_letters += a.alive ? 0 : 1;  // asks to dead actors
  }
  void run(const model& m, system_under_test& s) const override {
    for (std::size_t i = 0; i < m.actors.size(); ++i) {
      auto future = s.system.ask<long>(s.refs[i], std::string("get"), 1s);
      s.platform.run_until_idle();
      auto outcome = future.try_get();
      RC_ASSERT(outcome.has_value());
      if (m.actors[i].alive) {
        RC_ASSERT(outcome->ok());
        RC_ASSERT(outcome->value() == m.actors[i].sum);
      } else {
        RC_ASSERT(!outcome->ok());
        RC_ASSERT(outcome->failure().code == troupe::error_code::dead_letter);
      }
    }
    // The asks to dead actors above are dead letters too.
    std::uint64_t dead_asks = 0;
    for (auto& a : m.actors) dead_asks += a.alive ? 0 : 1;
    RC_ASSERT(s.system.dead_letters() == m.dead_letters + dead_asks);
  }
  void show(std::ostream& os) const override { os << "check"; }
};

RC_GTEST_PROP(runtime_model, behaves_like_the_model, ()) {
  model initial;
  system_under_test sut;
  rc::state::check(
      initial, sut,
      rc::state::gen::execOneOfWithArgs<spawn_actor, tell_value, stop_actor, fail_actor, check_sums>());
}

}  // namespace
