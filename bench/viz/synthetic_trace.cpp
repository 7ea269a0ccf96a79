#include "synthetic_trace.hpp"

#include <cstdio>
#include <queue>
#include <string>
#include <vector>

namespace troupe::bench {
namespace {

// splitmix64 with our own range reduction, so the trace is identical on every platform.
struct random_source {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }
};

struct pending_delivery {
  std::int64_t t_ns;
  std::uint64_t order;
  std::int64_t id;
  std::int64_t sent_t_ns;
  int from_pod;
  int to_pod;
  int type;
  int drop_reason;  // -1: delivered
  bool operator>(const pending_delivery& other) const {
    return t_ns != other.t_ns ? t_ns > other.t_ns : order > other.order;
  }
};

constexpr const char* types[] = {"kv.put", "kv.get", "kv.replicate", "kv.ack",
                                 "raft.append", "raft.vote", "gossip.ping"};
constexpr const char* reasons[] = {"loss", "partition", "mailbox_full", "dead_letter"};

class writer {
 public:
  writer(std::FILE* file, const synthetic_trace_options& options)
      : file_(file), options_(options), random_{options.seed} {}

  std::int64_t run() {
    header();
    const std::int64_t step_ns = 50'000;  // mean gap between sends
    std::int64_t t = 0;
    // Each send yields about 2.02 lines: itself, its delivery or drop, rare duplicates, and a
    // local timer or log one time in fifty.
    const std::uint64_t sends_target = options_.events * 1000 / 2021;
    for (std::uint64_t sends = 0; sends < sends_target; ++sends) {
      t += 1 + static_cast<std::int64_t>(random_.below(2 * step_ns));
      flush_until(t);
      scheduled_faults(t, sends, sends_target);
      send(t);
      if (random_.below(50) == 0) local_event(t);
    }
    flush_until(INT64_MAX);
    // Top up with logs so the file has exactly the number of events asked for.
    while (seq_ + 2 < options_.events) {
      line(last_t_, R"("ev":"log","pod":"kv-0","actor":"/user/store","level":"debug","text":"idle")");
    }
    line(last_t_, R"("ev":"verdict","pod":"","property":"linearizable","ok":false,)"
                  R"("message":"synthetic failure for the viewer","at_seq":)" +
                      std::to_string(seq_ / 2));
    line(last_t_, R"("ev":"verdict","pod":"","property":"delivery","ok":true,"message":"")");
    return static_cast<std::int64_t>(seq_);
  }

 private:
  void header() {
    std::string pods;
    for (int p = 0; p < options_.pods; ++p) {
      pods += (p ? ",\"kv-" : "\"kv-") + std::to_string(p) + "\"";
    }
    std::fprintf(file_,
                 "{\"format\":\"troupe-trace\",\"version\":1,\"seed\":%llu,\"scenario\":"
                 "\"synthetic\",\"build\":\"bench\",\"platform\":\"simnet\",\"pods\":[%s]}\n",
                 static_cast<unsigned long long>(options_.seed), pods.c_str());
    alive_.assign(static_cast<std::size_t>(options_.pods) + 1, true);
    alive_.back() = false;  // the pod a scale-up adds later
  }

  void line(std::int64_t t, const std::string& body) {
    std::fprintf(file_, "{\"seq\":%llu,\"t\":%lld,%s}\n", static_cast<unsigned long long>(seq_++),
                 static_cast<long long>(t), body.c_str());
    last_t_ = t;
  }

  std::string pod(int p) const { return "kv-" + std::to_string(p); }

  int random_alive_pod() {
    for (;;) {
      const int p = static_cast<int>(random_.below(alive_.size()));
      if (alive_[static_cast<std::size_t>(p)]) return p;
    }
  }

  void send(std::int64_t t) {
    const int from = random_alive_pod();
    const int to = random_alive_pod();
    const int type = static_cast<int>(random_.below(std::size(types)));
    const std::int64_t id = next_id_++;
    // Latency: mostly sub-millisecond, a tail up to 50 ms.
    const std::int64_t latency = 20'000 + static_cast<std::int64_t>(
        random_.below(10) == 0 ? random_.below(50'000'000) : random_.below(800'000));
    const std::string from_actor = id % 3 == 0 ? "/user/client-" + std::to_string(from)
                                               : std::string("/user/store");
    line(t, "\"ev\":\"send\",\"pod\":\"" + pod(from) + "\",\"id\":" + std::to_string(id) +
                ",\"from\":\"" + from_actor + "\",\"to_pod\":\"" + pod(to) +
                "\",\"to\":\"/user/store\",\"type\":\"" + types[type] +
                "\",\"lamport\":" + std::to_string(seq_) + ",\"size\":" +
                std::to_string(16 + random_.below(200)) + ",\"summary\":\"key k" +
                std::to_string(random_.below(1000)) + "=" + std::to_string(random_.below(100)) +
                "\"");
    int drop = random_.below(100) == 0 ? static_cast<int>(random_.below(4)) : -1;
    if (partitioned_ && ((from < 2) != (to < 2)) && from < 4 && to < 4) drop = 1;  // partition
    pending_.push({t + latency, order_++, id, t, from, to, type, drop});
    if (drop < 0 && random_.below(1000) == 0) {
      pending_.push({t + latency + 1000, order_++, id, t, from, to, type, -1});  // duplicate
    }
  }

  void flush_until(std::int64_t t) {
    while (!pending_.empty() && pending_.top().t_ns <= t) {
      const pending_delivery d = pending_.top();
      pending_.pop();
      const bool dropped = d.drop_reason >= 0 || !alive_[static_cast<std::size_t>(d.to_pod)];
      std::string body = std::string("\"ev\":\"") + (dropped ? "drop" : "deliver") +
                         "\",\"pod\":\"" + pod(d.to_pod) + "\",\"id\":" + std::to_string(d.id) +
                         ",\"from_pod\":\"" + pod(d.from_pod) +
                         "\",\"from\":\"/user/store\",\"to\":\"/user/store\",\"type\":\"" +
                         types[d.type] + "\",\"sent_t\":" + std::to_string(d.sent_t_ns);
      if (dropped) {
        body += ",\"reason\":\"";
        body += d.drop_reason >= 0 ? reasons[d.drop_reason] : "dead_pod";
        body += '"';
      } else {
        body += ",\"lamport\":" + std::to_string(seq_);
      }
      line(d.t_ns, body);
    }
  }

  void local_event(std::int64_t t) {
    const int p = random_alive_pod();
    if (random_.below(2) == 0) {
      line(t, "\"ev\":\"timer\",\"pod\":\"" + pod(p) + "\",\"actor\":\"/user/store\",\"key\":\"flush\"");
    } else {
      line(t, "\"ev\":\"log\",\"pod\":\"" + pod(p) +
                  "\",\"actor\":\"/user/store\",\"level\":\"info\",\"text\":\"compacted log\"");
    }
  }

  // Faults at fixed fractions of the run, so every drawing feature appears in the big trace.
  void scheduled_faults(std::int64_t t, std::uint64_t sends, std::uint64_t target) {
    const int last = options_.pods - 1;
    const std::uint64_t tenth = target / 10;
    if (sends == tenth * 2) {
      partitioned_ = true;
      line(t, "\"ev\":\"fault\",\"pod\":\"\",\"kind\":\"partition\",\"groups\":[[\"kv-0\",\"kv-1\"],[\"kv-2\",\"kv-3\"]]");
    } else if (sends == tenth * 3) {
      partitioned_ = false;
      line(t, R"("ev":"fault","pod":"","kind":"heal")");
    } else if (sends == tenth * 4) {
      alive_[1] = false;
      line(t, R"("ev":"fault","pod":"kv-1","kind":"kill")");
    } else if (sends == tenth * 5) {
      alive_[1] = true;
      line(t, R"("ev":"fault","pod":"kv-1","kind":"restart","incarnation":2)");
    } else if (sends == tenth * 6) {
      alive_.back() = true;
      line(t, "\"ev\":\"fault\",\"pod\":\"\",\"kind\":\"scale\",\"deployment\":\"kv\",\"replicas\":" +
                  std::to_string(options_.pods + 1) + ",\"added\":[\"" + pod(options_.pods) +
                  "\"],\"removed\":[]");
    } else if (sends == tenth * 7) {
      line(t, R"("ev":"fault","pod":"kv-0","kind":"skew","offset_ns":250000000,"rate":1.001)");
    } else if (sends == tenth * 8) {
      alive_[static_cast<std::size_t>(last)] = false;
      line(t, "\"ev\":\"fault\",\"pod\":\"\",\"kind\":\"scale\",\"deployment\":\"kv\",\"replicas\":" +
                  std::to_string(options_.pods) + ",\"added\":[],\"removed\":[\"" + pod(last) +
                  "\"]");
    }
  }

  std::FILE* file_;
  synthetic_trace_options options_;
  random_source random_;
  std::priority_queue<pending_delivery, std::vector<pending_delivery>, std::greater<>> pending_;
  std::vector<bool> alive_;
  bool partitioned_ = false;
  std::uint64_t seq_ = 0;
  std::uint64_t order_ = 0;
  std::int64_t next_id_ = 1;
  std::int64_t last_t_ = 0;
};

}  // namespace

std::int64_t write_synthetic_trace(const std::string& path,
                                   const synthetic_trace_options& options) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return -1;
  static char buffer[1 << 20];
  std::setvbuf(file, buffer, _IOFBF, sizeof buffer);
  writer w(file, options);
  const std::int64_t count = w.run();
  const bool ok = std::ferror(file) == 0;
  return std::fclose(file) == 0 && ok ? count : -1;
}

}  // namespace troupe::bench
