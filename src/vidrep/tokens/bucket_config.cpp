#include "vidrep/tokens/bucket_config.h"

#include "vidrep/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

namespace vidrep {

namespace {

using nlohmann::json;

int64_t positive_int(const json& j, const std::string& where) {
  if (!j.is_number_integer() || j.get<int64_t>() < 1) {
    throw ConfigError(fmt::format("{}: expected a positive integer, got {}", where, j.dump()));
  }
  return j.get<int64_t>();
}

BucketSpec spec_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw ConfigError(fmt::format("{}: expected an object, got {}", where, j.dump()));
  for (const auto& [key, value] : j.items()) {
    static const std::set<std::string> known = {"name", "resolution", "area", "frames", "aspect_ratios", "batch_size"};
    if (!known.contains(key)) {
      throw ConfigError(fmt::format("{}: unknown field '{}' (expected name, resolution or area, frames, "
                                    "aspect_ratios, batch_size)", where, key));
    }
  }
  BucketSpec s;
  if (j.contains("resolution") == j.contains("area")) {
    throw ConfigError(fmt::format("{}: expected exactly one of 'resolution' and 'area'", where));
  }
  if (j.contains("resolution")) {
    const int64_t p = positive_int(j["resolution"], where + ".resolution");
    s.area = resolution_area(p);
    s.name = fmt::format("{}p", p);
  } else {
    s.area = positive_int(j["area"], where + ".area");
    s.name = fmt::format("{}px", s.area);
  }
  if (j.contains("name")) {
    if (!j["name"].is_string()) throw ConfigError(fmt::format("{}.name: expected a string, got {}", where, j["name"].dump()));
    s.name = j["name"].get<std::string>();
  }
  if (!j.contains("frames") || !j["frames"].is_array()) {
    throw ConfigError(fmt::format("{}.frames: expected a list of clip lengths", where));
  }
  for (size_t i = 0; i < j["frames"].size(); ++i) {
    s.frames.push_back(positive_int(j["frames"][i], fmt::format("{}.frames[{}]", where, i)));
  }
  if (!j.contains("aspect_ratios") || !j["aspect_ratios"].is_array()) {
    throw ConfigError(fmt::format("{}.aspect_ratios: expected a list of \"W:H\" strings", where));
  }
  for (size_t i = 0; i < j["aspect_ratios"].size(); ++i) {
    const json& r = j["aspect_ratios"][i];
    const std::string at = fmt::format("{}.aspect_ratios[{}]", where, i);
    if (!r.is_string()) throw ConfigError(fmt::format("{}: expected \"W:H\", got {}", at, r.dump()));
    s.aspect_ratios.push_back(r.get<std::string>());
  }
  if (!j.contains("batch_size")) throw ConfigError(fmt::format("{}.batch_size: missing", where));
  s.batch_size = positive_int(j["batch_size"], where + ".batch_size");
  return s;
}

}  // namespace

int64_t resolution_area(int64_t p) { return p * (p * 16 / 9); }

double parse_aspect_ratio(const std::string& text, const std::string& where) {
  const auto colon = text.find(':');
  double w = 0, h = 0;
  bool ok = colon != std::string::npos;
  if (ok) {
    const char* end = text.data() + text.size();
    auto a = std::from_chars(text.data(), text.data() + colon, w);
    auto b = std::from_chars(text.data() + colon + 1, end, h);
    ok = a.ec == std::errc() && a.ptr == text.data() + colon && b.ec == std::errc() && b.ptr == end && w > 0 && h > 0;
  }
  if (!ok) throw ConfigError(fmt::format("{}: expected an aspect ratio \"W:H\" such as \"16:9\", got '{}'", where, text));
  return h / w;
}

BucketConfig BucketConfig::defaults() {
  BucketConfig c;
  const std::vector<std::string> ratios = {"9:16", "3:4", "1:1", "4:3", "16:9"};
  // (resolution, batch size at 16 frames): area x batch is about constant.
  const std::pair<int64_t, int64_t> classes[] = {{240, 32}, {360, 16}, {480, 8}, {720, 4}};
  for (const auto& [p, batch16] : classes) {
    for (int64_t frames : {16, 32, 64}) {
      const int64_t batch = std::max<int64_t>(1, batch16 * 16 / frames);
      c.buckets.push_back({fmt::format("{}p", p), resolution_area(p), {frames}, ratios, batch});
    }
  }
  return c;
}

BucketConfig BucketConfig::from_json(const std::string& text) {
  json j;
  try {
    j = json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {  // syntax, or a number out of range
    throw ConfigError(fmt::format("bucket config: invalid JSON: {}", e.what()));
  }
  if (!j.is_object() || !j.contains("buckets") || !j["buckets"].is_array()) {
    throw ConfigError("bucket config: expected an object with a \"buckets\" list");
  }
  BucketConfig c;
  if (j.contains("multiple_of")) c.multiple_of = positive_int(j["multiple_of"], "multiple_of");
  if (j.contains("drop_last")) {
    if (!j["drop_last"].is_boolean()) throw ConfigError(fmt::format("drop_last: expected true or false, got {}", j["drop_last"].dump()));
    c.drop_last = j["drop_last"].get<bool>();
  }
  for (size_t i = 0; i < j["buckets"].size(); ++i) {
    c.buckets.push_back(spec_from_json(j["buckets"][i], fmt::format("buckets[{}]", i)));
  }
  c.validate();
  return c;
}

BucketConfig BucketConfig::load(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw OpenError(fmt::format("{}: cannot open", path));
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    return from_json(ss.str());
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", path, e.what()));
  }
}

std::string BucketConfig::to_json() const {
  json list = json::array();
  for (const BucketSpec& s : buckets) {
    list.push_back({{"name", s.name}, {"area", s.area}, {"frames", s.frames},
                       {"aspect_ratios", s.aspect_ratios}, {"batch_size", s.batch_size}});
  }
  return json{{"multiple_of", multiple_of}, {"drop_last", drop_last}, {"buckets", list}}.dump(2);
}

void BucketConfig::validate() const {
  if (buckets.empty()) throw ConfigError("buckets: expected at least one bucket, got none");
  if (multiple_of < 1) throw ConfigError(fmt::format("multiple_of: expected a positive integer, got {}", multiple_of));
  std::set<std::pair<std::string, int64_t>> seen;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const BucketSpec& s = buckets[i];
    const std::string where = fmt::format("buckets[{}] ({})", i, s.name);
    if (s.area < 1) throw ConfigError(fmt::format("{}.area: expected a positive integer, got {}", where, s.area));
    if (s.batch_size < 1) {
      throw ConfigError(fmt::format("{}.batch_size: expected a positive integer, got {}", where, s.batch_size));
    }
    if (s.frames.empty()) throw ConfigError(fmt::format("{}.frames: expected at least one clip length", where));
    if (s.aspect_ratios.empty()) throw ConfigError(fmt::format("{}.aspect_ratios: expected at least one", where));
    for (int64_t f : s.frames) {
      if (f < 1) throw ConfigError(fmt::format("{}.frames: expected positive integers, got {}", where, f));
      if (!seen.insert({s.name, f}).second) {
        throw ConfigError(fmt::format("{}: bucket {} with {} frames is defined twice", where, s.name, f));
      }
    }
    for (const std::string& r : s.aspect_ratios) parse_aspect_ratio(r, where + ".aspect_ratios");
  }
}

}  // namespace vidrep
