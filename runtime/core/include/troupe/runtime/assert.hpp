#pragma once
/// Assertions that stay on in every build type (STYLE.md: programmer errors crash loudly).

#include <cstdio>
#include <cstdlib>

namespace troupe::detail {

/// Set by the simulator so that a failed assertion names the seed that reproduces it.
inline thread_local unsigned long long assert_seed = 0;
inline thread_local bool assert_seed_known = false;

[[noreturn]] inline void assert_failed(const char* expression, const char* file, int line,
                                       const char* message) {
  std::fprintf(stderr, "troupe: assertion failed: %s\n  at %s:%d\n", expression, file, line);
  if (message != nullptr) std::fprintf(stderr, "  %s\n", message);
  if (assert_seed_known) std::fprintf(stderr, "  seed: %llu\n", assert_seed);
  std::fflush(stderr);
  std::abort();
}

}  // namespace troupe::detail

/// Checks an invariant; aborts with file, line, expression (and the simulation seed) if false.
#define TROUPE_ASSERT(expression)                                                          \
  do {                                                                                     \
    if (!(expression)) [[unlikely]]                                                        \
      ::troupe::detail::assert_failed(#expression, __FILE__, __LINE__, nullptr);           \
  } while (false)

/// Like TROUPE_ASSERT, with a message explaining what went wrong.
#define TROUPE_ASSERT_MSG(expression, message)                                             \
  do {                                                                                     \
    if (!(expression)) [[unlikely]]                                                        \
      ::troupe::detail::assert_failed(#expression, __FILE__, __LINE__, (message));         \
  } while (false)
