#include "vidrep/curate/stage.h"

#include "vidrep/curate/analysis.h"

#include "vidrep/error.h"
#include "vidrep/io/cut.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/frame_index.h"
#include "vidrep/io/npy.h"
#include "vidrep/io/output_file.h"
#include "vidrep/io/probe.h"
#include "vidrep/shots/detector.h"
#include "vidrep/video_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace vidrep::curate {
namespace {

namespace fs = std::filesystem;

// The reason a whole video is not worth clipping from its metadata, or "".
std::string metadata_reason(const MediaInfo& info, const StreamInfo& v, const CurateConfig& c) {
  const double duration = v.duration > 0 ? v.duration : info.duration;
  if (duration < c.min_seconds) return fmt::format("too short: {:.2f} s (< {} s)", duration, c.min_seconds);
  if (std::min(v.width, v.height) < c.min_side) {
    return fmt::format("too small: {}x{} (shorter side < {})", v.width, v.height, c.min_side);
  }
  return "";
}

// ... or from its pictures.
std::string content_reason(const VideoAnalysis& a, const CurateConfig& c) {
  const double bad = a.bad_fraction(c.dark_luma, c.flat_std);
  if (bad >= c.bad_fraction) return fmt::format("mostly black or blank: {:.0f} % of the frames", 100 * bad);
  const double motion = a.mean_motion();
  if (motion < c.static_motion) return fmt::format("static: mean frame change {:.3f} (< {})", motion, c.static_motion);
  return "";
}

// The frames decoding can start at (key frames, in presentation order).
std::vector<int64_t> key_frames(const std::string& path) {
  io::Demuxer demuxer(path);
  const int video = demuxer.select_stream(AVMEDIA_TYPE_VIDEO, -1);
  const io::FrameIndex index(demuxer, video);
  std::vector<int64_t> keys;
  for (const io::KeyPacket& k : index.keys()) {
    if (index.decode_order()) {
      keys.push_back(k.first_frame);
    } else {
      const int64_t f = index.displayed_at(k.pts);
      if (f >= 0 && index[f].pts == k.pts) keys.push_back(f);
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Shots as clips: each shot long enough, longer ones cut into pieces no longer than the maximum,
// at key frames where one falls in the allowed span (a piece from key frame to key frame is
// copied whole by the cut, not re-encoded), else into equal pieces.
std::vector<io::CutRange> clip_ranges(const shots::ShotList& list, const std::vector<int64_t>& keys, const CurateConfig& c) {
  std::vector<io::CutRange> ranges;
  for (const auto& s : list.shots) {
    const int64_t frames = s.end_frame - s.start_frame + 1;
    const double seconds = s.end - s.start;
    if (seconds < c.clip_min_seconds || frames < 2) continue;
    const double fps = static_cast<double>(frames) / seconds;
    const auto min_frames = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(c.clip_min_seconds * fps - 1e-9)));
    const auto max_frames = std::max<int64_t>(min_frames, static_cast<int64_t>(std::floor(c.clip_max_seconds * fps + 1e-9)));
    int64_t start = s.start_frame;
    while (s.end_frame - start + 1 > max_frames) {
      // The last key frame that leaves a piece of min_frames..max_frames before it.
      auto k = std::upper_bound(keys.begin(), keys.end(), start + max_frames);
      int64_t next = -1;
      if (k != keys.begin() && *std::prev(k) >= start + min_frames) next = *std::prev(k);
      if (next < 0) {
        const int64_t left = s.end_frame - start + 1, pieces = (left + max_frames - 1) / max_frames;
        next = start + left / pieces;
      }
      ranges.push_back({.first = start, .last = next - 1});
      start = next;
    }
    if (s.end_frame - start + 1 >= min_frames) ranges.push_back({.first = start, .last = s.end_frame});
  }
  return ranges;
}

double round6(double v) { return std::round(v * 1e6) / 1e6; }

}  // namespace

std::string video_key(const std::string& path) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : resolved_path(path)) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", h);
}

namespace {

nlohmann::json read_unit(const std::string& path) {
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception&) {  // a syntax error, or a number out of range
    return nullptr;  // written atomically, so only a hand-edited unit gets here: staged again
  }
}

// Splits clips [0, n) into at most `groups` runs of neighbouring clips of about equal frames, each
// starting at a clip that starts on a key frame (the first excepted), so that no run decodes
// frames another run decodes: the first index of each run.
std::vector<size_t> split_runs(const std::vector<io::CutRange>& ranges, const std::vector<int64_t>& keys, int groups) {
  int64_t total = 0;
  for (const auto& r : ranges) total += r.last - r.first + 1;
  std::vector<size_t> begin = {0};
  int64_t sum = 0;
  for (size_t i = 0; i + 1 < ranges.size(); ++i) {
    sum += ranges[i].last - ranges[i].first + 1;
    const bool at_key = std::binary_search(keys.begin(), keys.end(), ranges[i + 1].first);
    if (static_cast<int>(begin.size()) < groups && at_key && sum * groups >= total * static_cast<int64_t>(begin.size())) {
      begin.push_back(i + 1);
    }
  }
  return begin;
}

}  // namespace

StagedVideo::StagedVideo(const std::string& path, const std::string& work_dir, const CurateConfig& config, int groups,
                         const LatentEncoderFn* latents)
    : path_(path), work_dir_(work_dir), config_(config), latents_(latents) {
  fs::create_directories(work_dir);
  const std::string key = video_key(path);
  done_path_ = (fs::path(work_dir) / (key + ".json")).string();
  if (fs::exists(done_path_)) {
    unit_ = read_unit(done_path_);
    // (a unit staged without latents is staged again when they are asked for now)
    const auto lacks_latent = [](const nlohmann::json& clip) { return !clip.contains("latent"); };
    if (!unit_.is_null() && !(latents_ != nullptr && unit_.value("status", "") == "ok" &&
                              std::any_of(unit_["clips"].begin(), unit_["clips"].end(), lacks_latent))) {
      resumed_ = true;
      return;
    }
  }
  unit_ = {{"source", resolved_path(path)}, {"key", key}, {"status", "ok"}, {"reason", ""}, {"clips", nlohmann::json::array()}};
  auto lap = std::chrono::steady_clock::now();
  const auto stage_done = [&](const char* stage) {
    const auto now = std::chrono::steady_clock::now();
    add_seconds(stage, std::chrono::duration<double>(now - lap).count());
    lap = now;
  };
  std::string reason;
  try {
    const MediaInfo info = probe(path);
    const auto v = std::find_if(info.streams.begin(), info.streams.end(), [](const StreamInfo& s) { return s.type == "video"; });
    if (v == info.streams.end()) throw OpenError(fmt::format("{}: no video stream", path));
    unit_["duration"] = round6(v->duration > 0 ? v->duration : info.duration);
    unit_["width"] = v->width;
    unit_["height"] = v->height;
    unit_["fps"] = round6(v->fps);
    unit_["has_audio"] = std::any_of(info.streams.begin(), info.streams.end(), [](const StreamInfo& s) { return s.type == "audio"; });
    reason = metadata_reason(info, *v, config);
    stage_done("probe");
    if (reason.empty()) {
      analysis_ = analyse_video(path);
      reason = content_reason(*analysis_, config);
      stage_done("analysis");
    }
    if (reason.empty()) {
      const std::vector<int64_t> keys = key_frames(path);
      ranges_ = clip_ranges(analysis_->shots, keys, config);
      if (ranges_.empty()) reason = fmt::format("no shot of at least {} s", config.clip_min_seconds);
      runs_ = split_runs(ranges_, keys, groups);
      stage_done("shots");
    }
  } catch (const OpenError& e) {
    reason = std::string("corrupt: ") + e.what();
  } catch (const DecodeError& e) {
    reason = std::string("corrupt: ") + e.what();
  }
  if (!reason.empty()) {
    unit_["status"] = "rejected";
    unit_["reason"] = reason;
    ranges_.clear();
    runs_.clear();
    analysis_.reset();
  }
  cut_.resize(runs_.size());
  errors_.resize(runs_.size());
}

void StagedVideo::add_seconds(const std::string& stage, double s) {
  const std::lock_guard lock(mu_);
  seconds_[stage] = seconds_.value(stage, 0.0) + s;
}

std::string StagedVideo::clip_path(size_t i) const {
  return (fs::path(work_dir_) / fmt::format("{}-{:03}.mp4", unit_["key"].get<std::string>(), i + 1)).string();
}

void StagedVideo::cut(int group) {
  const auto start = std::chrono::steady_clock::now();
  const auto g = static_cast<size_t>(group);
  const size_t from = runs_[g], to = g + 1 < runs_.size() ? runs_[g + 1] : ranges_.size();
  std::vector<std::string> paths;
  for (size_t i = from; i < to; ++i) paths.push_back(clip_path(i));
  try {
    // One thread per clip encode: the same bytes whatever the machine's cores.
    cut_[g] = io::cut_clips(path_, {ranges_.begin() + static_cast<std::ptrdiff_t>(from), ranges_.begin() + static_cast<std::ptrdiff_t>(to)},
                            paths, {.crf = static_cast<int>(config_.clip_crf), .preset = config_.clip_preset, .threads = 1});
  } catch (const OpenError& e) {
    errors_[g] = std::string("corrupt: ") + e.what();
  } catch (const DecodeError& e) {
    errors_[g] = std::string("corrupt: ") + e.what();
  }
  const auto cut_done = std::chrono::steady_clock::now();
  add_seconds("cut", std::chrono::duration<double>(cut_done - start).count());
  if (latents_ == nullptr || !errors_[g].empty()) return;
  for (const std::string& clip : paths) io::save_npy(latent_path(clip), (*latents_)(clip));
  add_seconds("latents", std::chrono::duration<double>(std::chrono::steady_clock::now() - cut_done).count());
}

std::string StagedVideo::latent_path(const std::string& clip) {
  return (fs::path(clip).parent_path() / (fs::path(clip).stem().string() + ".latent.npy")).string();
}

nlohmann::json StagedVideo::finish() {
  if (resumed_) return unit_;
  const auto error = std::find_if(errors_.begin(), errors_.end(), [](const std::string& e) { return !e.empty(); });
  if (error != errors_.end()) {
    unit_["status"] = "rejected";
    unit_["reason"] = *error;
  } else {
    size_t i = 0;
    for (const auto& run : cut_) {
      for (const io::CutClip& clip : run) {
        const ClipScores s = analysis_->scores(clip.first_frame, clip.last_frame);
        const std::string file = clip_path(i++);
        unit_["clips"].push_back({{"file", fs::path(file).filename().string()},
                                  {"first_frame", clip.first_frame},
                                  {"last_frame", clip.last_frame},
                                  {"frames", clip.last_frame - clip.first_frame + 1},
                                  {"start", round6(clip.start)},
                                  {"end", round6(clip.end)},
                                  {"mode", clip.mode},
                                  {"scores",
                                   {{"motion", round6(s.motion)},
                                    {"sharpness", round6(s.sharpness)},
                                    {"brightness", round6(s.brightness)},
                                    {"contrast", round6(s.contrast)}}},
                                  {"descriptor", analysis_->descriptor(clip.start, clip.end)}});
        if (latents_ != nullptr) unit_["clips"].back()["latent"] = fs::path(latent_path(file)).filename().string();
      }
    }
  }
  analysis_.reset();
  unit_["seconds"] = seconds_;
  io::write_file(done_path_, unit_.dump() + "\n");
  return unit_;
}

}  // namespace vidrep::curate
