#include "troupe/pods/cluster.hpp"

#include <signal.h>

#include <algorithm>
#include <cassert>

#include "troupe/simnet/duration.hpp"

namespace troupe::pods {

namespace {

using json = nlohmann::ordered_json;

/// How often the waiting loop reaps processes and checks for interruption.
constexpr std::int64_t poll_ns = 5'000'000;
/// Faults played later than this behind their time are reported.
constexpr std::int64_t lateness_reported_ns = 100'000'000;

std::string seconds(std::int64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3fs", static_cast<double>(ns) / 1e9);
  return text;
}

std::string joined(const std::vector<std::string>& names, const char* separator = " ") {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : separator) + n;
  return out;
}

std::string describe_cut(const sim::fault& f) {
  if (f.one_way) return "{" + joined(f.from) + "} -> {" + joined(f.to) + "} cut";
  std::string out;
  for (const auto& g : f.groups) out += (out.empty() ? "{" : " | {") + joined(g) + "}";
  return out;
}

}  // namespace

cluster::cluster(const scenario::scenario& s, cluster_options options, host& machine,
                 std::uint64_t run_id)
    : scenario_(s), options_(std::move(options)), host_(machine), layout_(run_id) {
  for (const auto& d : s.deployments) replicas_[d.name] = d.replicas;
}

std::int64_t cluster::elapsed_ns() const { return host_.now_ns() - origin_ns_; }

void cluster::say(const std::string& text) {
  host_.say(origin_ns_ == 0 ? text : seconds(elapsed_ns()) + " " + text);
}

cluster::pod_state* cluster::find(const std::string& name) {
  auto found = pods_.find(name);
  return found == pods_.end() ? nullptr : &found->second;
}

std::string cluster::run_all(const std::vector<argv>& commands, bool tolerate_failures) {
  for (const auto& command : commands) {
    const std::string problem = host_.run(command);
    if (!problem.empty() && !tolerate_failures) return joined(command) + ": " + problem;
  }
  return {};
}

json cluster::fault_event(const char* kind, const std::string& pod) const {
  return json{{"t", elapsed_ns()}, {"ev", "fault"}, {"pod", pod}, {"kind", kind}};
}

std::string cluster::setup() {
  if (auto problem = run_all(layout_.create_hub()); !problem.empty()) return problem;
  for (const auto& d : scenario_.deployments) {
    for (int i = 0; i < d.replicas; ++i) {
      const std::string name = d.name + "-" + std::to_string(i);
      if (auto problem = run_all(layout_.create_pod(name)); !problem.empty()) return problem;
      pods_[name] = pod_state{name, d.name, i, layout_.pods().size() - 1};
    }
  }
  return play_conditions(scenario_.network, "network");
}

std::string cluster::peers_of(const std::string& self) const {
  std::string out;
  for (const auto& a : layout_.pods()) {
    const auto& pod = pods_.at(a.pod);
    if (a.pod == self || pod.ordinal >= replicas_.at(pod.deployment)) continue;
    out += (out.empty() ? "" : ",") + a.pod + "=" + a.ip + ":" + std::to_string(remoting_port);
  }
  return out;
}

std::string cluster::start_pod(const std::string& name) {
  pod_state& pod = pods_.at(name);
  assert(pod.pid < 0);
  const pod_address& a = layout_.address(name);
  ++pod.incarnation;
  const std::string base = options_.work_dir + "/" + name + "." + std::to_string(pod.incarnation);
  argv command = options_.node_command;
  const argv flags = {
      "--scenario", options_.scenario_path,
      "--pod", name,
      "--listen", a.ip + ":" + std::to_string(remoting_port),
      "--peers", peers_of(name),
      "--secret-file", options_.secret_file,
      "--trace", base + ".trace.jsonl",
      "--management", a.ip + ":" + std::to_string(management_port),
      "--incarnation", std::to_string(pod.incarnation),
      "--node-number", std::to_string(pod.node_number),
      "--epoch-ns", std::to_string(options_.epoch_ns),
      // The node's own shutdown bound stays inside the runner's grace period, as a pod's
      // --grace stays inside terminationGracePeriodSeconds.
      "--grace", std::to_string(options_.grace_ns * 2 / 3 / 1'000'000) + "ms",
  };
  command.insert(command.end(), flags.begin(), flags.end());
  std::string error;
  const int pid = host_.spawn(a.netns, command, base + ".log", error);
  if (pid < 0) return "cannot start " + name + ": " + error;
  pod.pid = pid;
  pod.paused = false;
  pod.kill_at_ns = -1;
  pod.exit_expected = false;
  traces_.push_back({base + ".trace.jsonl", name, false});
  say("started " + name + " (incarnation " + std::to_string(pod.incarnation) + ", pid " +
            std::to_string(pid) + ") on " + a.ip);
  return {};
}

void cluster::kill_pod(pod_state& pod) {
  if (pod.pid < 0) return;
  pod.exit_expected = true;
  // A stopped process takes SIGKILL too; SIGCONT first anyway so nothing stays frozen.
  host_.send_signal(pod.pid, SIGCONT);
  host_.send_signal(pod.pid, SIGKILL);
  pod.kill_at_ns = 0;  // reaped by service()
  for (auto& t : traces_)
    if (t.pod == pod.name) t.may_be_truncated = true;  // cut short at any byte
}

void cluster::stop_pod(pod_state& pod) {
  if (pod.pid < 0) return;
  pod.exit_expected = true;
  if (pod.paused) host_.send_signal(pod.pid, SIGCONT);
  pod.paused = false;
  host_.send_signal(pod.pid, SIGTERM);
  pod.kill_at_ns = host_.now_ns() + options_.grace_ns;
}

std::string cluster::service() {
  std::string failure;
  for (auto& [name, pod] : pods_) {
    if (pod.pid < 0) continue;
    if (auto code = host_.poll_exit(pod.pid)) {
      const bool sigkilled = *code == 128 + SIGKILL;
      if (!pod.exit_expected) {
        if (failure.empty())
          failure = name + " exited on its own with status " + std::to_string(*code) + " at " +
                    seconds(elapsed_ns()) + " (see its log)";
      } else if (pod.kill_at_ns > 0 && *code != 0 && !sigkilled && failure.empty()) {
        failure = name + " exited with status " + std::to_string(*code) + " after SIGTERM (see its log)";
      }
      say(name + " (pid " + std::to_string(pod.pid) + ") exited with status " + std::to_string(*code));
      pod.pid = -1;
      pod.kill_at_ns = -1;
      continue;
    }
    if (pod.kill_at_ns > 0 && host_.now_ns() >= pod.kill_at_ns) {
      say(name + " did not exit within the grace period: SIGKILL");
      kill_pod(pod);
    }
  }
  return failure;
}

std::string cluster::wait_until(std::int64_t deadline_ns) {
  while (true) {
    if (auto failure = service(); !failure.empty()) return failure;
    if (host_.interrupted()) return "interrupted";
    const std::int64_t left = deadline_ns - host_.now_ns();
    if (left <= 0) return {};
    host_.sleep_ns(std::min(left, poll_ns));
  }
}

std::string cluster::wait_ready() {
  const std::int64_t deadline = origin_ns_ + options_.ready_timeout_ns;
  std::vector<std::string> waiting;
  for (const auto& [name, pod] : pods_) waiting.push_back(name);
  while (!waiting.empty()) {
    std::erase_if(waiting, [&](const std::string& name) {
      const auto& a = layout_.address(name);
      return host_.probe(a.netns, a.ip, management_port, "/ready") == 200;
    });
    if (waiting.empty()) break;
    if (host_.now_ns() >= deadline)
      return "not ready after " + seconds(options_.ready_timeout_ns) + ": " + joined(waiting);
    if (auto problem = wait_until(host_.now_ns() + 50 * poll_ns); !problem.empty()) return problem;
  }
  ready_seconds_ = static_cast<double>(elapsed_ns()) / 1e9;
  say("every pod is ready");
  return {};
}

std::string cluster::run() {
  if (host_.interrupted()) return "interrupted";
  origin_ns_ = host_.now_ns();
  for (const auto& a : std::vector<pod_address>(layout_.pods()))
    if (auto problem = start_pod(a.pod); !problem.empty()) return problem;
  if (auto problem = wait_ready(); !problem.empty()) return problem;
  std::vector<sim::fault> schedule = scenario_.faults;
  std::stable_sort(schedule.begin(), schedule.end(),
                   [](const sim::fault& a, const sim::fault& b) { return a.at_ns < b.at_ns; });
  for (const auto& f : schedule) {
    if (auto problem = wait_until(origin_ns_ + f.at_ns); !problem.empty()) return problem;
    const std::int64_t late = elapsed_ns() - f.at_ns;
    lateness_ns_max_ = std::max(lateness_ns_max_, late);
    if (late > lateness_reported_ns)
      say(std::string(sim::to_string(f.kind)) + " at " + sim::format_duration(f.at_ns) +
                " played " + seconds(late) + " late");
    if (auto problem = play(f); !problem.empty()) return problem;
  }
  if (auto problem = wait_until(origin_ns_ + scenario_.duration_ns); !problem.empty()) return problem;
  say("duration reached: stopping every pod");
  for (auto& [name, pod] : pods_) stop_pod(pod);
  while (true) {
    if (auto failure = service(); !failure.empty()) return failure;
    if (std::none_of(pods_.begin(), pods_.end(), [](const auto& p) { return p.second.pid >= 0; }))
      return {};
    if (host_.interrupted()) return "interrupted";
    host_.sleep_ns(poll_ns);
  }
}

std::string cluster::play_conditions(const sim::link_conditions& link, const std::string& what) {
  const sim::link_conditions defaults;
  if (link.duplicate > 0) unsupported_.push_back(what + ": duplicate " + std::to_string(link.duplicate) + " (TCP delivers each byte once)");
  if (link.reorder) unsupported_.push_back(what + ": reorder (TCP keeps order on a connection)");
  if (link.bandwidth_bytes_per_s > 0) unsupported_.push_back(what + ": bandwidth (not limited)");
  if (!options_.netem && link.delay_ns_max >= 1'000'000)
    unsupported_.push_back(what + ": delay " + sim::format_duration(link.delay_ns_min) + ".." +
                           sim::format_duration(link.delay_ns_max) +
                           " (no tc netem in this kernel: the bridge's own latency applies)");
  const auto commands = layout_.conditions(link, options_.netem);
  // Removing a netem qdisc that is not there fails harmlessly; everything else must work.
  for (const auto& c : commands) {
    const bool removal = c.size() > 5 && c[4] == "tc" && c[6] == "del";
    if (auto problem = host_.run(c); !problem.empty() && !removal) return joined(c) + ": " + problem;
  }
  current_conditions_ = link;
  return {};
}

}  // namespace troupe::pods

namespace troupe::pods {

std::string cluster::play(const sim::fault& f) {
  const std::string at = sim::format_duration(f.at_ns);
  json event = fault_event(sim::to_string(f.kind), "");
  switch (f.kind) {
    case sim::fault_kind::partition: {
      sim::partition cut{f.groups, f.from, f.to, f.one_way};
      if (auto problem = run_all(layout_.partition(cut)); !problem.empty()) return problem;
      if (f.one_way) {
        event["from"] = f.from;
        event["to"] = f.to;
        event["one_way"] = true;
      } else {
        event["groups"] = f.groups;
      }
      say("partition " + describe_cut(f));
      break;
    }
    case sim::fault_kind::heal:
      if (auto problem = run_all(layout_.heal()); !problem.empty()) return problem;
      say("heal");
      break;
    case sim::fault_kind::kill:
    case sim::fault_kind::stop:
    case sim::fault_kind::pause:
    case sim::fault_kind::resume: {
      pod_state* pod = find(f.pod);
      if (pod == nullptr || pod->pid < 0) {
        say(std::string(sim::to_string(f.kind)) + " of " + f.pod + " at " + at + ": no process, nothing to do");
        return {};
      }
      event["pod"] = f.pod;
      if (f.kind == sim::fault_kind::kill) {
        kill_pod(*pod);
      } else if (f.kind == sim::fault_kind::stop) {
        stop_pod(*pod);
      } else {
        const bool pause = f.kind == sim::fault_kind::pause;
        host_.send_signal(pod->pid, pause ? SIGSTOP : SIGCONT);
        pod->paused = pause;
      }
      say(std::string(sim::to_string(f.kind)) + " " + f.pod + " (pid " + std::to_string(pod->pid) + ")");
      break;
    }
    case sim::fault_kind::restart: {
      pod_state* pod = find(f.pod);
      if (pod == nullptr) return "restart at " + at + ": unknown pod " + f.pod;
      if (pod->pid >= 0) {
        // Restarting a running pod: it crashes first, as a kubelet restart would.
        kill_pod(*pod);
        while (pod->pid >= 0) {
          host_.sleep_ns(poll_ns);
          if (auto problem = service(); !problem.empty()) return problem;
        }
      }
      if (auto problem = start_pod(f.pod); !problem.empty()) return problem;
      event["pod"] = f.pod;
      event["incarnation"] = pod->incarnation;
      break;
    }
    case sim::fault_kind::scale:
      if (auto problem = play_scale(f, event); !problem.empty()) return problem;
      break;
    case sim::fault_kind::skew:
      unsupported_.push_back("skew of " + f.pod + " at " + at +
                             ": the pods share the machine's clock, which cannot be skewed per process");
      say("not played: skew of " + f.pod + " (unsupported on local pods)");
      return {};
    case sim::fault_kind::network: {
      if (auto problem = play_conditions(f.conditions, "network at " + at); !problem.empty()) return problem;
      event["loss"] = f.conditions.loss;
      event["duplicate"] = f.conditions.duplicate;
      event["delay_ns_min"] = f.conditions.delay_ns_min;
      event["delay_ns_max"] = f.conditions.delay_ns_max;
      say("network: loss " + std::to_string(f.conditions.loss));
      break;
    }
  }
  events_.push_back(std::move(event));
  return {};
}

std::string cluster::play_scale(const sim::fault& f, json& event) {
  int& replicas = replicas_.at(f.deployment);
  std::vector<std::string> added, removed;
  // Kubernetes' StatefulSet order: new ordinals come up in order, the highest go first.
  for (int i = replicas; i < f.replicas; ++i) {
    const std::string name = f.deployment + "-" + std::to_string(i);
    if (!layout_.known(name)) {
      if (auto problem = run_all(layout_.create_pod(name)); !problem.empty()) return problem;
      if (auto problem = run_all(layout_.conditions_of(name, current_conditions_, options_.netem), true);
          !problem.empty())
        return problem;
      pods_[name] = pod_state{name, f.deployment, i, layout_.pods().size() - 1};
    }
    added.push_back(name);
  }
  for (int i = replicas - 1; i >= f.replicas; --i) removed.push_back(f.deployment + "-" + std::to_string(i));
  replicas = f.replicas;
  for (const auto& name : added)
    if (auto problem = start_pod(name); !problem.empty()) return problem;
  for (const auto& name : removed) stop_pod(pods_.at(name));
  event["deployment"] = f.deployment;
  event["replicas"] = f.replicas;
  event["added"] = added;
  event["removed"] = removed;
  say("scale " + f.deployment + " to " + std::to_string(f.replicas) + ": added [" + joined(added) +
            "], removed [" + joined(removed) + "]");
  return {};
}

void cluster::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  for (auto& [name, pod] : pods_) {
    if (pod.pid < 0) continue;
    host_.send_signal(pod.pid, SIGCONT);
    host_.send_signal(pod.pid, SIGKILL);
  }
  // Reap them: SIGKILL takes effect within milliseconds; bounded anyway.
  for (int round = 0; round < 400; ++round) {
    bool running = false;
    for (auto& [name, pod] : pods_) {
      if (pod.pid < 0) continue;
      if (host_.poll_exit(pod.pid)) pod.pid = -1;
      else running = true;
    }
    if (!running) break;
    host_.sleep_ns(poll_ns);
  }
  run_all(layout_.remove_all(), /*tolerate_failures=*/true);
}

}  // namespace troupe::pods
