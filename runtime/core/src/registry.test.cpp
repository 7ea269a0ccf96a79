// Goal: named actors can be looked up by name and type; a duplicate name is an error value;
// a name is free again once its actor stopped.

#include <gtest/gtest.h>

#include "troupe/runtime.hpp"

namespace {

struct named final : troupe::actor<int> {
  void on_message(int& v) override {
    if (v < 0) stop();
  }
};

TEST(registry, lookup_finds_a_named_actor_with_its_path) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  auto spawned = system.spawn_with<named>({"store", {}});
  ASSERT_TRUE(spawned.ok());
  auto found = system.lookup<int>("store");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, spawned.value());
  EXPECT_EQ(found->path(), "/user/store");
  EXPECT_FALSE(system.lookup<std::string>("store").has_value());  // wrong protocol
  EXPECT_FALSE(system.lookup<int>("nobody").has_value());
}

TEST(registry, duplicate_name_is_an_error) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  ASSERT_TRUE(system.spawn_with<named>({"store", {}}).ok());
  auto second = system.spawn_with<named>({"store", {}});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.failure().code, troupe::error_code::duplicate_name);
  EXPECT_NE(second.failure().message.find("store"), std::string::npos);
}

TEST(registry, name_is_released_when_the_actor_stops) {
  troupe::manual_platform platform;
  troupe::actor_system system(platform);
  auto first = system.spawn_with<named>({"store", {}}).value();
  first.tell(-1);
  platform.run_until_idle();
  EXPECT_FALSE(system.lookup<int>("store").has_value());
  EXPECT_TRUE(system.spawn_with<named>({"store", {}}).ok());
}

}  // namespace
