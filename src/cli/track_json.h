// How the tracking commands (track, watch) write boxes in JSON: [x, y, w, h] in the video's
// pixels, to 0.01.
#pragma once

#include "vidrep/track/background.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace vidrep::cli {

inline double round2(double x) { return std::round(x * 100) / 100; }

inline nlohmann::json box_json(const track::Box& b) { return {round2(b.x), round2(b.y), round2(b.w), round2(b.h)}; }

}  // namespace vidrep::cli
