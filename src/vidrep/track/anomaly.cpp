#include "vidrep/track/anomaly.h"

#include "vidrep/config_json.h"
#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/io/output_file.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

namespace vidrep::track {
namespace {

namespace fs = std::filesystem;

constexpr double kWindow = 0.5;       // seconds of the short-term velocity
constexpr double kSmooth = 1.5;       // seconds of score smoothing
constexpr double kFrameSmooth = 0.2;  // of the frame model's (anomaly.h)
constexpr double kLongWindow = 2.0;   // seconds of the long-term velocity
constexpr double kMinAge = 0.3;       // seconds of track before it has features
constexpr double kVelocityBand = 0.02, kLogBand = 0.25;
// The feet's position within a cell, in picture heights: objects a lane apart are apart.
constexpr double kPositionBand = 0.015;
constexpr size_t kPosition = 6;      // the first position feature (Features)
constexpr double kPrior = 5;         // samples' worth of the cell's density in an object's score
constexpr double kStartup = 3.0;      // seconds at a video's start whose stops are the tracker's
constexpr double kStopLinger = 10.0;  // seconds a stop is scored
constexpr double kFloor = 1e-6;       // density floor: the highest score is -log(1e-6) = 13.8
constexpr int64_t kMinSamples = 20;   // fewer normal samples around: a place normal objects never were

// Deterministic reservoir sampling (the same model from the same videos).
struct Reservoir {
  std::vector<Features> kept;
  int64_t seen = 0;
  uint64_t state = 0x9E3779B97F4A7C15ull;
  void add(const Features& f, int limit) {
    ++seen;
    if (static_cast<int>(kept.size()) < limit) {
      kept.push_back(f);
      return;
    }
    state ^= state >> 12, state ^= state << 25, state ^= state >> 27;
    const uint64_t r = (state * 0x2545F4914F6CDD1Dull) % static_cast<uint64_t>(seen);
    if (r < static_cast<uint64_t>(limit)) kept[r] = f;
  }
};

// The weights of a run's two parts (anomaly.h): `both` brings each to 1 at its held-out maximum.
std::pair<double, double> part_weights(AnomalyMethod method, double object_max, double frame_max) {
  switch (method) {
    case AnomalyMethod::Density: return {1.0, 0.0};
    case AnomalyMethod::Predict: return {0.0, 1.0};
    case AnomalyMethod::Both: break;
  }
  return {1.0 / std::max(object_max, 1e-6), 1.0 / std::max(frame_max, 1e-6)};
}

}  // namespace

AnomalyMethod parse_anomaly_method(const std::string& name) {
  if (name == "density") return AnomalyMethod::Density;
  if (name == "predict") return AnomalyMethod::Predict;
  if (name == "both") return AnomalyMethod::Both;
  throw InvalidArgument(fmt::format("--method {}: expected density, predict or both", name));
}

std::string to_string(AnomalyMethod method) {
  switch (method) {
    case AnomalyMethod::Density: return "density";
    case AnomalyMethod::Predict: return "predict";
    case AnomalyMethod::Both: return "both";
  }
  return "density";
}

TrackFileOptions AnomalyModel::track_options() const {
  TrackFileOptions o;
  o.short_side = short_side;
  o.min_area = min_area;
  o.still_seconds = still_seconds;
  return o;
}

AnomalyScorer::AnomalyScorer(const AnomalyModel& model, int width, int height) : m_(model), w_(width), h_(height) {
  if (width < 1 || height < 1) throw InvalidArgument(fmt::format("anomaly: expected a picture size, got {}x{}", width, height));
  if (model.frame_model) frames_ = model.frame_model->scorer();
}

int AnomalyScorer::cell(double x, double y) const {
  const int cx = std::clamp(static_cast<int>(x * m_.grid_x), 0, m_.grid_x - 1);
  const int cy = std::clamp(static_cast<int>(y * m_.grid_y), 0, m_.grid_y - 1);
  return cy * m_.grid_x + cx;
}

double AnomalyScorer::score(double x, double y, const Features& f) const {
  if (m_.cells.empty()) return -std::log(kFloor);
  const int cx = cell(x, y) % m_.grid_x, cy = cell(x, y) / m_.grid_x;
  // The samples of the object's own cell; where it has too few, of the 3 x 3 cells around it,
  // then 5 x 5, then the whole picture. The density of the motion and shape features among the
  // samples near the object's position (weighted by the position kernel), shrunk towards their
  // density over all the cell's samples by kPrior samples' worth: where the footage has many
  // objects near this position, how they moved there; where it has few, how they moved in the cell.
  double near = 0, near_k = 0, all_k = 0;
  int64_t n = 0;
  for (const int reach : {0, 1, 2, std::max(m_.grid_x, m_.grid_y)}) {
    near = near_k = all_k = 0;
    n = 0;
    for (int dy = -reach; dy <= reach; ++dy) {
      for (int dx = -reach; dx <= reach; ++dx) {
        const int gx = cx + dx, gy = cy + dy;
        if (gx < 0 || gy < 0 || gx >= m_.grid_x || gy >= m_.grid_y) continue;
        const std::vector<Features>& cell = m_.cells[static_cast<size_t>(gy * m_.grid_x + gx)];
        for (const Features& s : cell) {
          double d = 0, d_position = 0;
          for (size_t k = 0; k < kPosition; ++k) d += (s[k] - f[k]) * (s[k] - f[k]);
          for (size_t k = kPosition; k < f.size(); ++k) d_position += (s[k] - f[k]) * (s[k] - f[k]);
          const double kernel = std::exp(-0.5 * d), weight = std::exp(-0.5 * d_position);
          all_k += kernel;
          near += weight;
          near_k += weight * kernel;
        }
        n += static_cast<int64_t>(cell.size());
      }
    }
    if (n >= kMinSamples) break;
  }
  if (n < kMinSamples) return -std::log(kFloor);
  return -std::log((near_k + kPrior * all_k / static_cast<double>(n)) / (near + kPrior) + kFloor);
}

double AnomalyScorer::update(double time, const std::vector<Tracked>& objects, const std::vector<Box>& absorbed,
                             const uint8_t* rgb, int width, int height) {
  if (start_ < 0) start_ = time;
  features_.clear();
  stops_.clear();
  double raw = 0;
  top_id_ = -1;
  const double margin = 0.01 * w_;
  for (const Tracked& t : objects) {
    History& h = history_[t.id];
    if (h.feet.empty()) h.first = time;
    h.last = time;
    const std::array<double, 2> feet{t.box.x + t.box.w / 2.0, t.box.y + t.box.h};
    h.feet.emplace_back(time, feet);
    while (h.feet.size() > 2 && time - h.feet[1].first >= kLongWindow) h.feet.pop_front();
    if (time - h.first < kMinAge || t.box.w <= 0 || t.box.h <= 0) continue;
    if (t.box.x < margin || t.box.y < margin || t.box.x + t.box.w > w_ - margin || t.box.y + t.box.h > h_ - margin) continue;
    // Velocities over the last 0.5 s and the last 2 s (or what the track has of them).
    auto recent = h.feet.begin();
    while (std::next(recent) != h.feet.end() && time - std::next(recent)->first >= kWindow) ++recent;
    const double dt = time - recent->first, dt_long = time - h.feet.front().first;
    if (dt <= 0 || dt_long <= 0) continue;
    const auto v = [&](const std::array<double, 2>& from, double span, int k) {
      return static_cast<float>((feet[static_cast<size_t>(k)] - from[static_cast<size_t>(k)]) / span / h_ / kVelocityBand);
    };
    const Features f{v(recent->second, dt, 0), v(recent->second, dt, 1), v(h.feet.front().second, dt_long, 0),
                     v(h.feet.front().second, dt_long, 1), static_cast<float>(std::log(t.box.h / t.box.w) / kLogBand),
                     static_cast<float>(std::log(t.box.h / h_) / kLogBand), static_cast<float>(feet[0] / h_ / kPositionBand),
                     static_cast<float>(feet[1] / h_ / kPositionBand)};
    features_.emplace_back(t.id, f);
    if (const double s = score(feet[0] / w_, feet[1] / h_, f); s > raw || top_id_ < 0) {
      raw = std::max(raw, s);
      top_id_ = t.id;
      top_box_ = t.box;
    }
  }
  for (auto it = history_.begin(); it != history_.end();) {
    it = time - it->second.last > 5.0 ? history_.erase(it) : std::next(it);
  }
  // Stops: scored for a while by how rare normal stops are around their cell.
  if (time - start_ >= kStartup) {
    for (const Box& b : absorbed) {
      const int c = cell((b.x + b.w / 2.0) / w_, (b.y + b.h) / h_);
      stops_.push_back(c);
      int64_t around = 0;
      if (!m_.stops.empty()) {
        const int cx = c % m_.grid_x, cy = c / m_.grid_x;
        for (int gy = std::max(0, cy - 1); gy <= std::min(m_.grid_y - 1, cy + 1); ++gy) {
          for (int gx = std::max(0, cx - 1); gx <= std::min(m_.grid_x - 1, cx + 1); ++gx) around += m_.stops[static_cast<size_t>(gy * m_.grid_x + gx)];
        }
      }
      const double rate = m_.train_seconds > 0 ? static_cast<double>(around) / m_.train_seconds : 0.0;
      active_stops_.emplace_back(time, -std::log(rate * kStopLinger + kFloor));
      stop_boxes_.push_back(b);
    }
  }
  while (!active_stops_.empty() && time - active_stops_.front().first > kStopLinger) {
    active_stops_.pop_front();
    stop_boxes_.pop_front();
  }
  for (size_t i = 0; i < active_stops_.size(); ++i) {
    if (active_stops_[i].second > raw) {
      raw = active_stops_[i].second;
      top_id_ = 0;
      top_box_ = stop_boxes_[i];
    }
  }
  double frame_raw = 0;
  if (frames_) {
    if (rgb == nullptr || width < 1 || height < 1) throw InvalidArgument("anomaly: this run's frame model needs the frames");
    frame_raw = frames_->update(rgb, width, height);
  }
  recent_.push_back({time, raw, frame_raw});
  while (!recent_.empty() && time - recent_.front()[0] >= kSmooth) recent_.pop_front();
  object_score_ = frame_score_ = 0;
  int64_t frame_n = 0;
  for (const auto& r : recent_) {
    object_score_ += r[1];
    if (time - r[0] < kFrameSmooth) frame_score_ += r[2], ++frame_n;
  }
  object_score_ /= static_cast<double>(recent_.size());
  frame_score_ /= static_cast<double>(std::max<int64_t>(frame_n, 1));
  return m_.object_weight * object_score_ + m_.frame_weight * frame_score_;
}

std::vector<FrameScore> score_video(const AnomalyModel& model, const std::string& path, int threads) {
  TrackFileOptions o = model.track_options();
  o.threads = threads;
  std::unique_ptr<AnomalyScorer> scorer;
  std::vector<FrameScore> out;
  track_file(path, o, [&](const FrameTracks& f) {
    if (!scorer) scorer = std::make_unique<AnomalyScorer>(model, f.native_width, f.native_height);
    const double s = scorer->update(f.time, f.objects, f.absorbed, f.rgb, f.width, f.height);
    out.push_back({f.frame, f.time, s, scorer->object_score(), scorer->frame_score()});
  });
  return out;
}

AnomalyModel train_anomaly(const AnomalyOptions& o) {
  if (o.videos.empty()) throw InvalidArgument("anomaly train: no normal videos given");
  if (!(o.holdout >= 0 && o.holdout < 1)) throw InvalidArgument(fmt::format("--holdout {}: expected in [0, 1)", o.holdout));
  if (o.grid_x < 1 || o.grid_y < 1 || o.grid_x > 64 || o.grid_y > 64) {
    throw InvalidArgument(fmt::format("--grid {}x{}: expected 1..64 each", o.grid_x, o.grid_y));
  }
  if (o.max_samples < 100) throw InvalidArgument(fmt::format("max samples {}: expected >= 100", o.max_samples));
  validate(o.track);
  if (o.method != AnomalyMethod::Density && !o.frame_model) {
    throw InvalidArgument(fmt::format("anomaly train --method {}: no frame model given", to_string(o.method)));
  }
  std::vector<std::string> videos = o.videos;
  std::sort(videos.begin(), videos.end());
  const auto n = static_cast<int64_t>(videos.size());
  const int64_t held = n >= 2 ? std::clamp<int64_t>(std::llround(o.holdout * static_cast<double>(n)), 1, n - 1) : 0;
  AnomalyModel m;
  m.grid_x = o.grid_x;
  m.grid_y = o.grid_y;
  m.short_side = o.track.short_side;
  m.min_area = o.track.min_area;
  m.still_seconds = o.track.still_seconds;
  m.method = o.method;
  if (o.method != AnomalyMethod::Density) m.frame_model = o.frame_model;
  std::vector<Reservoir> cells(static_cast<size_t>(o.grid_x * o.grid_y));
  m.stops.assign(cells.size(), 0);
  // The features' scorer sees a model with the grid alone: no cells yet, and no frame model, which
  // learns here and scores only once fitted.
  AnomalyModel grid_only;
  grid_only.grid_x = m.grid_x, grid_only.grid_y = m.grid_y;
  int64_t done = 0;
  for (int64_t i = 0; i < n - held; ++i) {
    std::unique_ptr<AnomalyScorer> features;  // only its features and stops are used
    double first = -1, last = 0;
    int64_t frames = 0;
    track_file(videos[static_cast<size_t>(i)], o.track, [&](const FrameTracks& f) {
      if (!features) features = std::make_unique<AnomalyScorer>(grid_only, f.native_width, f.native_height);
      if (m.frame_model) m.frame_model->learn(f.rgb, f.width, f.height, frames == 0);
      if (first < 0) first = f.time;
      last = f.time;
      ++frames;
      features->update(f.time, f.objects, f.absorbed);
      const double width = f.native_width, height = f.native_height;
      for (const int c : features->stops()) ++m.stops[static_cast<size_t>(c)];
      for (const auto& [id, feat] : features->features()) {
        const auto it = std::find_if(f.objects.begin(), f.objects.end(), [id = id](const Tracked& t) { return t.id == id; });
        const double x = (it->box.x + it->box.w / 2.0) / width, y = (it->box.y + it->box.h) / height;
        const int cx = std::clamp(static_cast<int>(x * o.grid_x), 0, o.grid_x - 1);
        const int cy = std::clamp(static_cast<int>(y * o.grid_y), 0, o.grid_y - 1);
        cells[static_cast<size_t>(cy * o.grid_x + cx)].add(feat, o.max_samples);
        ++m.samples;
      }
    });
    ++m.train_videos;
    m.train_frames += frames;
    if (frames > 0) m.train_seconds += std::max(0.0, last - first - kStartup);
    if (o.progress) o.progress(++done, n, videos[static_cast<size_t>(i)]);
  }
  for (Reservoir& c : cells) m.cells.push_back(std::move(c.kept));
  if (m.frame_model) m.frame_model->fit();
  // The weights of the two parts, then the threshold: the highest score on the held-out videos
  // (or, with one video, on it).
  std::vector<FrameScore> held_scores;
  for (int64_t i = held > 0 ? n - held : 0; i < n; ++i) {
    for (const FrameScore& s : score_video(m, videos[static_cast<size_t>(i)], o.track.threads)) held_scores.push_back(s);
    if (held > 0) {
      ++m.holdout_videos;
      if (o.progress) o.progress(++done, n, videos[static_cast<size_t>(i)]);
    }
  }
  double object_max = 0, frame_max = 0;
  for (const FrameScore& s : held_scores) object_max = std::max(object_max, s.object_score), frame_max = std::max(frame_max, s.frame_score);
  std::tie(m.object_weight, m.frame_weight) = part_weights(m.method, object_max, frame_max);
  std::vector<double> scores;
  for (const FrameScore& s : held_scores) scores.push_back(m.object_weight * s.object_score + m.frame_weight * s.frame_score);
  m.holdout_frames = held > 0 ? static_cast<int64_t>(scores.size()) : 0;
  if (!scores.empty()) {
    std::sort(scores.begin(), scores.end());
    m.holdout_max = scores.back();
    m.holdout_p999 = scores[static_cast<size_t>(0.999 * static_cast<double>(scores.size() - 1))];
  }
  m.threshold = m.holdout_max;
  if (!o.out.empty()) m.save(o.out);
  return m;
}

void AnomalyModel::save(const std::string& run_dir) const {
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) throw WriteError(fmt::format("{}: cannot make the run folder: {}", run_dir, ec.message()));
  int64_t total = 0;
  for (const auto& c : cells) total += static_cast<int64_t>(c.size());
  // samples.npy: float32 [N, 9], the cell's index then the 8 features.
  Array rows(DType::Float32, {total, 9});
  float* p = rows.data<float>();
  for (size_t c = 0; c < cells.size(); ++c) {
    for (const Features& f : cells[c]) {
      *p++ = static_cast<float>(c);
      for (float v : f) *p++ = v;
    }
  }
  io::save_npy((fs::path(run_dir) / "samples.npy").string(), rows);
  const nlohmann::json j{{"kind", "anomaly"},           {"version", 2},
                         {"grid", {grid_x, grid_y}},     {"short_side", short_side},
                         {"min_area", min_area},         {"still_seconds", still_seconds},
                         {"threshold", threshold},       {"train_videos", train_videos},
                         {"train_frames", train_frames}, {"holdout_videos", holdout_videos},
                         {"holdout_frames", holdout_frames}, {"holdout_max", holdout_max},
                         {"holdout_p999", holdout_p999}, {"samples", samples}, {"kept", total},
                         {"train_seconds", train_seconds}, {"stops", stops},
                         {"method", to_string(method)}, {"object_weight", object_weight}, {"frame_weight", frame_weight}};
  if (frame_model) frame_model->save(run_dir);
  io::OutputFile file((fs::path(run_dir) / "model.json").string());
  std::ofstream f(file.temp_path(), std::ios::binary);
  f << j.dump(2) << "\n";
  f.close();
  if (!f) throw WriteError(fmt::format("{}: cannot write", file.path()));
  file.commit();
}

bool AnomalyModel::has_frame_model(const std::string& run_dir) {
  std::ifstream in(fs::path(run_dir) / "model.json");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("method") && j["method"].is_string() && j["method"].get<std::string>() != "density";
}

AnomalyModel AnomalyModel::load(const std::string& run_dir, const FrameModelLoader& frames) {
  AnomalyModel m = load_settings(run_dir);
  if (m.method != AnomalyMethod::Density) {
    if (!frames) {
      throw ConfigError(fmt::format("{}/model.json: a frame model ({}) needs vidrep-torch to load", run_dir, to_string(m.method)));
    }
    m.frame_model = frames(run_dir);
  }
  return m;
}

AnomalyModel AnomalyModel::load_settings(const std::string& run_dir) {
  const std::string path = (fs::path(run_dir) / "model.json").string();
  std::ifstream in(path);
  if (!in) throw OpenError(fmt::format("{}: cannot open (is {} an anomaly run from `vidrep anomaly train`?)", path, run_dir));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of range
    throw ConfigError(fmt::format("{}: not JSON: {}", path, e.what()));
  }
  if (!j.is_object() || j.value("kind", "") != "anomaly") throw ConfigError(fmt::format("{}: not an anomaly model", path));
  AnomalyModel m;
  const char* what = path.c_str();
  require_key(j.contains("grid") && j["grid"].is_array() && j["grid"].size() == 2, what, "grid", "expected [x, y]");
  m.grid_x = j["grid"][0].get<int>();
  m.grid_y = j["grid"][1].get<int>();
  require_key(m.grid_x >= 1 && m.grid_y >= 1 && m.grid_x <= 64 && m.grid_y <= 64, what, "grid", "expected 1..64 each");
  read_key(j, what, "short_side", m.short_side);
  read_key(j, what, "min_area", m.min_area);
  read_key(j, what, "still_seconds", m.still_seconds);
  read_key(j, what, "threshold", m.threshold);
  read_key(j, what, "train_videos", m.train_videos);
  read_key(j, what, "train_frames", m.train_frames);
  read_key(j, what, "holdout_videos", m.holdout_videos);
  read_key(j, what, "holdout_frames", m.holdout_frames);
  read_key(j, what, "holdout_max", m.holdout_max);
  read_key(j, what, "holdout_p999", m.holdout_p999);
  read_key(j, what, "samples", m.samples);
  read_key(j, what, "train_seconds", m.train_seconds);
  require_key(j.contains("stops") && j["stops"].is_array() && j["stops"].size() == static_cast<size_t>(m.grid_x * m.grid_y),
              what, "stops", "expected a count per cell");
  m.stops = j["stops"].get<std::vector<int64_t>>();
  if (j.contains("method")) {  // runs before 2026-12-02 have only the density
    require_key(j["method"].is_string(), what, "method", "expected density, predict or both");
    try {
      m.method = parse_anomaly_method(j["method"].get<std::string>());
    } catch (const InvalidArgument&) {
      require_key(false, what, "method", "expected density, predict or both");
    }
    read_key(j, what, "object_weight", m.object_weight);
    read_key(j, what, "frame_weight", m.frame_weight);
  }

  const Array samples = io::load_npy((fs::path(run_dir) / "samples.npy").string());
  if (samples.dtype() == DType::Float32 && samples.dim() == 2 && samples.shape()[1] == 7) {
    throw ConfigError(fmt::format("{}/samples.npy: made by an earlier vidrep (6 features, without the objects' "
                                  "positions): train the run again", run_dir));
  }
  if (samples.dtype() != DType::Float32 || samples.dim() != 2 || samples.shape()[1] != 9) {
    throw ConfigError(fmt::format("{}/samples.npy: expected float32 [N, 9], got {}", run_dir, describe(samples)));
  }
  m.cells.assign(static_cast<size_t>(m.grid_x * m.grid_y), {});
  const float* p = samples.data<float>();
  for (int64_t i = 0; i < samples.shape()[0]; ++i, p += 9) {
    const auto c = static_cast<int64_t>(p[0]);
    if (c < 0 || c >= m.grid_x * m.grid_y || static_cast<float>(c) != p[0]) {
      throw ConfigError(fmt::format("{}/samples.npy: row {} names cell {}, outside the {}x{} grid", run_dir, i, p[0], m.grid_x,
                                    m.grid_y));
    }
    m.cells[static_cast<size_t>(c)].push_back({p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]});
  }
  return m;
}

}  // namespace vidrep::track
