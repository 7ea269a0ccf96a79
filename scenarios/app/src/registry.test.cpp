// Goal: every application is found by name with its properties, and bad names or options
// are refused with a message that names the field.

#include <gtest/gtest.h>

#include "troupe/apps/application.hpp"

namespace {

TEST(registry, knows_every_application) {
  EXPECT_EQ(troupe::apps::application_names(), (std::vector<std::string>{"counter", "iot", "kv"}));
  for (const auto& name : troupe::apps::application_names()) {
    std::string error;
    auto app = troupe::apps::make_application(name, nlohmann::json::object(), error);
    ASSERT_NE(app, nullptr) << name << ": " << error;
    EXPECT_FALSE(app->supported_properties().empty());
  }
}

TEST(registry, counter_brings_its_own_model) {
  std::string error;
  EXPECT_NE(troupe::apps::make_application("counter", {}, error)->linearizability_model(), nullptr);
  EXPECT_EQ(troupe::apps::make_application("kv", {}, error)->linearizability_model(), nullptr);
}

TEST(registry, unknown_application_is_named) {
  std::string error;
  EXPECT_EQ(troupe::apps::make_application("redis", {}, error), nullptr);
  EXPECT_NE(error.find("app.name"), std::string::npos) << error;
  EXPECT_NE(error.find("redis"), std::string::npos) << error;
}

TEST(registry, bad_options_name_the_option) {
  std::string error;
  EXPECT_EQ(troupe::apps::make_application("kv", {{"bug", "typo"}}, error), nullptr);
  EXPECT_NE(error.find("options.bug"), std::string::npos) << error;
  error.clear();
  EXPECT_EQ(troupe::apps::make_application("kv", {{"bgu", "none"}}, error), nullptr);
  EXPECT_NE(error.find("options.bgu"), std::string::npos) << error;
  error.clear();
  EXPECT_EQ(troupe::apps::make_application("kv", nlohmann::json::array(), error), nullptr);
  EXPECT_NE(error.find("options"), std::string::npos) << error;
  EXPECT_NE(troupe::apps::make_application("kv", {{"bug", "ack_before_majority"}}, error), nullptr);
  error.clear();
  EXPECT_EQ(troupe::apps::make_application("iot", {{"durable", "yes"}}, error), nullptr);
  EXPECT_NE(error.find("options.durable"), std::string::npos) << error;
  EXPECT_NE(troupe::apps::make_application("iot", {{"durable", false}}, error), nullptr);
  error.clear();
  EXPECT_EQ(troupe::apps::make_application("iot", {{"sharded", 1}}, error), nullptr);
  EXPECT_EQ(error, "options.sharded: expected true or false");
  EXPECT_EQ(troupe::apps::make_application("iot", {{"sharded", true}, {"entry_pods", -1}}, error),
            nullptr);
  EXPECT_EQ(error, "options.entry_pods: expected an integer from 0 to 1000");
  EXPECT_EQ(troupe::apps::make_application("iot", {{"entry_pods", 2}}, error), nullptr);
  EXPECT_EQ(error, "options.entry_pods: applies only to \"sharded\": true");
  auto sharded =
      troupe::apps::make_application("iot", {{"sharded", true}, {"entry_pods", 2}}, error);
  ASSERT_NE(sharded, nullptr) << error;
  EXPECT_TRUE(sharded->needs_cluster());
  EXPECT_FALSE(troupe::apps::make_application("iot", {}, error)->needs_cluster());
}

}  // namespace
