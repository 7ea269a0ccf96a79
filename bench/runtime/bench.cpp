// troupe-bench: the runtime's side of the CAF peer benchmark (../shared/peers/caf). The
// workloads, sizes, options and JSON lines mirror CAF's bench.cpp, with "peer":"troupe", so
// that bench/compare.sh can set the two side by side. Only the public runtime API is used:
// a thread_pool_platform, an actor_system, tell, reply and ask from outside the actors.
//
//   troupe-bench pingpong|fanin|spawn [--n N] [--threads T]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "troupe/runtime.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// Starts a workload (CAF's go_atom).
struct go {};
/// Asks an actor to answer once its work is complete; the answer is `finished`.
struct notify_when_done {};
/// The answer to notify_when_done (CAF's done_atom).
struct finished {};

/// How long the main thread waits for a workload before giving up.
constexpr auto workload_timeout = 10min;

struct options {
  std::string workload;
  long long n = 0;  // 0: the workload's default
  unsigned threads = 2;
};

double seconds_between(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

/// VmRSS of this process in KiB, or -1.
long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, 6, "VmRSS:") == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

/// Waits for the answer of an ask made from main; a timeout or error ends the program.
void await_finished(troupe::reply_future<finished> future, const char* workload) {
  auto outcome = future.get();
  if (!outcome.ok()) {
    std::fprintf(stderr, "%s: %s\n", workload, outcome.failure().message.c_str());
    std::exit(1);
  }
}

// -- pingpong: one integer bounces between two actors -------------------------------------

struct pong_actor final : troupe::actor<std::int32_t> {
  void on_message(std::int32_t& x) override { reply(x); }
};

struct ping_actor final : troupe::actor<std::variant<go, std::int32_t>> {
  ping_actor(troupe::actor_ref<std::int32_t> pong, long long round_trips)
      : pong_(std::move(pong)), left_(round_trips) {}
  void on_message(message_type& m) override {
    if (std::holds_alternative<go>(m)) {
      main_ = sender();  // the ask from main: answered when the last round trip is done
      pong_.tell(std::int32_t{0});
      return;
    }
    const std::int32_t x = std::get<std::int32_t>(m);
    if (--left_ > 0) {
      pong_.tell(static_cast<std::int32_t>(x + 1));
      return;
    }
    main_.tell_any(finished{});
    stop();
  }
  troupe::actor_ref<std::int32_t> pong_;
  troupe::any_ref main_;
  long long left_;
};

void run_pingpong(troupe::actor_system& system, const options& o) {
  const long long round_trips = std::max(1LL, (o.n > 0 ? o.n : 1000000) / 2);
  auto pong = system.spawn<pong_actor>();
  auto ping = system.spawn<ping_actor>(pong, round_trips);
  const auto t0 = clock_type::now();
  await_finished(system.ask<finished>(ping, go{}, workload_timeout), "pingpong");
  const double s = seconds_between(t0, clock_type::now());
  std::printf(
      "{\"peer\":\"troupe\",\"workload\":\"pingpong\",\"messages\":%lld,"
      "\"round_trips\":%lld,\"seconds\":%.6f,\"msgs_per_s\":%.0f,"
      "\"rtt_ns\":%.1f,\"threads\":%u}\n",
      2 * round_trips, round_trips, s, 2 * round_trips / s, s * 1e9 / round_trips, o.threads);
}

// -- fanin: 64 senders flood one counting receiver ----------------------------------------

/// Counts int32 messages; answers notify_when_done once `expected` arrived. The receiver of
/// fanin, and the collector of the replies in spawn.
struct counter_actor final : troupe::actor<std::variant<std::int32_t, notify_when_done>> {
  explicit counter_actor(long long expected) : expected_(expected) {}
  void on_message(message_type& m) override {
    if (std::holds_alternative<notify_when_done>(m)) {
      main_ = sender();
    } else {
      ++seen_;
    }
    if (seen_ == expected_ && main_) {
      main_.tell_any(finished{});
      stop();
    }
  }
  long long expected_;
  long long seen_ = 0;
  troupe::any_ref main_;
};

struct source_actor final : troupe::actor<go> {
  source_actor(troupe::actor_ref<std::variant<std::int32_t, notify_when_done>> sink,
               long long count)
      : sink_(std::move(sink)), count_(count) {}
  void on_message(go&) override {
    for (long long i = 0; i < count_; ++i) sink_.tell(static_cast<std::int32_t>(i));
    stop();
  }
  troupe::actor_ref<std::variant<std::int32_t, notify_when_done>> sink_;
  long long count_;
};

void run_fanin(troupe::actor_system& system, const options& o) {
  const int senders = 64;
  const long long per_sender = o.n > 0 ? o.n : 200000;
  const long long total = senders * per_sender;
  auto sink = system.spawn<counter_actor>(total);
  std::vector<troupe::actor_ref<go>> sources;
  for (int i = 0; i < senders; ++i) sources.push_back(system.spawn<source_actor>(sink, per_sender));
  // Asked before the senders start, so the counter knows whom to tell when it has all.
  auto done = system.ask<finished>(sink, notify_when_done{}, workload_timeout);
  const auto t0 = clock_type::now();
  for (auto& source : sources) source.tell(go{});
  await_finished(std::move(done), "fanin");
  const double s = seconds_between(t0, clock_type::now());
  std::printf(
      "{\"peer\":\"troupe\",\"workload\":\"fanin\",\"messages\":%lld,"
      "\"senders\":%d,\"per_sender\":%lld,\"seconds\":%.6f,"
      "\"msgs_per_s\":%.0f,\"threads\":%u}\n",
      total, senders, per_sender, s, total / s, o.threads);
}

// -- spawn: K actors that answer one message and exit -------------------------------------

std::atomic<long long> started{0};  // bumped when an actor runs pre_start

struct one_shot_actor final : troupe::actor<std::int32_t> {
  void pre_start() override { started.fetch_add(1, std::memory_order_relaxed); }
  void on_message(std::int32_t& x) override {
    reply(x);
    stop();
  }
};

void run_spawn(troupe::actor_system& system, const options& o) {
  const long long k = o.n > 0 ? o.n : 200000;
  auto collector = system.spawn<counter_actor>(k);
  std::vector<troupe::actor_ref<std::int32_t>> actors;
  actors.reserve(static_cast<std::size_t>(k));
  const long rss_before = rss_kib();
  const auto t0 = clock_type::now();
  for (long long i = 0; i < k; ++i) actors.push_back(system.spawn<one_shot_actor>());
  // spawn() only schedules the first turn (construction and pre_start): wait for all.
  while (started.load() < k) std::this_thread::sleep_for(50us);
  const auto t1 = clock_type::now();
  const long rss_alive = rss_kib();  // all K actors alive, waiting for a message
  auto done = system.ask<finished>(collector, notify_when_done{}, workload_timeout);
  for (auto& a : actors) a.tell(std::int32_t{1}, collector);  // replies go to the collector
  await_finished(std::move(done), "spawn");
  const auto t2 = clock_type::now();
  actors.clear();
  const double s = seconds_between(t0, t1);
  std::printf(
      "{\"peer\":\"troupe\",\"workload\":\"spawn\",\"actors\":%lld,"
      "\"seconds\":%.6f,\"actors_per_s\":%.0f,\"lifecycle_seconds\":%.6f,"
      "\"rss_bytes_per_actor\":%.1f,\"threads\":%u}\n",
      k, s, k / s, seconds_between(t0, t2), (rss_alive - rss_before) * 1024.0 / k, o.threads);
}

int usage() {
  std::fprintf(stderr, "usage: troupe-bench pingpong|fanin|spawn [--n N] [--threads T]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  options o;
  o.workload = argv[1];
  int i = 2;
  for (; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const long long value = std::atoll(argv[i + 1]);
    if (value <= 0) return usage();
    if (key == "--n") {
      o.n = value;
    } else if (key == "--threads") {
      o.threads = static_cast<unsigned>(value);
    } else {
      return usage();
    }
  }
  if (i != argc) return usage();
  if (o.workload != "pingpong" && o.workload != "fanin" && o.workload != "spawn") return usage();
  troupe::thread_pool_platform platform(o.threads);
  {
    troupe::actor_system system(platform);
    if (o.workload == "pingpong") run_pingpong(system, o);
    else if (o.workload == "fanin") run_fanin(system, o);
    else run_spawn(system, o);
    std::fflush(stdout);
  }  // the system stops every actor before the platform's threads go
  return 0;
}
