#pragma once
/// The simulator writes its trace with the trace writer shared with real nodes
/// (runtime/trace, troupe/trace/trace_writer.hpp); these names keep simnet's spelling.

#include "troupe/trace/trace_writer.hpp"

namespace troupe::sim {

using troupe::trace::hash_hex;
using troupe::trace::trace_writer;

}  // namespace troupe::sim
