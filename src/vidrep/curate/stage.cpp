#include "vidrep/curate/stage.h"

#include "vidrep/curate/analysis.h"

#include "vidrep/error.h"
#include "vidrep/io/cut.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/frame_index.h"
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

nlohmann::json stage_video(const std::string& path, const std::string& work_dir, const CurateConfig& c) {
  fs::create_directories(work_dir);
  const std::string key = video_key(path);
  const std::string done = (fs::path(work_dir) / (key + ".json")).string();
  if (fs::exists(done)) {
    std::ifstream f(done);
    std::stringstream text;
    text << f.rdbuf();
    try {
      return nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::parse_error&) {
      // written atomically, so only a hand-edited unit gets here: staged again below
    }
  }
  nlohmann::json unit = {{"source", resolved_path(path)}, {"key", key}, {"status", "ok"}, {"reason", ""},
                         {"clips", nlohmann::json::array()}};
  // Where this unit's time went (not part of the curated outputs, which must not vary).
  nlohmann::json seconds = nlohmann::json::object();
  auto lap = std::chrono::steady_clock::now();
  const auto stage_done = [&](const char* stage) {
    const auto now = std::chrono::steady_clock::now();
    seconds[stage] = seconds.value(stage, 0.0) + std::chrono::duration<double>(now - lap).count();
    lap = now;
  };
  try {
    const MediaInfo info = probe(path);
    const auto v = std::find_if(info.streams.begin(), info.streams.end(), [](const StreamInfo& s) { return s.type == "video"; });
    if (v == info.streams.end()) throw OpenError(fmt::format("{}: no video stream", path));
    unit["duration"] = round6(v->duration > 0 ? v->duration : info.duration);
    unit["width"] = v->width;
    unit["height"] = v->height;
    unit["fps"] = round6(v->fps);
    unit["has_audio"] = std::any_of(info.streams.begin(), info.streams.end(), [](const StreamInfo& s) { return s.type == "audio"; });
    std::string reason = metadata_reason(info, *v, c);
    stage_done("probe");
    std::optional<VideoAnalysis> analysis;
    if (reason.empty()) {
      analysis = analyse_video(path);
      reason = content_reason(*analysis, c);
      stage_done("analysis");
    }
    if (!reason.empty()) {
      unit["status"] = "rejected";
      unit["reason"] = reason;
    } else {
      const std::vector<io::CutRange> ranges = clip_ranges(analysis->shots, key_frames(path), c);
      stage_done("shots");
      if (ranges.empty()) {
        unit["status"] = "rejected";
        unit["reason"] = fmt::format("no shot of at least {} s", c.clip_min_seconds);
      }
      std::vector<std::string> files;
      for (size_t i = 0; i < ranges.size(); ++i) files.push_back(fmt::format("{}-{:03}.mp4", key, i + 1));
      std::vector<std::string> paths;
      for (const auto& f : files) paths.push_back((fs::path(work_dir) / f).string());
      // One thread per clip encode: the same bytes whatever the machine's cores. The partial GOPs
      // are re-encoded with libx264's veryfast preset (2-3x fast's speed; crf 16 keeps the quality).
      const std::vector<io::CutClip> clips =
          ranges.empty() ? std::vector<io::CutClip>{}
                         : io::cut_clips(path, ranges, paths, {.preset = "veryfast", .threads = 1});
      stage_done("cut");
      for (size_t i = 0; i < clips.size(); ++i) {
        const io::CutClip& clip = clips[i];
        const ClipScores s = analysis->scores(clip.first_frame, clip.last_frame);
        unit["clips"].push_back({{"file", files[i]},
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
                                 {"descriptor", analysis->descriptor(clip.start, clip.end)}});
      }
    }
  } catch (const OpenError& e) {
    unit["status"] = "rejected";
    unit["reason"] = std::string("corrupt: ") + e.what();
  } catch (const DecodeError& e) {
    unit["status"] = "rejected";
    unit["reason"] = std::string("corrupt: ") + e.what();
  }
  stage_done("probe");  // (what a rejection after probing took)
  unit["seconds"] = seconds;
  io::write_file(done, unit.dump() + "\n");
  return unit;
}

}  // namespace vidrep::curate
