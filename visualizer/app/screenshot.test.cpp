// Goal: troupe-viz renders a trace offscreen to a PNG that shows what the trace holds:
// moving the cursor moves the in-flight message dots (and nothing in the lane labels), and a
// pod scaled away loses its lane. Runs troupe-viz under xvfb-run and reads the PNG back.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct image {
  int width = 0;
  int height = 0;
  std::vector<unsigned char> rgba;
  [[nodiscard]] const unsigned char* at(int x, int y) const {
    return &rgba[(static_cast<std::size_t>(y) * width + x) * 4];
  }
};

struct shot {
  image picture;
  nlohmann::json scene;
};

const std::string trace_path = std::string(TROUPE_VIZ_TESTDATA) + "/small-kv.jsonl";

// How every test starts troupe-viz. Mesa's llvmpipe driver leaks a few bytes from a library it
// unloads again, which LeakSanitizer cannot attribute (the frames point into freed code), so leak
// checking is off for the window process; ASan's other checks stay on, and the trace model the
// viewer is built on is leak-checked by its own unit tests.
// Returns troupe-viz's own exit status (-1 if it did not report one): xvfb-run's status also
// covers its clean-up, which can fail on its own ("problem while cleaning up temporary
// directory", exit 5; seen once in CI). `redirect` applies to the viewer only ("2> FILE").
int run_viz(const std::string& name, const std::string& arguments,
            const std::string& redirect = "") {
  const std::string status_file = ::testing::TempDir() + "/" + name + ".status";
  std::remove(status_file.c_str());
  const std::string command = std::string("env ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 ") +
                              TROUPE_XVFB_RUN + " -a sh -c '" + TROUPE_VIZ_BINARY + " " +
                              arguments + " " + redirect + "; echo $? > " + status_file + "'";
  [[maybe_unused]] const int xvfb_status = std::system(command.c_str());
  std::ifstream in(status_file);
  int status = -1;
  if (!(in >> status)) ADD_FAILURE() << "troupe-viz reported no status: " << command;
  return status;
}

shot render(const std::string& name, const std::string& arguments) {
  const std::string png = ::testing::TempDir() + "/" + name + ".png";
  const std::string json = ::testing::TempDir() + "/" + name + ".json";
  EXPECT_EQ(run_viz(name, trace_path + " --screenshot " + png + " --scene-json " + json +
                              " --size 1000x640 " + arguments),
            0);
  shot result;
  int channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(
      stbi_load(png.c_str(), &result.picture.width, &result.picture.height, &channels, 4),
      stbi_image_free);
  if (!pixels) {
    ADD_FAILURE() << "no PNG at " << png;
    return result;
  }
  const std::size_t bytes = static_cast<std::size_t>(result.picture.width) * result.picture.height * 4;
  result.picture.rgba.assign(pixels.get(), pixels.get() + bytes);
  std::ifstream in(json);
  result.scene = nlohmann::json::parse(in);
  return result;
}

int colour_distance(const unsigned char* a, const unsigned char* b) {
  return std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
}

// Pixels in a (2r+1)^2 square around (x, y) that differ between two images.
int differing_around(const image& a, const image& b, int x, int y, int r) {
  int count = 0;
  for (int dy = -r; dy <= r; ++dy) {
    for (int dx = -r; dx <= r; ++dx) {
      count += colour_distance(a.at(x + dx, y + dy), b.at(x + dx, y + dy)) > 60 ? 1 : 0;
    }
  }
  return count;
}

// Rows of the plot where most pixels have the lane colour (150, 155, 175): the lane lines.
std::vector<int> lane_rows(const image& picture, const nlohmann::json& scene) {
  const auto& plot = scene.at("plot");
  const int left = static_cast<int>(plot[0].get<double>()) + 2;
  const int top = static_cast<int>(plot[1].get<double>());
  const int right = static_cast<int>(plot[2].get<double>()) - 2;
  const int bottom = static_cast<int>(plot[3].get<double>());
  const unsigned char lane[3] = {150, 155, 175};
  std::vector<int> rows;
  for (int y = top; y < bottom; ++y) {
    int matching = 0;
    for (int x = left; x < right; ++x) matching += colour_distance(picture.at(x, y), lane) < 60;
    if (matching * 2 > right - left && (rows.empty() || rows.back() < y - 2)) rows.push_back(y);
  }
  return rows;
}

TEST(screenshot, moving_the_cursor_moves_messages_in_flight) {
  const shot early = render("cursor-200ms", "--at 200ms");
  const shot late = render("cursor-300ms", "--at 300ms");
  ASSERT_EQ(early.picture.width, 1000);
  ASSERT_EQ(early.picture.height, 640);
  // Not empty: many pixels differ from the diagram background.
  const unsigned char background[3] = {22, 24, 30};
  int drawn = 0;
  for (int y = 0; y < early.picture.height; y += 2) {
    for (int x = 0; x < early.picture.width; x += 2) {
      drawn += colour_distance(early.picture.at(x, y), background) > 40;
    }
  }
  EXPECT_GT(drawn, 5000);
  // The slow replicate (kv-1 -> kv-2, 150ms..350ms) is the one message in flight at both.
  ASSERT_EQ(early.scene.at("flights").size(), 1u);
  ASSERT_EQ(late.scene.at("flights").size(), 1u);
  const auto& a = early.scene.at("flights")[0];
  const auto& b = late.scene.at("flights")[0];
  EXPECT_EQ(a.at("id"), 6);
  const int ax = static_cast<int>(a.at("x").get<double>());
  const int ay = static_cast<int>(a.at("y").get<double>());
  const int bx = static_cast<int>(b.at("x").get<double>());
  const int by = static_cast<int>(b.at("y").get<double>());
  EXPECT_GT(bx, ax + 20) << "the dot moved right with the cursor";
  EXPECT_GT(by, ay) << "and down towards kv-2's lane";
  // The dot's fill is the kv.replicate colour (palette entry 3: 231, 138, 195).
  const unsigned char replicate[3] = {231, 138, 195};
  EXPECT_LT(colour_distance(early.picture.at(ax, ay), replicate), 40);
  EXPECT_LT(colour_distance(late.picture.at(bx, by), replicate), 40);
  // The images differ where the dot was and where it went ...
  EXPECT_GT(differing_around(early.picture, late.picture, ax, ay, 3), 20);
  EXPECT_GT(differing_around(early.picture, late.picture, bx, by, 3), 20);
  // ... but not in the lane labels, which did not change.
  const auto& plot = early.scene.at("plot");
  const int label_left = static_cast<int>(plot[0].get<double>()) - 115;
  int label_changes = 0;
  for (int y = static_cast<int>(plot[1].get<double>()); y < static_cast<int>(plot[3].get<double>()); ++y) {
    for (int x = label_left; x < label_left + 100; ++x) {
      label_changes += colour_distance(early.picture.at(x, y), late.picture.at(x, y)) > 0;
    }
  }
  EXPECT_EQ(label_changes, 0);
}

TEST(screenshot, a_pod_lane_disappears_after_scale_down) {
  // kv-2 is removed by the scale-down at 800ms.
  const shot before = render("before-scale-down", "--at 700ms --span 100ms");
  const shot after = render("after-scale-down", "--at 900ms --span 100ms");
  std::vector<std::string> before_pods;
  for (const auto& lane : before.scene.at("lanes")) before_pods.push_back(lane.at("pod"));
  std::vector<std::string> after_pods;
  for (const auto& lane : after.scene.at("lanes")) after_pods.push_back(lane.at("pod"));
  EXPECT_EQ(before_pods, (std::vector<std::string>{"kv-0", "kv-1", "kv-2", "kv-3"}));
  EXPECT_EQ(after_pods, (std::vector<std::string>{"kv-0", "kv-1", "kv-3"}));
  // The pixels agree: one lane line per lane, at the lane's y.
  const auto rows_before = lane_rows(before.picture, before.scene);
  const auto rows_after = lane_rows(after.picture, after.scene);
  ASSERT_EQ(rows_before.size(), 4u);
  ASSERT_EQ(rows_after.size(), 3u);
  for (std::size_t i = 0; i < rows_after.size(); ++i) {
    EXPECT_NEAR(rows_after[i], after.scene.at("lanes")[i].at("y").get<double>(), 2.0);
  }
}

TEST(screenshot, corrupt_trace_shows_an_error_naming_the_line) {
  const std::string bad = ::testing::TempDir() + "/truncated.jsonl";
  {
    std::ifstream in(trace_path);
    std::stringstream text;
    text << in.rdbuf();
    std::ofstream(bad) << text.str().substr(0, 600);
  }
  const std::string output = ::testing::TempDir() + "/error.txt";
  const std::string png = ::testing::TempDir() + "/error.png";
  EXPECT_EQ(run_viz("error", bad + " --size 900x500 --screenshot " + png, "2> " + output), 2);
  std::ifstream in(output);
  std::stringstream message;
  message << in.rdbuf();
  EXPECT_NE(message.str().find("line 6:"), std::string::npos) << message.str();
  EXPECT_NE(message.str().find("truncated"), std::string::npos) << message.str();
  // The window shows the error too: the screenshot has the error text's red (255, 115, 115).
  int width = 0;
  int height = 0;
  int channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(
      stbi_load(png.c_str(), &width, &height, &channels, 4), stbi_image_free);
  ASSERT_TRUE(pixels) << "no error screenshot";
  const unsigned char red[3] = {255, 115, 115};
  int red_pixels = 0;
  for (int i = 0; i < width * height; ++i) red_pixels += colour_distance(&pixels.get()[i * 4], red) < 30;
  EXPECT_GT(red_pixels, 100);
}

}  // namespace
