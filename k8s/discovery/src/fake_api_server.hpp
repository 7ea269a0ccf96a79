#pragma once
// Test support, not part of the library: k8s/discovery/fake_api_server.py (a stand-in for
// the API server's pod list over HTTPS on 127.0.0.1) started in a temporary folder with a
// certificate made for it by the `openssl` command, and a service-account folder as the
// kubelet mounts one (token, ca.crt, namespace). Used by api_client.test.cpp and by the
// `troupe node --discovery kubernetes-api` tests (harness/node). The script's path comes
// from the TROUPE_K8S_FAKE_API_SERVER definition.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace troupe::k8s::testing {

/// "" when python3 (with its ssl module) and openssl are there, else what is missing: the
/// reason a test skips.
inline std::string fake_api_server_tools_missing() {
  if (std::system("python3 -c 'import ssl, http.server' >/dev/null 2>&1") != 0)
    return "python3 with its ssl module is not installed";
  if (std::system("openssl version >/dev/null 2>&1") != 0)
    return "the openssl command is not installed (Debian: openssl)";
  return {};
}

/// A self-signed certificate for 127.0.0.1 (the names the API server's has too) and its
/// key, by the openssl command. Returns whether it worked.
inline bool make_self_signed_certificate(const std::filesystem::path& certificate,
                                         const std::filesystem::path& key) {
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=kube-apiserver"
      " -addext subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc"
      " -keyout '" +
      key.string() + "' -out '" + certificate.string() + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

/// fake_api_server.py serving `root()/NS.json` for namespace NS. Construct, check `error()`.
class fake_api_server {
 public:
  explicit fake_api_server(const std::string& name) {
    directory_ = std::filesystem::path(::testing::TempDir()) /
                 ("troupe-fake-api-" + name + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(root());
    std::filesystem::create_directories(service_account());
    std::ofstream(service_account() / "token") << "troupe-test-token-" << getpid() << "\n";
    std::ofstream(service_account() / "namespace") << "default\n";
    if (!make_self_signed_certificate(service_account() / "ca.crt", directory_ / "server.key")) {
      error_ = "openssl could not make a certificate in " + directory_.string();
      return;
    }
    start();
  }
  ~fake_api_server() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  fake_api_server(const fake_api_server&) = delete;
  fake_api_server& operator=(const fake_api_server&) = delete;

  /// "" once the server listens, else why not.
  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }
  /// Where `NS.json` answers namespace NS.
  std::filesystem::path root() const { return directory_ / "root"; }
  /// token, ca.crt (the server's certificate) and namespace ("default").
  std::filesystem::path service_account() const { return directory_ / "serviceaccount"; }
  std::filesystem::path directory() const { return directory_; }

  /// Replaces what namespace NS answers, atomically (a request sees the old or the new).
  void serve(const std::string& pod_namespace, const std::string& body) const {
    const auto temporary = root() / (pod_namespace + ".json.tmp");
    std::ofstream(temporary, std::ios::binary) << body;
    std::filesystem::rename(temporary, root() / (pod_namespace + ".json"));
  }

 private:
  void start() {
    const auto port_file = directory_ / "port";
    std::vector<std::string> args = {"python3",      TROUPE_K8S_FAKE_API_SERVER,
                                     "--cert",       (service_account() / "ca.crt").string(),
                                     "--key",        (directory_ / "server.key").string(),
                                     "--token-file", (service_account() / "token").string(),
                                     "--root",       root().string(),
                                     "--port-file",  port_file.string()};
    const std::string log = (directory_ / "server.log").string();
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      if (!std::freopen(log.c_str(), "w", stdout) || !std::freopen(log.c_str(), "a", stderr))
        _exit(126);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    // The script writes the port once it listens (renamed into place): wait at most 10 s.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(port_file);
      unsigned port = 0;
      if (in >> port && port > 0 && port < 65536) {
        port_ = static_cast<std::uint16_t>(port);
        return;
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    error_ = "fake_api_server.py did not start (see " + log + ")";
  }

  std::filesystem::path directory_;
  std::string error_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace troupe::k8s::testing
