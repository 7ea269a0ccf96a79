// Goal: a scenario's fault schedule becomes, at its times, exactly these commands, signals
// and processes on the machine (a recording host with a fake clock stands in for it), and
// the runner cleans up, escalates a stop that outlives its grace period, reports what it
// cannot play, and notices a node that dies on its own.
#include <gtest/gtest.h>

#include <signal.h>

#include <map>
#include <set>

#include "troupe/pods/cluster.hpp"

namespace pods = troupe::pods;
using json = nlohmann::json;

namespace {

constexpr std::int64_t start_ns = 1'000'000'000;

class recording_host final : public pods::host {
 public:
  std::vector<std::string> log;
  std::vector<std::string> said;
  std::vector<pods::argv> spawned;
  std::set<std::string> ignore_sigterm;  ///< pods whose process never exits on SIGTERM
  std::map<std::string, std::int64_t> crash_at_ms;  ///< pods whose process exits 1 then
  bool verbose_commands = true;

  std::string run(const pods::argv& command) override {
    if (verbose_commands) log.push_back(stamp() + "$ " + joined(command));
    return {};
  }
  int spawn(const std::string& netns, const pods::argv& command, const std::string& log_path,
            std::string&) override {
    const int pid = next_pid_++;
    std::string pod;
    for (std::size_t i = 0; i + 1 < command.size(); ++i)
      if (command[i] == "--pod") pod = command[i + 1];
    pod_of_[pid] = pod;
    spawned.push_back(command);
    log.push_back(stamp() + "spawn " + pod + " in " + netns + " -> pid " + std::to_string(pid) + ", log " + log_path);
    return pid;
  }
  void send_signal(int pid, int signal) override {
    log.push_back(stamp() + "kill -" + sigabbrev_np(signal) + " " + std::to_string(pid) + " (" + pod_of_[pid] + ")");
    if (signal == SIGKILL) exits_[pid] = 128 + SIGKILL;
    if (signal == SIGTERM && !ignore_sigterm.count(pod_of_[pid])) exits_[pid] = 0;
  }
  std::optional<int> poll_exit(int pid) override {
    auto crash = crash_at_ms.find(pod_of_[pid]);
    if (crash != crash_at_ms.end() && now_ >= start_ns + crash->second * 1'000'000) exits_[pid] = 1;
    auto found = exits_.find(pid);
    if (found == exits_.end()) return std::nullopt;
    const int code = found->second;
    exits_.erase(found);
    log.push_back(stamp() + "reaped " + std::to_string(pid) + " (" + pod_of_[pid] + ") status " + std::to_string(code));
    return code;
  }
  int probe(const std::string&, const std::string&, int, const std::string&) override { return 200; }
  std::int64_t now_ns() override { return now_; }
  void sleep_ns(std::int64_t ns) override { now_ += ns; }
  bool interrupted() override { return false; }
  void say(const std::string& line) override { said.push_back(line); }

  std::string joined(const pods::argv& command) const {
    std::string out;
    for (const auto& a : command) out += (out.empty() ? "" : " ") + a;
    return out;
  }
  /// The log lines containing `needle`.
  std::string lines_with(const std::string& needle) const {
    std::string out;
    for (const auto& l : log)
      if (l.find(needle) != std::string::npos) out += l + "\n";
    return out;
  }

 private:
  std::string stamp() const { return std::to_string((now_ - start_ns) / 1'000'000) + "ms "; }
  std::int64_t now_ = start_ns;
  int next_pid_ = 100;
  std::map<int, std::string> pod_of_;
  std::map<int, int> exits_;
};

troupe::scenario::scenario parse(const std::string& faults, const std::string& extra = "") {
  const std::string text = R"({"version": 1, "name": "t", "app": {"name": "kv"},
    "deployments": [{"name": "kv", "replicas": 2}, {"name": "client", "replicas": 1, "role": "client"}],
    "faults": )" + faults + extra + R"(, "properties": ["linearizable"], "duration": "10s"})";
  auto parsed = troupe::scenario::parse_scenario(json::parse(text));
  if (auto* error = std::get_if<troupe::scenario::load_error>(&parsed)) {
    ADD_FAILURE() << error->describe();
    return {};
  }
  return std::get<troupe::scenario::scenario>(parsed);
}

pods::cluster_options options() {
  pods::cluster_options o;
  o.node_command = {"/bin/troupe", "node"};
  o.scenario_path = "/s/t.json";
  o.work_dir = "/w";
  o.secret_file = "/w/secret";
  o.grace_ns = 2'000'000'000;
  o.epoch_ns = 1700000000000000000;
  return o;
}

}  // namespace

TEST(pods_cluster, each_fault_becomes_its_commands_and_signals_at_its_time) {
  const auto s = parse(R"([
    {"at": "1s", "kind": "partition", "from": ["kv-0"], "to": ["kv-1"]},
    {"at": "2s", "kind": "heal"},
    {"at": "3s", "kind": "kill", "pod": "kv-1"},
    {"at": "4s", "kind": "restart", "pod": "kv-1"},
    {"at": "5s", "kind": "pause", "pod": "kv-0"},
    {"at": "6s", "kind": "resume", "pod": "kv-0"},
    {"at": "7s", "kind": "stop", "pod": "kv-0"}])");
  recording_host machine;
  pods::cluster c(s, options(), machine, 9);
  machine.verbose_commands = false;
  ASSERT_EQ(c.setup(), "");
  machine.verbose_commands = true;
  ASSERT_EQ(c.run(), "");
  c.teardown();
  EXPECT_EQ(machine.joined(machine.spawned[0]),
            "/bin/troupe node --scenario /s/t.json --pod kv-0 --listen 10.214.0.10:7355 "
            "--peers kv-1=10.214.0.11:7355,client-0=10.214.0.12:7355 --secret-file /w/secret "
            "--trace /w/kv-0.1.trace.jsonl --management 10.214.0.10:8558 --incarnation 1 --node-number 0 "
            "--epoch-ns 1700000000000000000 --grace 1333ms");
  std::string expected =
      "0ms spawn kv-0 in tpods-9-kv-0 -> pid 100, log /w/kv-0.1.log\n"
      "0ms spawn kv-1 in tpods-9-kv-1 -> pid 101, log /w/kv-1.1.log\n"
      "0ms spawn client-0 in tpods-9-client-0 -> pid 102, log /w/client-0.1.log\n"
      "1000ms $ ip netns exec tpods-9-kv-1 iptables -w -A TROUPE-PARTITION -s 10.214.0.10 -j DROP\n"
      "2000ms $ ip netns exec tpods-9-kv-0 iptables -w -F TROUPE-PARTITION\n"
      "2000ms $ ip netns exec tpods-9-kv-1 iptables -w -F TROUPE-PARTITION\n"
      "2000ms $ ip netns exec tpods-9-client-0 iptables -w -F TROUPE-PARTITION\n"
      "3000ms kill -CONT 101 (kv-1)\n"
      "3000ms kill -KILL 101 (kv-1)\n"
      "3000ms reaped 101 (kv-1) status 137\n"
      "4000ms spawn kv-1 in tpods-9-kv-1 -> pid 103, log /w/kv-1.2.log\n"
      "5000ms kill -STOP 100 (kv-0)\n"
      "6000ms kill -CONT 100 (kv-0)\n"
      "7000ms kill -TERM 100 (kv-0)\n"
      "7000ms reaped 100 (kv-0) status 0\n"
      "10000ms kill -TERM 102 (client-0)\n"
      "10000ms kill -TERM 103 (kv-1)\n"
      "10000ms reaped 102 (client-0) status 0\n"
      "10000ms reaped 103 (kv-1) status 0\n"
      "10000ms $ ip netns del tpods-9-kv-0\n"
      "10000ms $ ip netns del tpods-9-kv-1\n"
      "10000ms $ ip netns del tpods-9-client-0\n"
      "10000ms $ ip netns del tpods-9-hub\n";
  std::string actual;
  for (const auto& l : machine.log) actual += l + "\n";
  EXPECT_EQ(actual, expected);
  // The faults as trace events, at the times they were played.
  std::string events;
  for (const auto& e : c.events()) events += e.dump() + "\n";
  EXPECT_EQ(events,
            R"({"t":1000000000,"ev":"fault","pod":"","kind":"partition","from":["kv-0"],"to":["kv-1"],"one_way":true}
{"t":2000000000,"ev":"fault","pod":"","kind":"heal"}
{"t":3000000000,"ev":"fault","pod":"kv-1","kind":"kill"}
{"t":4000000000,"ev":"fault","pod":"kv-1","kind":"restart","incarnation":2}
{"t":5000000000,"ev":"fault","pod":"kv-0","kind":"pause"}
{"t":6000000000,"ev":"fault","pod":"kv-0","kind":"resume"}
{"t":7000000000,"ev":"fault","pod":"kv-0","kind":"stop"}
)");
  ASSERT_EQ(c.traces().size(), 4u);
  EXPECT_EQ(c.traces()[1].path, "/w/kv-1.1.trace.jsonl");
  EXPECT_TRUE(c.traces()[1].may_be_truncated);  // killed
  EXPECT_FALSE(c.traces()[0].may_be_truncated);  // stopped gracefully
}

TEST(pods_cluster, scale_adds_ordinals_in_order_and_removes_the_highest_gracefully) {
  const auto s = parse(R"([
    {"at": "1s", "kind": "scale", "deployment": "kv", "replicas": 4},
    {"at": "3s", "kind": "scale", "deployment": "kv", "replicas": 1}])");
  recording_host machine;
  pods::cluster c(s, options(), machine, 9);
  ASSERT_EQ(c.setup(), "");
  ASSERT_EQ(c.run(), "");
  c.teardown();
  EXPECT_EQ(machine.lines_with("kv-3"),
            "1000ms $ ip netns add tpods-9-kv-3\n"
            "1000ms $ ip link add v4 netns tpods-9-hub type veth peer name eth0 netns tpods-9-kv-3\n"
            "1000ms $ ip -n tpods-9-kv-3 link set lo up\n"
            "1000ms $ ip -n tpods-9-kv-3 addr add 10.214.0.14/16 dev eth0\n"
            "1000ms $ ip -n tpods-9-kv-3 link set eth0 up\n"
            "1000ms $ ip netns exec tpods-9-kv-3 iptables -w -N TROUPE-PARTITION\n"
            "1000ms $ ip netns exec tpods-9-kv-3 iptables -w -N TROUPE-LOSS\n"
            "1000ms $ ip netns exec tpods-9-kv-3 iptables -w -A INPUT -j TROUPE-PARTITION\n"
            "1000ms $ ip netns exec tpods-9-kv-3 iptables -w -A OUTPUT -j TROUPE-PARTITION\n"
            "1000ms $ ip netns exec tpods-9-kv-3 iptables -w -A OUTPUT -o eth0 -j TROUPE-LOSS\n"
            "1000ms $ ip netns exec tpods-9-kv-3 iptables -w -F TROUPE-LOSS\n"
            "1000ms spawn kv-3 in tpods-9-kv-3 -> pid 104, log /w/kv-3.1.log\n"
            "3000ms kill -TERM 104 (kv-3)\n"
            "3000ms reaped 104 (kv-3) status 0\n"
            "10000ms $ ip netns del tpods-9-kv-3\n");
  EXPECT_NE(machine.lines_with("spawn kv-2").find("1000ms"), std::string::npos);
  EXPECT_EQ(machine.lines_with("kill -TERM"),
            "3000ms kill -TERM 104 (kv-3)\n"
            "3000ms kill -TERM 103 (kv-2)\n"
            "3000ms kill -TERM 101 (kv-1)\n"
            "10000ms kill -TERM 102 (client-0)\n"
            "10000ms kill -TERM 100 (kv-0)\n");
  // A pod started by scale-up knows the pods of that moment as its peers.
  EXPECT_EQ(machine.spawned[4][9], "kv-0=10.214.0.10:7355,kv-1=10.214.0.11:7355,"
                                    "client-0=10.214.0.12:7355,kv-2=10.214.0.13:7355");
  EXPECT_EQ(c.events()[1].dump(),
            R"({"t":3000000000,"ev":"fault","pod":"","kind":"scale","deployment":"kv","replicas":1,"added":[],"removed":["kv-3","kv-2","kv-1"]})");
}

TEST(pods_cluster, a_stop_that_outlives_its_grace_period_is_killed) {
  const auto s = parse(R"([{"at": "1s", "kind": "stop", "pod": "kv-1"}])");
  recording_host machine;
  machine.ignore_sigterm = {"kv-1"};
  pods::cluster c(s, options(), machine, 9);
  ASSERT_EQ(c.setup(), "");
  ASSERT_EQ(c.run(), "");
  EXPECT_EQ(machine.lines_with("(kv-1)"),
            "1000ms kill -TERM 101 (kv-1)\n"
            "3000ms kill -CONT 101 (kv-1)\n"
            "3000ms kill -KILL 101 (kv-1)\n"
            "3005ms reaped 101 (kv-1) status 137\n");  // on the next poll
}

TEST(pods_cluster, skew_and_unplayable_conditions_are_reported_not_played) {
  const auto s = parse(R"([{"at": "1s", "kind": "skew", "pod": "kv-1", "offset": "250ms"},
                           {"at": "2s", "kind": "network", "loss": 0.1, "duplicate": 0.2, "delay_min": "5ms", "delay_max": "9ms"}])");
  recording_host machine;
  pods::cluster c(s, options(), machine, 9);  // options().netem is false
  ASSERT_EQ(c.setup(), "");
  ASSERT_EQ(c.run(), "");
  ASSERT_EQ(c.unsupported().size(), 3u);
  EXPECT_EQ(c.unsupported()[0],
            "skew of kv-1 at 1s: the pods share the machine's clock, which cannot be skewed per process");
  EXPECT_EQ(c.unsupported()[1], "network at 2s: duplicate 0.200000 (TCP delivers each byte once)");
  EXPECT_EQ(c.unsupported()[2],
            "network at 2s: delay 5ms..9ms (no tc netem in this kernel: the bridge's own latency applies)");
  ASSERT_EQ(c.events().size(), 1u);  // the skew is not in the trace: it did not happen
  EXPECT_EQ(c.events()[0].value("kind", ""), "network");
  EXPECT_NE(machine.lines_with("2000ms $ ip netns exec tpods-9-kv-0 iptables -w -A TROUPE-LOSS -m statistic "
                               "--mode random --probability 0.100000 -j DROP"),
            "");
}

TEST(pods_cluster, a_node_that_dies_on_its_own_ends_the_run_with_the_reason) {
  const auto s = parse(R"([])");
  recording_host machine;
  machine.crash_at_ms = {{"kv-0", 2500}};
  pods::cluster c(s, options(), machine, 9);
  ASSERT_EQ(c.setup(), "");
  EXPECT_EQ(c.run(), "kv-0 exited on its own with status 1 at 2.500s (see its log)");
  c.teardown();
  EXPECT_EQ(machine.lines_with("-KILL"),
            "2500ms kill -KILL 102 (client-0)\n"
            "2500ms kill -KILL 101 (kv-1)\n");
}
