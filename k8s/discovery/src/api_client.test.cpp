// Goal: a pod-list poll of the Kubernetes API goes through real TLS with the CA verified and
// turns every failure a user can meet (wrong CA, 403 without RBAC, a bad token, an oversize
// or malformed body, a server that never answers, no server) into an error that names it,
// within its time bound. The server is k8s/discovery/fake_api_server.py on 127.0.0.1 with a
// certificate made by `openssl` for the test; skipped when python3 or openssl is missing.

#include "troupe/k8s/api_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fake_api_server.hpp"

namespace k8s = troupe::k8s;
using k8s::testing::fake_api_server;

namespace {

std::string testdata(const std::string& name) {
  std::ifstream in(std::string(TROUPE_K8S_TESTDATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> names_and_addresses(const std::vector<k8s::peer>& peers) {
  std::vector<std::string> out;
  for (const auto& p : peers) out.push_back(p.name + "@" + p.address());
  return out;
}

/// One server for every test of the suite (a certificate and a python3 start each cost).
class api_client : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    missing_ = k8s::testing::fake_api_server_tools_missing();
    if (!missing_.empty()) return;
    server_ = new fake_api_server("client");
    server_->serve("default", testdata("pods-running.json"));
    server_->serve("forbidden", testdata("status-forbidden.json"));
    server_->serve("garbage", "{not json");
    server_->serve("plain-error", "upstream connect error");
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!missing_.empty()) GTEST_SKIP() << missing_;
    ASSERT_EQ(server_->error(), "");
  }

  /// What troupe node asks in namespace `pod_namespace`, with the server's CA and token.
  static k8s::api_request request(const std::string& pod_namespace) {
    k8s::api_request r;
    r.server_host = "127.0.0.1";
    r.server_port = server_->port();
    r.pod_namespace = pod_namespace;
    r.label_selector = "app=troupe";
    r.token_file = (server_->service_account() / "token").string();
    r.ca_file = (server_->service_account() / "ca.crt").string();
    return r;
  }

  static inline std::string missing_;
  static inline fake_api_server* server_ = nullptr;
};

}  // namespace

TEST_F(api_client, pods_come_through_a_verified_tls_request) {
  const auto found = k8s::poll_kubernetes_api(request("default"));
  ASSERT_EQ(found.error, "");
  EXPECT_EQ(found.http_status, 200);
  EXPECT_EQ(names_and_addresses(found.peers),
            (std::vector<std::string>{"troupe-1@10.244.1.9:7355", "troupe-0@10.244.1.10:7355",
                                      "troupe-2@10.244.2.7:7355"}));
  // The port name is the poll's option; the selector is the request's.
  auto selected = request("default");
  selected.label_selector = "app=kv";
  const auto none = k8s::poll_kubernetes_api(selected);
  EXPECT_EQ(none.error, "");
  EXPECT_TRUE(none.peers.empty());
  EXPECT_EQ(none.skipped.size(), 3u);
  const auto management = k8s::poll_kubernetes_api(request("default"), {.port_name = "management"});
  ASSERT_EQ(management.peers.size(), 3u);
  EXPECT_EQ(management.peers[0].port, 8558);
}

TEST_F(api_client, a_server_the_ca_did_not_sign_is_refused) {
  const auto other = server_->directory() / "other";
  std::filesystem::create_directories(other);
  ASSERT_TRUE(k8s::testing::make_self_signed_certificate(other / "ca.crt", other / "ca.key"));
  auto r = request("default");
  r.ca_file = (other / "ca.crt").string();
  const auto found = k8s::poll_kubernetes_api(r);
  EXPECT_TRUE(found.peers.empty());
  EXPECT_NE(
      found.error.find("TLS failed, the server was not verified with the CA file " + r.ca_file),
      std::string::npos)
      << found.error;
  // A CA file that is not there is no trust at all, not the system's CAs.
  r.ca_file = (other / "absent.crt").string();
  EXPECT_NE(k8s::poll_kubernetes_api(r).error.find("TLS failed"), std::string::npos);
}

TEST_F(api_client, forbidden_is_an_error_that_names_it) {
  const auto found = k8s::poll_kubernetes_api(request("forbidden"));
  EXPECT_EQ(found.http_status, 403);
  EXPECT_TRUE(found.peers.empty());
  EXPECT_NE(found.error.find("the API answered 403 Forbidden: pods is forbidden: User "
                             "\"system:serviceaccount:default:default\" cannot list"),
            std::string::npos)
      << found.error;
}

TEST_F(api_client, the_token_is_sent_and_a_wrong_one_is_unauthorized) {
  auto r = request("default");
  r.token_file = (server_->directory() / "wrong-token").string();
  std::ofstream(r.token_file) << "not-the-token\n";
  const auto found = k8s::poll_kubernetes_api(r);
  EXPECT_EQ(found.http_status, 401);
  EXPECT_NE(found.error.find("401 Unauthorized"), std::string::npos) << found.error;
  r.token_file = (server_->directory() / "no-token").string();
  EXPECT_NE(k8s::poll_kubernetes_api(r).error.find("the service-account token: cannot read"),
            std::string::npos);
}

TEST_F(api_client, an_oversize_body_is_refused) {
  // Announced by Content-Length: refused before the body is read.
  const auto declared = k8s::poll_kubernetes_api(request("huge-declared"));
  EXPECT_NE(declared.error.find("larger than 4194304 bytes"), std::string::npos) << declared.error;
  // No length: the transfer is aborted when the bound is passed.
  const auto streamed = k8s::poll_kubernetes_api(request("huge-streamed"));
  EXPECT_NE(streamed.error.find("larger than 4194304 bytes (transfer aborted)"), std::string::npos)
      << streamed.error;
  EXPECT_TRUE(streamed.peers.empty());
  // The bound is the request's: the recorded list (3,242 bytes) is too large for 1,000.
  auto small = request("default");
  small.limits.body_bytes_max = 1000;
  EXPECT_NE(k8s::poll_kubernetes_api(small).error.find("larger than 1000 bytes"),
            std::string::npos);
}

TEST_F(api_client, a_server_that_never_answers_times_out_within_the_bound) {
  auto r = request("silent");
  r.limits.timeout_ms = 500;
  const auto start = std::chrono::steady_clock::now();
  const auto found = k8s::poll_kubernetes_api(r);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_NE(found.error.find("timed out (no complete answer within 500 ms"), std::string::npos)
      << found.error;
  EXPECT_GE(took, std::chrono::milliseconds(450));
  EXPECT_LT(took, std::chrono::milliseconds(2500));
}

TEST_F(api_client, bodies_that_are_not_pod_lists_are_errors) {
  EXPECT_NE(k8s::poll_kubernetes_api(request("garbage")).error.find("not a JSON object"),
            std::string::npos);
  const auto missing = k8s::poll_kubernetes_api(request("no-such-namespace"));
  EXPECT_EQ(missing.http_status, 404);
  EXPECT_NE(missing.error.find("404 NotFound"), std::string::npos) << missing.error;
}

TEST_F(api_client, no_server_is_an_error_not_a_wait) {
  auto r = request("default");
  // The server's port after the suite's server is gone is not known to be free; port 1
  // on the loopback refuses at once (nothing listens on it without root's doing).
  r.server_port = 1;
  const auto start = std::chrono::steady_clock::now();
  const auto found = k8s::poll_kubernetes_api(r);
  EXPECT_NE(found.error, "");
  EXPECT_NE(found.error.find("GET https://127.0.0.1:1/api/v1/namespaces/default/pods"),
            std::string::npos)
      << found.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(api_request, urls_and_credential_files) {
  k8s::api_request r;
  r.server_host = "10.96.0.1";
  r.pod_namespace = "prod";
  EXPECT_EQ(k8s::pod_list_url(r),
            "https://10.96.0.1:443/api/v1/namespaces/prod/pods?labelSelector=app%3Dtroupe");
  r.server_host = "fd00:10:96::1";
  r.server_port = 6443;
  EXPECT_EQ(k8s::pod_list_url(r),
            "https://[fd00:10:96::1]:6443/api/v1/namespaces/prod/pods?labelSelector=app%3Dtroupe");
  EXPECT_EQ(r.token_file, "/var/run/secrets/kubernetes.io/serviceaccount/token");
  EXPECT_EQ(r.ca_file, "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");

  const std::string file = ::testing::TempDir() + "credential-" + std::to_string(getpid());
  std::ofstream(file) << "  eyJhbGciOi.token  \n";
  EXPECT_EQ(k8s::read_credential_file(file).text, "eyJhbGciOi.token");
  EXPECT_NE(k8s::read_credential_file(file, 8).error.find("longer than 8 bytes"),
            std::string::npos);
  std::ofstream(file) << "\n";
  EXPECT_NE(k8s::read_credential_file(file).error.find("is empty"), std::string::npos);
  std::remove(file.c_str());
  EXPECT_NE(k8s::read_credential_file(file).error.find("cannot read"), std::string::npos);
}
