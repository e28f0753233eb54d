#include "vidrep/curate/config.h"

#include "vidrep/config_json.h"
#include "vidrep/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace vidrep::curate {
namespace {

constexpr const char* kWhat = "curate config";

}  // namespace

CurateConfig CurateConfig::from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of range
    throw ConfigError(fmt::format("{}: not JSON: {}", kWhat, e.what()));
  }
  if (!j.is_object()) throw ConfigError(fmt::format("{}: expected a JSON object", kWhat));
  static const char* const known[] = {"min_seconds", "min_side", "dark_luma", "flat_std", "bad_fraction",
                                      "static_motion", "clip_min_seconds", "clip_max_seconds", "dedup_threshold",
                                      "shard_clips", "buckets", "clip_preset", "clip_crf", "ae"};
  for (const auto& [key, _] : j.items()) {
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
      throw ConfigError(fmt::format("{}: unknown key '{}'", kWhat, key));
    }
  }
  CurateConfig c;
  read_key(j, kWhat, "min_seconds", c.min_seconds);
  read_key(j, kWhat, "min_side", c.min_side);
  read_key(j, kWhat, "dark_luma", c.dark_luma);
  read_key(j, kWhat, "flat_std", c.flat_std);
  read_key(j, kWhat, "bad_fraction", c.bad_fraction);
  read_key(j, kWhat, "static_motion", c.static_motion);
  read_key(j, kWhat, "clip_min_seconds", c.clip_min_seconds);
  read_key(j, kWhat, "clip_max_seconds", c.clip_max_seconds);
  read_key(j, kWhat, "dedup_threshold", c.dedup_threshold);
  read_key(j, kWhat, "shard_clips", c.shard_clips);
  read_key(j, kWhat, "buckets", c.buckets);
  read_key(j, kWhat, "clip_preset", c.clip_preset);
  read_key(j, kWhat, "clip_crf", c.clip_crf);
  read_key(j, kWhat, "ae", c.ae);
  c.validate();
  return c;
}

CurateConfig CurateConfig::load(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw OpenError(fmt::format("{}: cannot open the curate config", path));
  std::stringstream text;
  text << f.rdbuf();
  try {
    return from_json(text.str());
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", path, e.what()));
  }
}

std::string CurateConfig::to_json() const {
  return nlohmann::json{{"min_seconds", min_seconds}, {"min_side", min_side}, {"dark_luma", dark_luma},
                        {"flat_std", flat_std}, {"bad_fraction", bad_fraction}, {"static_motion", static_motion},
                        {"clip_min_seconds", clip_min_seconds}, {"clip_max_seconds", clip_max_seconds},
                        {"dedup_threshold", dedup_threshold}, {"shard_clips", shard_clips}, {"buckets", buckets},
                        {"clip_preset", clip_preset}, {"clip_crf", clip_crf}, {"ae", ae}}
      .dump(2);
}

void CurateConfig::validate() const {
  require_key(min_seconds >= 0, kWhat, "min_seconds", "expected >= 0");
  require_key(min_side >= 1, kWhat, "min_side", "expected >= 1");
  require_key(dark_luma >= 0 && dark_luma <= 255, kWhat, "dark_luma", "expected 0..255");
  require_key(flat_std >= 0, kWhat, "flat_std", "expected >= 0");
  require_key(bad_fraction > 0 && bad_fraction <= 1, kWhat, "bad_fraction", "expected in (0, 1]");
  require_key(static_motion >= 0, kWhat, "static_motion", "expected >= 0");
  require_key(clip_min_seconds > 0, kWhat, "clip_min_seconds", "expected > 0");
  require_key(clip_max_seconds >= clip_min_seconds, kWhat, "clip_max_seconds", "expected >= clip_min_seconds");
  require_key(dedup_threshold > 0 && dedup_threshold <= 1, kWhat, "dedup_threshold", "expected in (0, 1]");
  require_key(shard_clips >= 1, kWhat, "shard_clips", "expected >= 1");
  static const char* const presets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                        "medium", "slow", "slower", "veryslow", "placebo"};
  require_key(std::find(std::begin(presets), std::end(presets), clip_preset) != std::end(presets), kWhat, "clip_preset",
              "expected a libx264 preset (ultrafast .. placebo)");
  require_key(clip_crf >= 0 && clip_crf <= 51, kWhat, "clip_crf", "expected 0..51");
}

}  // namespace vidrep::curate
