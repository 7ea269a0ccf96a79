// troupe-viz-bench: generates a synthetic trace and measures loading and indexing it.
//
//   troupe-viz-bench generate FILE [--events N] [--seed S]
//   troupe-viz-bench load FILE          prints {"events":..,"load_seconds":..,"rss_bytes":..}
//
// Run `load` in its own process so the resident set measured is the viewer's alone.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "synthetic_trace.hpp"
#include "troupe/trace_model/loader.hpp"

namespace {

// Reads a "VmRSS:   1234 kB" style line of /proc/self/status, in bytes (0 if unavailable).
long long status_bytes(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::atoll(line.c_str() + std::strlen(field)) * 1024;
  }
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: troupe-viz-bench generate FILE [--events N] [--seed S]\n"
               "       troupe-viz-bench load FILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string command = argv[1];
  const std::string path = argv[2];
  if (command == "generate") {
    troupe::bench::synthetic_trace_options options;
    for (int i = 3; i + 1 < argc; i += 2) {
      if (std::strcmp(argv[i], "--events") == 0) {
        options.events = std::strtoull(argv[i + 1], nullptr, 10);
      } else if (std::strcmp(argv[i], "--seed") == 0) {
        options.seed = std::strtoull(argv[i + 1], nullptr, 10);
      } else {
        return usage();
      }
    }
    const std::int64_t written = troupe::bench::write_synthetic_trace(path, options);
    if (written < 0) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 3;
    }
    std::printf("{\"file\":\"%s\",\"events\":%lld}\n", path.c_str(), static_cast<long long>(written));
    return 0;
  }
  if (command != "load") return usage();
  const long long rss_before = status_bytes("VmRSS:");
  const auto start = std::chrono::steady_clock::now();
  auto loaded = troupe::trace_model::load_trace_file(path);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), loaded.error().describe().c_str());
    return 2;
  }
  const auto& t = loaded.value();
  std::printf(
      "{\"file\":\"%s\",\"events\":%zu,\"messages\":%zu,\"load_seconds\":%.3f,"
      "\"rss_bytes\":%lld,\"peak_rss_bytes\":%lld,\"rss_before_bytes\":%lld,"
      "\"goal_load_seconds\":2,\"goal_rss_bytes\":400000000}\n",
      path.c_str(), t.events.size(), t.messages.size(), seconds, status_bytes("VmRSS:"),
      status_bytes("VmHWM:"), rss_before);
  return 0;
}
