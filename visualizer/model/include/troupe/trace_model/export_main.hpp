#pragma once
/// The `export` command shared by `troupe export` and `troupe-export`.

namespace troupe::trace_model {}

/// Runs `export TRACE --format perfetto|shiviz [--out FILE]`. argv[0] is the program or
/// subcommand name and is ignored; the output goes to stdout without --out. Errors go to
/// stderr. Returns 0 on success, 2 on bad input (usage, unreadable or invalid trace), 3 when
/// the output cannot be written. Call it from the main thread of a command-line program.
int troupe_export_main(int argc, char** argv);
