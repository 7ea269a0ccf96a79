#include "troupe/trace_model/export_main.hpp"

#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "troupe/trace_model/exporters.hpp"
#include "troupe/trace_model/loader.hpp"

namespace {

constexpr const char* usage =
    "usage: export TRACE --format perfetto|shiviz [--out FILE]\n"
    "  perfetto: Chrome trace JSON (open in https://ui.perfetto.dev), messages as flow arrows\n"
    "  shiviz:   ShiViz log with vector clocks (https://bestchai.bitbucket.io/shiviz/)\n"
    "  without --out the export is written to standard output\n";

}  // namespace

int troupe_export_main(int argc, char** argv) {
  std::string trace_path;
  std::string format;
  std::string out_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    if ((argument == "--format" || argument == "--out") && i + 1 < argc) {
      (argument == "--format" ? format : out_path) = argv[++i];
    } else if (argument == "--help" || argument == "-h") {
      std::cout << usage;
      return 0;
    } else if (!argument.empty() && argument[0] != '-' && trace_path.empty()) {
      trace_path = argument;
    } else {
      std::cerr << "export: unexpected argument '" << argument << "'\n" << usage;
      return 2;
    }
  }
  if (trace_path.empty() || (format != "perfetto" && format != "shiviz")) {
    std::cerr << "export: " << (trace_path.empty() ? "missing TRACE" : "unknown --format '" + format + "'")
              << "\n" << usage;
    return 2;
  }
  auto loaded = troupe::trace_model::load_trace_file(trace_path);
  if (!loaded.ok()) {
    std::cerr << "export: " << trace_path << ": " << loaded.error().describe() << "\n";
    return 2;
  }
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "export: cannot write " << out_path << "\n";
      return 3;
    }
  }
  std::ostream& out = out_path.empty() ? std::cout : file;
  const bool written = format == "perfetto"
                           ? troupe::trace_model::export_perfetto(loaded.value(), out)
                           : troupe::trace_model::export_shiviz(loaded.value(), out);
  if (!written) {
    std::cerr << "export: failed writing " << (out_path.empty() ? "stdout" : out_path) << "\n";
    return 3;
  }
  return 0;
}
