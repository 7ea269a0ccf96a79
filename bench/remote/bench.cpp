// troupe-remote-bench: the `remote` workload of the CAF peer benchmark
// (../shared/peers/caf, README "remote"), with the same sizes and the same JSON line.
//
//   troupe-remote-bench remote [--n N] [--threads T] [--rtt R]
//
// Forks a server process that runs a counter actor behind a TCP transport on 127.0.0.1
// (kernel-chosen port). The client sends N (default 500,000) messages holding a 64-char
// std::string, with at most 1,000 unacknowledged; the counter acks every 1,000. Timing ends
// when the counter's answer to a final get shows it counted all. Then R (default 20,000)
// int32 round trips run over the same connection.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <variant>

#include "troupe/net/tcp_transport.hpp"
#include "troupe/runtime.hpp"

namespace bench {

struct ack {
  std::uint64_t count = 0;
  template <class A>
  void fields(A& a) { a(count); }
};
struct get_count {
  template <class A>
  void fields(A&) {}
};
struct reset {
  template <class A>
  void fields(A&) {}
};
struct close_request {
  template <class A>
  void fields(A&) {}
};
struct go {};

}  // namespace bench

TROUPE_MESSAGE(bench::ack, "bench.remote.ack");
TROUPE_MESSAGE(bench::get_count, "bench.remote.get_count");
TROUPE_MESSAGE(bench::reset, "bench.remote.reset");
TROUPE_MESSAGE(bench::close_request, "bench.remote.close");
TROUPE_MESSAGE(bench::go, "bench.remote.go");

namespace bench {
namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::uint64_t ack_every = 1000;  // the counter acks every 1,000 messages
constexpr std::uint64_t window = 1000;     // max. unacknowledged messages in flight

struct options {
  std::uint64_t n = 500'000;
  long long rtt = 20'000;
  unsigned threads = 2;
};

std::vector<std::byte> bench_secret() {
  const std::string text = "troupe remote benchmark";
  std::vector<std::byte> out;
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  return out;
}

double seconds(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// -- server ----------------------------------------------------------------------------------

using server_protocol = std::variant<std::string, std::int32_t, get_count, reset, close_request>;

struct counter_actor final : troupe::actor<server_protocol> {
  explicit counter_actor(std::promise<void>* closed) : closed_(closed) {}
  void on_message(server_protocol& m) override {
    if (std::holds_alternative<std::string>(m)) {
      if (++count % ack_every == 0) reply(ack{count});
    } else if (auto* x = std::get_if<std::int32_t>(&m)) {
      reply(*x);  // echo for the round-trip test
    } else if (std::holds_alternative<get_count>(m)) {
      reply(count);
    } else if (std::holds_alternative<reset>(m)) {
      count = 0;
      reply(ack{0});
    } else {
      reply(ack{count});
      closed_->set_value();
    }
  }
  std::promise<void>* closed_;
  std::uint64_t count = 0;
};

troupe::net::tcp_transport_config transport_config(std::string name) {
  troupe::net::tcp_transport_config config;
  config.node_name = std::move(name);
  config.secret = bench_secret();
  return config;
}

int run_server(const options& o, int notify_fd) {
  troupe::thread_pool_platform platform(o.threads);
  troupe::net::tcp_transport transport(transport_config("server"));
  troupe::actor_system system(platform, {.node_name = "server"});
  if (auto error = transport.start(system); !error.empty()) {
    std::fprintf(stderr, "server: %s\n", error.c_str());
    return 1;
  }
  std::promise<void> closed;
  (void)system.spawn_with<counter_actor>({"counter", {}}, &closed);
  const std::uint16_t port = transport.local_port();
  const bool told = write(notify_fd, &port, sizeof port) == sizeof port;
  close(notify_fd);
  if (told) closed.get_future().wait_for(600s);
  system.shutdown();
  system.await_termination();
  transport.stop(1s);
  return told ? 0 : 1;
}

// -- client ----------------------------------------------------------------------------------

struct client_result {
  clock_type::time_point t0, t1, t2;
};

using client_protocol = std::variant<go, ack, std::int32_t>;

struct client_actor final : troupe::actor<client_protocol> {
  client_actor(troupe::actor_ref<server_protocol> server, std::uint64_t n, long long rtts,
               std::promise<client_result>* done)
      : server_(std::move(server)), n_(n), rtts_(rtts), done_(done), payload_(64, 'x') {}

  void on_message(client_protocol& m) override {
    if (std::holds_alternative<go>(m)) {
      result_.t0 = clock_type::now();
      pump();
    } else if (auto* a = std::get_if<ack>(&m)) {
      acked_ = a->count;
      pump();
    } else {
      const auto x = std::get<std::int32_t>(m);
      if (++pings_ < rtts_) return server_.tell(static_cast<std::int32_t>(x + 1));
      result_.t2 = clock_type::now();
      done_->set_value(result_);
    }
  }

 private:
  void pump() {
    for (; sent_ < n_ && sent_ - acked_ < window; ++sent_) server_.tell(payload_);
    if (sent_ < n_ || flushed_) return;
    flushed_ = true;  // all sent: the answer to get comes after the server counted them all
    ask<std::uint64_t>(server_, get_count{}, 600s, [this](troupe::result<std::uint64_t> total) {
      result_.t1 = clock_type::now();
      if (!total.ok() || total.value() != n_)
        std::fprintf(stderr, "server counted %llu of %llu messages\n",
                     total.ok() ? static_cast<unsigned long long>(total.value()) : 0ULL,
                     static_cast<unsigned long long>(n_));
      server_.tell(std::int32_t{0});  // start the round-trip test
    });
  }

  troupe::actor_ref<server_protocol> server_;
  std::uint64_t n_;
  long long rtts_;
  std::promise<client_result>* done_;
  std::string payload_;
  std::uint64_t sent_ = 0, acked_ = 0;
  long long pings_ = 0;
  bool flushed_ = false;
  client_result result_;
};

int run_client(const options& o, std::uint16_t port) {
  troupe::thread_pool_platform platform(o.threads);
  auto config = transport_config("client");
  config.seeds = {{"127.0.0.1", port}};
  troupe::net::tcp_transport transport(std::move(config));
  troupe::actor_system system(platform, {.node_name = "client"});
  if (auto error = transport.start(system); !error.empty()) {
    std::fprintf(stderr, "client: %s\n", error.c_str());
    return 1;
  }
  const auto deadline = clock_type::now() + 10s;
  while (!transport.connected("server") && clock_type::now() < deadline)
    std::this_thread::sleep_for(1ms);
  auto server = system.remote_ref<server_protocol>("server", "/user/counter");
  // The reset round trip also warms up the connection.
  if (!system.ask<ack>(server, reset{}, 10s).get().ok()) {
    std::fprintf(stderr, "client: the server did not answer\n");
    return 1;
  }
  std::promise<client_result> done;
  auto finished = done.get_future();
  system.spawn<client_actor>(server, o.n, o.rtt, &done).tell(go{});
  const client_result r = finished.get();
  const double tput_s = seconds(r.t0, r.t1), rtt_s = seconds(r.t1, r.t2);
  std::printf(
      "{\"peer\":\"troupe\",\"workload\":\"remote\",\"messages\":%llu,\"payload_bytes\":64,"
      "\"window\":%llu,\"seconds\":%.6f,\"msgs_per_s\":%.0f,\"rtt_round_trips\":%lld,"
      "\"rtt_us\":%.2f,\"threads\":%u}\n",
      static_cast<unsigned long long>(o.n), static_cast<unsigned long long>(window), tput_s,
      static_cast<double>(o.n) / tput_s, o.rtt, rtt_s * 1e6 / static_cast<double>(o.rtt),
      o.threads);
  std::fflush(stdout);
  (void)system.ask<ack>(server, close_request{}, 5s).get();
  system.shutdown();
  system.await_termination();
  transport.stop(1s);
  return 0;
}

// Forks a server on a kernel-chosen loopback port, runs the client, reaps the server.
int run_remote(const options& o) {
  int fds[2];
  if (pipe(fds) != 0) return std::perror("pipe"), 1;
  std::fflush(stdout);
  const pid_t child = fork();  // before any thread starts
  if (child < 0) return std::perror("fork"), 1;
  if (child == 0) {
    close(fds[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the client
    _exit(run_server(o, fds[1]));
  }
  close(fds[1]);
  std::uint16_t port = 0;
  int rc = 1;
  if (read(fds[0], &port, sizeof port) == sizeof port) rc = run_client(o, port);
  close(fds[0]);
  bool reaped = false;  // the server exits on close_request; give it 5 s
  for (int i = 0; i < 500 && !reaped; ++i) {
    reaped = waitpid(child, nullptr, WNOHANG) == child;
    if (!reaped) usleep(10'000);
  }
  if (!reaped) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
  }
  return rc;
}

int usage() {
  std::fprintf(stderr, "usage: troupe-remote-bench remote [--n N] [--threads T] [--rtt R]\n");
  return 2;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != "remote") return bench::usage();
  bench::options o;
  int i = 2;
  for (; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const long long value = std::atoll(argv[i + 1]);
    if (value <= 0) return bench::usage();
    if (key == "--n") o.n = static_cast<std::uint64_t>(value);
    else if (key == "--threads") o.threads = static_cast<unsigned>(value);
    else if (key == "--rtt") o.rtt = value;
    else return bench::usage();
  }
  if (i != argc) return bench::usage();
  return bench::run_remote(o);
}
