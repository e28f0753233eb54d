#include "vidrep/curate/stage.h"

#include "vidrep/array.h"
#include "vidrep/error.h"
#include "vidrep/io/cut.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/frame_index.h"
#include "vidrep/io/output_file.h"
#include "vidrep/io/probe.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/retrieval/descriptors.h"
#include "vidrep/shots/detector.h"
#include "vidrep/video_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vidrep::curate {
namespace {

namespace fs = std::filesystem;

constexpr int kAnalysisPairs = 8;     // neighbouring frame pairs sampled over a whole video
constexpr int kAnalysisSide = 64;
constexpr int kScoreFrames = 8;       // frames sampled over a clip for its scores
constexpr int kScoreSide = 128;

// Luma (BT.601) of packed RGB frames [N,H,W,3], as float planes.
std::vector<std::vector<float>> luma_of(const Array& frames) {
  const int64_t n = frames.shape()[0], pixels = frames.shape()[1] * frames.shape()[2];
  const uint8_t* p = frames.data<uint8_t>();
  std::vector<std::vector<float>> out(static_cast<size_t>(n), std::vector<float>(static_cast<size_t>(pixels)));
  for (int64_t f = 0; f < n; ++f) {
    for (int64_t i = 0; i < pixels; ++i) {
      const uint8_t* px = p + (f * pixels + i) * 3;
      out[static_cast<size_t>(f)][static_cast<size_t>(i)] = 0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2];
    }
  }
  return out;
}

double mean_of(const std::vector<float>& y) {
  double s = 0;
  for (float v : y) s += v;
  return s / static_cast<double>(y.size());
}

double std_of(const std::vector<float>& y) {
  const double m = mean_of(y);
  double s = 0;
  for (float v : y) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(y.size()));
}

double mean_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += std::abs(a[i] - b[i]);
  return s / static_cast<double>(a.size());
}

double laplacian_variance(const std::vector<float>& y, int64_t h, int64_t w) {
  if (h < 3 || w < 3) return 0;
  std::vector<double> l;
  l.reserve(static_cast<size_t>((h - 2) * (w - 2)));
  for (int64_t r = 1; r < h - 1; ++r) {
    for (int64_t c = 1; c < w - 1; ++c) {
      const auto at = [&](int64_t rr, int64_t cc) { return y[static_cast<size_t>(rr * w + cc)]; };
      l.push_back(at(r - 1, c) + at(r + 1, c) + at(r, c - 1) + at(r, c + 1) - 4.0 * at(r, c));
    }
  }
  double m = 0, s = 0;
  for (double v : l) m += v;
  m /= static_cast<double>(l.size());
  for (double v : l) s += (v - m) * (v - m);
  return s / static_cast<double>(l.size());
}

// The reason a whole video is not worth clipping, or "".
std::string reject_reason(const std::string& path, const MediaInfo& info, const StreamInfo& v, const CurateConfig& c) {
  const double duration = v.duration > 0 ? v.duration : info.duration;
  if (duration < c.min_seconds) return fmt::format("too short: {:.2f} s (< {} s)", duration, c.min_seconds);
  if (std::min(v.width, v.height) < c.min_side) {
    return fmt::format("too small: {}x{} (shorter side < {})", v.width, v.height, c.min_side);
  }
  VideoReader reader(path, {.short_side = kAnalysisSide, .threads = 1, .strict = false});
  const int64_t n = reader.num_frames();
  std::vector<int64_t> frames;
  for (int k = 0; k < kAnalysisPairs; ++k) {
    const int64_t i = std::min<int64_t>((n - 2) * (2 * k + 1) / (2 * kAnalysisPairs), n - 2);
    frames.push_back(std::max<int64_t>(i, 0));
    frames.push_back(std::min<int64_t>(std::max<int64_t>(i, 0) + 1, n - 1));
  }
  const auto y = luma_of(reader.read_frames(frames));
  int bad = 0;
  double motion = 0;
  for (size_t f = 0; f < y.size(); ++f) {
    if (mean_of(y[f]) <= c.dark_luma || std_of(y[f]) < c.flat_std) ++bad;
    if (f % 2 == 1) motion += mean_abs_diff(y[f - 1], y[f]) / kAnalysisPairs;
  }
  if (bad >= c.bad_fraction * static_cast<double>(y.size())) {
    return fmt::format("mostly black or blank: {} of {} sampled frames", bad, y.size());
  }
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

ClipScores score_clip(VideoReader& reader, int64_t first, int64_t last) {
  std::vector<int64_t> frames;
  for (int k = 0; k < kScoreFrames; ++k) frames.push_back(first + (last - first) * k / (kScoreFrames - 1));
  const Array x = reader.read_frames(frames);
  const auto y = luma_of(x);
  ClipScores s;
  for (size_t f = 0; f < y.size(); ++f) {
    s.brightness += mean_of(y[f]) / kScoreFrames;
    s.contrast += std_of(y[f]) / kScoreFrames;
    s.sharpness += laplacian_variance(y[f], x.shape()[1], x.shape()[2]) / kScoreFrames;
    if (f > 0) s.motion += mean_abs_diff(y[f - 1], y[f]) / (kScoreFrames - 1);
  }
  return s;
}

// A clip's descriptor for deduplication: its per-second handcrafted descriptors, averaged and
// L2-normalised.
std::vector<float> describe_clip(const retrieval::DescriptorExtractor& extractor, const std::string& clip) {
  const retrieval::VideoDescriptors d = extractor.embed(clip);
  const int64_t rows = d.rows(), dim = d.features.shape()[1];
  std::vector<float> v(static_cast<size_t>(dim), 0.0f);
  const float* f = d.features.data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < dim; ++i) v[static_cast<size_t>(i)] += f[r * dim + i];
  }
  double norm = 0;
  for (float x : v) norm += double{x} * x;
  norm = std::sqrt(norm);
  for (float& x : v) x = norm > 0 ? static_cast<float>(x / norm) : 0.0f;
  return v;
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
    const std::string reason = reject_reason(path, info, *v, c);
    stage_done("probe");
    if (!reason.empty()) {
      unit["status"] = "rejected";
      unit["reason"] = reason;
    } else {
      const shots::ShotList shots = shots::detect_shots(path, {.threads = 1});
      const std::vector<io::CutRange> ranges = clip_ranges(shots, key_frames(path), c);
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
      VideoReader scorer(path, {.short_side = kScoreSide, .threads = 1, .strict = false});
      retrieval::EmbedConfig embed;
      embed.threads = 1;
      const auto extractor = retrieval::make_feature_extractor(embed);
      for (size_t i = 0; i < clips.size(); ++i) {
        const io::CutClip& clip = clips[i];
        const ClipScores s = score_clip(scorer, clip.first_frame, clip.last_frame);
        stage_done("scores");
        std::vector<float> descriptor = describe_clip(*extractor, paths[i]);
        stage_done("describe");
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
                                 {"descriptor", std::move(descriptor)}});
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
