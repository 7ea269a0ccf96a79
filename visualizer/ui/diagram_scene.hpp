#pragma once
/// What the space-time diagram draws, computed from the trace, the state and the layout:
/// arrows, marks, lane spans, partition bands and vertical markers. Pure data, no ImGui: the
/// panel only paints it, tests and screenshot runs inspect it.
///
/// Bounded work per frame: messages are culled to the view; when more than
/// scene_detail_messages_max are visible, arrows that share lanes and fall in the same
/// scene_merge_pixels-wide columns are merged into one with a count, and marks are merged per
/// lane and pixel.

#include <cstdint>
#include <string>
#include <vector>

#include "diagram_layout.hpp"
#include "message_pyramid.hpp"

namespace troupe::viz {

inline constexpr std::size_t scene_detail_messages_max = 4000;
inline constexpr float scene_merge_pixels = 3.0f;
/// When merged arrows still exceed this, columns double in width (up to 64 pixels).
inline constexpr std::size_t scene_merged_arrows_max = 6000;
/// Bound on the moving message dots drawn at the cursor.
inline constexpr std::size_t scene_flights_max = 2000;

/// How an arrow relates to the selected event.
enum class causal_tint : std::uint8_t { none, past, future, selected, unrelated };

struct scene_arrow {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  std::uint32_t message = trace_model::no_index;  ///< the first message in a merged arrow
  std::uint32_t count = 1;                        ///< messages merged into this arrow
  std::uint32_t palette = 0;                      ///< colour index (message type)
  trace_model::message_status status = trace_model::message_status::delivered;
  causal_tint tint = causal_tint::none;
};

struct scene_mark {
  float x = 0, y = 0;
  std::uint32_t event = trace_model::no_index;
  std::uint32_t count = 1;
  trace_model::event_kind kind = trace_model::event_kind::unknown;
  trace_model::fault_kind fault = trace_model::fault_kind::none;
  causal_tint tint = causal_tint::none;
};

enum class span_style : std::uint8_t { alive, down, paused };

struct scene_lane_span {
  float x0 = 0, x1 = 0, y = 0;
  span_style style = span_style::alive;
};

struct scene_band {
  float x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  bool one_way = false;
};

enum class vline_kind : std::uint8_t { scale, failed_verdict };

struct scene_vline {
  float x = 0;
  vline_kind kind = vline_kind::scale;
  std::uint32_t event = trace_model::no_index;
  std::string label;
};

/// A message in flight at the cursor, drawn moving along its arrow.
struct scene_flight {
  float x = 0, y = 0;
  std::uint32_t message = trace_model::no_index;
  std::uint32_t palette = 0;
};

struct diagram_scene {
  std::vector<scene_lane_span> spans;
  std::vector<scene_band> bands;
  std::vector<scene_arrow> arrows;
  std::vector<scene_mark> marks;
  std::vector<scene_vline> vlines;
  bool merged = false;
  std::size_t visible_messages = 0;  ///< messages in view passing the filter
};

/// Colour index of each message type: its position in trace::message_types.
[[nodiscard]] std::vector<std::uint32_t> type_palette(const trace& t);

/// Builds everything but the flights (which move with the cursor and are cheap). With a
/// `pyramid` built for the state's filter, a zoomed-out view is merged from its bins instead
/// of from every message (counts are then exact per bin, positions rounded to bins).
[[nodiscard]] diagram_scene build_scene(const trace& t, const viewer_state& state,
                                        const diagram_layout& layout,
                                        const std::vector<std::uint32_t>& palette,
                                        const message_pyramid* pyramid = nullptr);

/// Messages in flight at the cursor that pass the filter, at their interpolated position.
[[nodiscard]] std::vector<scene_flight> build_flights(const trace& t, const viewer_state& state,
                                                      const diagram_layout& layout,
                                                      const std::vector<std::uint32_t>& palette);

/// The event nearest to (x, y) within `radius` pixels among marks and arrow ends, or no_index.
[[nodiscard]] std::uint32_t pick_event(const trace& t, const diagram_scene& scene, float x,
                                       float y, float radius);

/// A JSON description of the layout and scene (lanes with their y, flights, counts), written
/// next to screenshots so tests can compare pixels with what was meant to be drawn.
[[nodiscard]] std::string describe_scene_json(const trace& t, const diagram_layout& layout,
                                              const diagram_scene& scene,
                                              const std::vector<scene_flight>& flights);

}  // namespace troupe::viz
