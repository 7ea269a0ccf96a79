// Goal: two real `troupe-node` processes, given only a seed address and a secret file, find
// each other, exchange messages between their actors, and each exits 0 on SIGTERM.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using namespace std::chrono_literals;

/// A child process whose stdout is read line by line, with timeouts.
class child_process {
 public:
  explicit child_process(std::vector<std::string> arguments) {
    int pipe_fds[2];
    EXPECT_EQ(pipe(pipe_fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    std::vector<char*> argv;
    for (auto& a : arguments) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    out_ = pipe_fds[0];
  }
  ~child_process() {
    if (pid_ > 0 && !exit_status_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  /// The next line containing `text`, or nullopt when none came within `timeout`.
  std::optional<std::string> wait_for_line(const std::string& text,
                                           std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (auto newline = buffer_.find('\n'); newline != std::string::npos;
           newline = buffer_.find('\n')) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        if (line.find(text) != std::string::npos) return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd ready{out_, POLLIN, 0};
      if (poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  void signal(int number) { kill(pid_, number); }

  /// The exit status once the process has exited within `timeout`; nullopt otherwise.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_status_;
      }
      std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
  std::optional<int> exit_status_;
};

std::string write_secret_file() {
  const std::string path = ::testing::TempDir() + "troupe-node-test-secret-" + std::to_string(getpid());
  std::ofstream(path) << "a shared cluster secret\n";
  return path;
}

TEST(node_process, two_nodes_exchange_messages_and_exit_0_on_sigterm) {
  const std::string secret = write_secret_file();
  child_process a({TROUPE_NODE_BINARY, "--name", "kv-0", "--listen", "127.0.0.1:0",
                   "--secret-file", secret, "--app", "ping", "--grace", "5s"});
  auto listening = a.wait_for_line("listening on 127.0.0.1:");
  ASSERT_TRUE(listening);
  const std::string a_address = listening->substr(listening->find("127.0.0.1:"));
  child_process b({TROUPE_NODE_BINARY, "--name", "kv-1", "--listen", "127.0.0.1:0", "--seeds",
                   a_address, "--secret-file", secret, "--app", "ping"});
  // Each process's pinger asks the other's echo actor; the answers prove both directions.
  EXPECT_TRUE(b.wait_for_line("reply from kv-0: ping"));
  EXPECT_TRUE(a.wait_for_line("reply from kv-1: ping"));
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  EXPECT_EQ(a.wait_exit(), 0);
  EXPECT_EQ(b.wait_exit(), 0);
  std::remove(secret.c_str());
}

TEST(node_process, bad_flags_exit_2) {
  child_process bad({TROUPE_NODE_BINARY, "--name", "kv-0", "--secret-file", "/nonexistent/secret"});
  EXPECT_EQ(bad.wait_exit(), 2);
  child_process no_name({TROUPE_NODE_BINARY, "--secret-file", "x"});
  EXPECT_EQ(no_name.wait_exit(), 2);
}

}  // namespace
