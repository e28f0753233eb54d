#include "vidrep/track/track_file.h"

#include "vidrep/error.h"
#include "vidrep/sample/frame_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace vidrep::track {

void validate(const TrackFileOptions& o) {
  if (o.short_side < 16 || o.short_side > 4096) throw InvalidArgument(fmt::format("--size {}: expected 16..4096", o.short_side));
  if (!(o.min_area > 0 && o.min_area < 1)) throw InvalidArgument(fmt::format("--min-area {}: expected in (0, 1)", o.min_area));
  if (!(o.still_seconds > 0)) throw InvalidArgument(fmt::format("--still {}: expected > 0 seconds", o.still_seconds));
}

ObjectTracker::ObjectTracker(int width, int height, int native_width, int native_height, double fps,
                             const TrackFileOptions& o)
    : w_(width),
      h_(height),
      sx_(static_cast<float>(native_width) / static_cast<float>(width)),
      sy_(static_cast<float>(native_height) / static_cast<float>(height)),
      min_pixels_(std::max(4, static_cast<int>(std::lround(o.min_area * width * height)))),
      still_frames_(std::max<int64_t>(1, std::llround(o.still_seconds * (fps > 0 ? fps : 25.0)))),
      background_(width, height, o.background),
      tracker_(o.tracker) {
  validate(o);
}

std::vector<Tracked> ObjectTracker::update(const uint8_t* rgb) {
  const std::vector<uint8_t>& mask = background_.apply(rgb);
  activity_ = static_cast<double>(std::count(mask.begin(), mask.end(), uint8_t{1})) / static_cast<double>(mask.size());
  std::vector<Tracked> objects = tracker_.update(blobs(mask, w_, h_, min_pixels_));
  absorbed_.clear();
  for (Tracked& t : objects) {
    // A track that stays put is background (a ghost, or an object that stopped): absorbed.
    Still& put = still_[t.id];
    if (put.frames > 0 && iou(put.at, t.box) >= 0.8f) {
      if (++put.frames >= still_frames_) {
        background_.absorb(t.box);
        absorbed_.push_back({t.box.x * sx_, t.box.y * sy_, t.box.w * sx_, t.box.h * sy_});
        put.frames = 0;
      }
    } else {
      put = {t.box, 1};
    }
    t.box = {t.box.x * sx_, t.box.y * sy_, t.box.w * sx_, t.box.h * sy_};
  }
  return objects;
}

TrackFileResult track_file(const std::string& path, const TrackFileOptions& o,
                           const std::function<void(const FrameTracks&)>& on_frame) {
  validate(o);
  FrameStream stream(path, {.reader = {.short_side = o.short_side, .threads = o.threads}, .batch = 16});
  const VideoReader& reader = stream.reader();
  const int w = reader.width(), h = reader.height();
  TrackFileResult r;
  r.path = path;
  r.frames = reader.num_frames();
  r.fps = reader.fps();
  r.width = reader.native_width();
  r.height = reader.native_height();
  ObjectTracker tracker(w, h, r.width, r.height, r.fps, o);
  std::map<int64_t, TrackSummary> spans;
  while (auto batch = stream.next()) {
    const int64_t frame_bytes = int64_t{w} * h * 3;
    for (size_t i = 0; i < batch->indices.size(); ++i) {
      const uint8_t* rgb = batch->frames.data<uint8_t>() + static_cast<int64_t>(i) * frame_bytes;
      FrameTracks f{batch->indices[i], batch->times[i], tracker.update(rgb), tracker.absorbed(), r.width, r.height, rgb, w, h};
      for (const Tracked& t : f.objects) {
        auto [it, fresh] = spans.try_emplace(t.id);
        TrackSummary& s = it->second;
        if (fresh) {
          s.id = t.id;
          s.first_frame = f.frame;
          s.start = f.time;
          s.first_box = t.box;
        }
        s.last_frame = f.frame;
        s.end = f.time;
        s.last_box = t.box;
        ++s.detections;
      }
      if (on_frame) on_frame(f);
    }
  }
  for (auto& [id, s] : spans) r.tracks.push_back(s);
  return r;
}

std::string mot_lines(const FrameTracks& f) {
  std::string out;
  for (const Tracked& t : f.objects) {
    out += fmt::format("{},{},{:.2f},{:.2f},{:.2f},{:.2f},1,-1,-1,-1\n", f.frame + 1, t.id, t.box.x, t.box.y, t.box.w, t.box.h);
  }
  return out;
}

}  // namespace vidrep::track
