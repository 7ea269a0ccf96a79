// troupe-viz: opens a trace in the viewer, or renders it offscreen to a PNG.
//
//   troupe-viz TRACE
//   troupe-viz TRACE --screenshot OUT.png [--at TIME] [--size WxH] [--span DURATION]
//              [--select SEQ] [--expand POD] [--frames N] [--pan] [--scene-json FILE]
//
// The only file of the project that touches GLFW and OpenGL. Screenshots render into a
// framebuffer object, so the window stays hidden and the image size does not depend on the
// (virtual) screen.
#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "troupe/trace_model/duration.hpp"
#include "troupe/trace_model/loader.hpp"
#include "colors.hpp"
#include "viewer.hpp"

namespace {

using troupe::trace_model::trace;
using troupe::viz::viewer_caches;
using troupe::viz::viewer_state;

/// Bounds on the screenshot size, in pixels.
constexpr int image_side_min = 200;
constexpr int image_side_max = 8192;
/// Frames rendered before the measured ones, so ImGui's layout (tables, auto sizes) settles.
constexpr int warmup_frames = 3;
constexpr int frames_max = 100000;

constexpr const char* usage =
    "usage: troupe-viz TRACE [--screenshot OUT.png] [--at TIME] [--size WxH] [--span DURATION]\n"
    "                        [--select SEQ] [--expand POD] [--frames N] [--pan]\n"
    "                        [--scene-json FILE]\n"
    "  TIME and DURATION take units: 250ms, 5s, 2m, or raw nanoseconds.\n"
    "  --screenshot renders offscreen and writes a PNG (use xvfb-run without a display).\n"
    "  --span shows DURATION around --at (default: the whole trace).\n"
    "  --frames N renders N frames and prints frame times as JSON; --pan pans every frame\n"
    "  so each one rebuilds the diagram (worst case).\n";

struct options {
  std::string trace_path;
  std::string screenshot_path;
  std::string scene_json_path;
  std::optional<std::int64_t> at_ns;
  std::optional<std::int64_t> span_ns;
  std::optional<std::int64_t> select_seq;
  std::vector<std::string> expand;
  int width = 1600;
  int height = 900;
  int frames = 1;
  bool pan = false;
};

bool parse_size(const char* text, int& width, int& height) {
  if (std::sscanf(text, "%dx%d", &width, &height) != 2) return false;
  return width >= image_side_min && width <= image_side_max && height >= image_side_min &&
         height <= image_side_max;
}

/// Returns an error message, or "" when the arguments are good.
std::string parse_options(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    const bool has_value = i + 1 < argc;
    auto duration = [&](std::optional<std::int64_t>& out) -> std::string {
      const auto parsed = troupe::trace_model::parse_duration_ns(argv[++i]);
      if (!parsed) return "bad time '" + std::string(argv[i]) + "' for " + argument;
      out = *parsed;
      return "";
    };
    if (argument == "--help" || argument == "-h") return "help";
    if (argument == "--pan") {
      o.pan = true;
    } else if (!has_value && argument.rfind("--", 0) == 0) {
      return "missing value for " + argument;
    } else if (argument == "--screenshot") {
      o.screenshot_path = argv[++i];
    } else if (argument == "--scene-json") {
      o.scene_json_path = argv[++i];
    } else if (argument == "--at" || argument == "--span") {
      const std::string error = duration(argument == "--at" ? o.at_ns : o.span_ns);
      if (!error.empty()) return error;
    } else if (argument == "--size") {
      if (!parse_size(argv[++i], o.width, o.height)) {
        return "bad --size '" + std::string(argv[i]) + "': expected WxH, each 200..8192";
      }
    } else if (argument == "--select") {
      o.select_seq = std::strtoll(argv[++i], nullptr, 10);
    } else if (argument == "--expand") {
      o.expand.emplace_back(argv[++i]);
    } else if (argument == "--frames") {
      o.frames = std::atoi(argv[++i]);
      if (o.frames < 1 || o.frames > frames_max) return "bad --frames (1..100000)";
    } else if (argument.rfind("--", 0) != 0 && o.trace_path.empty()) {
      o.trace_path = argument;
    } else {
      return "unexpected argument '" + argument + "'";
    }
  }
  if (o.trace_path.empty()) return "missing TRACE";
  return "";
}

void apply_options(const trace& t, const options& o, viewer_state& state) {
  if (o.at_ns) state.cursor_ns = *o.at_ns;
  if (o.span_ns) {
    state.view = {state.cursor_ns - *o.span_ns / 2, state.cursor_ns - *o.span_ns / 2 + *o.span_ns};
  }
  if (o.select_seq) {
    const std::uint32_t index = t.event_by_seq(*o.select_seq);
    if (index != troupe::trace_model::no_index) {
      const std::int64_t cursor = state.cursor_ns;
      state.select_event(t, index);
      if (o.at_ns) state.cursor_ns = cursor;
    }
  }
  for (const std::string& pod : o.expand) {
    const auto index = t.find_pod(pod);
    if (index != troupe::trace_model::no_pod) state.pod_expanded[index] = 1;
  }
  ++state.lanes_generation;
}

GLFWwindow* open_window(int width, int height, bool visible) {
  glfwSetErrorCallback([](int code, const char* text) {
    std::fprintf(stderr, "troupe-viz: GLFW error %d: %s\n", code, text);
  });
  if (!glfwInit()) return nullptr;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
  GLFWwindow* window = glfwCreateWindow(width, height, "troupe-viz", nullptr, nullptr);
  if (window == nullptr) {
    glfwTerminate();
    return nullptr;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(visible ? 1 : 0);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed; write no imgui.ini
  ImGui::StyleColorsDark();
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");
  return window;
}

void close_window(GLFWwindow* window) {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
}

/// CPU time consumed by the whole process so far, in milliseconds.
double process_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

/// Uploads the diagram's zoomed-out image into an OpenGL texture (the UI never calls OpenGL).
ImTextureID upload_texture(ImTextureID previous, const troupe::viz::overview_image& image) {
  auto texture = static_cast<GLuint>(reinterpret_cast<std::uintptr_t>(previous));
  if (texture == 0) {
    glGenTextures(1, &texture);
    glBindTexture(GL_TEXTURE_2D, texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  }
  glBindTexture(GL_TEXTURE_2D, texture);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, image.width, image.height, 0, GL_RGBA,
               GL_UNSIGNED_BYTE, image.pixels.data());
  return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(texture));
}

void release_texture(ImTextureID texture) {
  const auto name = static_cast<GLuint>(reinterpret_cast<std::uintptr_t>(texture));
  if (name != 0) glDeleteTextures(1, &name);
}

/// An offscreen RGBA framebuffer of a fixed size.
struct offscreen_target {
  GLuint framebuffer = 0;
  GLuint color = 0;
  int width = 0;
  int height = 0;

  bool create(int w, int h) {
    width = w;
    height = h;
    glGenFramebuffers(1, &framebuffer);
    glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
    glGenRenderbuffers(1, &color);
    glBindRenderbuffer(GL_RENDERBUFFER, color);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, w, h);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, color);
    return glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
  }
  bool write_png(const std::string& path) const {
    std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * height * 4);
    glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
    // OpenGL's rows start at the bottom; PNG's at the top.
    const std::size_t stride = static_cast<std::size_t>(width) * 4;
    std::vector<unsigned char> flipped(pixels.size());
    for (int y = 0; y < height; ++y) {
      std::memcpy(&flipped[static_cast<std::size_t>(y) * stride],
                  &pixels[static_cast<std::size_t>(height - 1 - y) * stride], stride);
    }
    return stbi_write_png(path.c_str(), width, height, 4, flipped.data(),
                          static_cast<int>(stride)) != 0;
  }
};

/// One frame: the UI (or the error dialog when `t` is null), rendered into the bound target.
/// Returns the milliseconds spent building the UI, before OpenGL draws it.
double render_frame(const trace* t, viewer_state* state, viewer_caches* caches, int width,
                  int height, double wall_seconds, const std::string& error_path,
                  const std::string& error) {
  const auto start = std::chrono::steady_clock::now();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
  io.DisplayFramebufferScale = ImVec2(1, 1);
  ImGui::NewFrame();
  if (t != nullptr) {
    troupe::viz::draw_viewer(*t, *state, *caches, io.DisplaySize.x, io.DisplaySize.y,
                             wall_seconds);
  } else {
    troupe::viz::draw_load_error(error_path, error, io.DisplaySize.x, io.DisplaySize.y);
  }
  ImGui::Render();
  const double ui_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  glViewport(0, 0, width, height);
  // The viewer expects this colour behind the diagram (colors::background).
  const ImVec4 background = troupe::viz::colors::to_vec4(troupe::viz::colors::background);
  glClearColor(background.x, background.y, background.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  return ui_ms;
}

/// Screenshot of the error window shown for a trace that cannot be opened; exit code 2.
int run_error_screenshot(const options& o, const std::string& error) {
  GLFWwindow* window = open_window(o.width, o.height, false);
  offscreen_target target;
  if (window == nullptr || !target.create(o.width, o.height)) {
    if (window != nullptr) close_window(window);
    return 2;
  }
  for (int frame = 0; frame < warmup_frames; ++frame) {
    glBindFramebuffer(GL_FRAMEBUFFER, target.framebuffer);
    render_frame(nullptr, nullptr, nullptr, o.width, o.height, 0, o.trace_path, error);
  }
  const bool written = target.write_png(o.screenshot_path);
  close_window(window);
  if (!written) std::fprintf(stderr, "troupe-viz: cannot write %s\n", o.screenshot_path.c_str());
  return 2;
}

int run_screenshot(const trace& t, const options& o) {
  GLFWwindow* window = open_window(o.width, o.height, false);
  if (window == nullptr) {
    std::fprintf(stderr, "troupe-viz: cannot create an OpenGL 3 context (no display? try "
                         "xvfb-run -a troupe-viz ...)\n");
    return 3;
  }
  offscreen_target target;
  if (!target.create(o.width, o.height)) {
    std::fprintf(stderr, "troupe-viz: cannot create an offscreen framebuffer\n");
    close_window(window);
    return 3;
  }
  viewer_state state(t);
  apply_options(t, o, state);
  viewer_caches caches;
  caches.diagram.upload = upload_texture;
  std::vector<double> frame_ms;
  double ui_ms_total = 0;  // building the UI (ImGui and our panels), before rasterising
  // CPU time of all threads (llvmpipe rasterises on its own threads): unlike wall time, it
  // does not grow when other processes share the machine.
  double cpu_ms_total = 0;
  for (int frame = 0; frame < warmup_frames + o.frames; ++frame) {
    if (o.pan && frame >= warmup_frames) state.pan(std::max<std::int64_t>(1, state.view.span_ns() / 200));
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = process_cpu_ms();
    glBindFramebuffer(GL_FRAMEBUFFER, target.framebuffer);
    const double ui_ms = render_frame(&t, &state, &caches, o.width, o.height, 0, "", "");
    glFinish();  // count the rasterisation too, not just command submission
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (frame >= warmup_frames) {
      frame_ms.push_back(ms);
      ui_ms_total += ui_ms;
      cpu_ms_total += process_cpu_ms() - cpu_start;
    }
  }
  const bool written = target.write_png(o.screenshot_path);
  if (!o.scene_json_path.empty()) {
    std::ofstream(o.scene_json_path)
        << troupe::viz::describe_scene_json(t, caches.diagram.layout, caches.diagram.scene,
                                            caches.diagram.flights)
        << "\n";
  }
  release_texture(caches.diagram.overview_texture);
  close_window(window);
  if (!written) {
    std::fprintf(stderr, "troupe-viz: cannot write %s\n", o.screenshot_path.c_str());
    return 3;
  }
  if (o.frames > 1) {
    std::vector<double> sorted = frame_ms;
    std::sort(sorted.begin(), sorted.end());
    double total = 0;
    for (const double ms : frame_ms) total += ms;
    std::printf("{\"frames\":%d,\"size\":\"%dx%d\",\"pan\":%s,\"mean_ms\":%.2f,\"p50_ms\":%.2f,"
                "\"p90_ms\":%.2f,\"max_ms\":%.2f,\"ui_mean_ms\":%.2f,\"cpu_mean_ms\":%.2f,"
                "\"merged\":%s,\"arrows\":%zu,"
                "\"visible_messages\":%zu,\"scene_rebuilds\":%llu}\n",
                o.frames, o.width, o.height, o.pan ? "true" : "false", total / o.frames,
                sorted[sorted.size() / 2], sorted[sorted.size() * 9 / 10], sorted.back(), ui_ms_total / o.frames,
                cpu_ms_total / o.frames,
                caches.diagram.scene.merged ? "true" : "false", caches.diagram.scene.arrows.size(),
                caches.diagram.scene.visible_messages,
                static_cast<unsigned long long>(caches.diagram.rebuilds));
  }
  return 0;
}

int run_interactive(const trace* t, const options& o, const std::string& error) {
  GLFWwindow* window = open_window(o.width, o.height, true);
  if (window == nullptr) {
    std::fprintf(stderr, "troupe-viz: cannot open a window (no display?)\n");
    return 3;
  }
  std::optional<viewer_state> state;
  viewer_caches caches;
  caches.diagram.upload = upload_texture;
  if (t != nullptr) {
    state.emplace(*t);
    apply_options(*t, o, *state);
  }
  auto last = std::chrono::steady_clock::now();
  while (!glfwWindowShouldClose(window)) {
    // Sleep until input unless playing, so an idle viewer uses no CPU.
    if (state && state->playing) {
      glfwPollEvents();
    } else {
      glfwWaitEventsTimeout(0.5);
    }
    const auto now = std::chrono::steady_clock::now();
    const double wall_seconds = std::chrono::duration<double>(now - last).count();
    last = now;
    int width = 0;
    int height = 0;
    glfwGetFramebufferSize(window, &width, &height);
    if (width <= 0 || height <= 0) continue;
    render_frame(t, state ? &*state : nullptr, &caches, width, height, wall_seconds,
                 o.trace_path, error);
    glfwSwapBuffers(window);
  }
  release_texture(caches.diagram.overview_texture);
  close_window(window);
  return t != nullptr ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  const std::string problem = parse_options(argc, argv, o);
  if (problem == "help") {
    std::fputs(usage, stdout);
    return 0;
  }
  if (!problem.empty()) {
    std::fprintf(stderr, "troupe-viz: %s\n%s", problem.c_str(), usage);
    return 2;
  }
  auto loaded = troupe::trace_model::load_trace_file(o.trace_path);
  if (!loaded.ok()) {
    const std::string message = loaded.error().describe();
    std::fprintf(stderr, "troupe-viz: %s: %s\n", o.trace_path.c_str(), message.c_str());
    // The error is also shown in a window (or drawn into the screenshot); the exit code is 2.
    return o.screenshot_path.empty() ? run_interactive(nullptr, o, message)
                                     : run_error_screenshot(o, message);
  }
  const auto t = loaded.take();
  return o.screenshot_path.empty() ? run_interactive(t.get(), o, "") : run_screenshot(*t, o);
}
