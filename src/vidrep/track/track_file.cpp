#include "vidrep/track/track_file.h"

#include "vidrep/error.h"
#include "vidrep/sample/frame_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace vidrep::track {

TrackFileResult track_file(const std::string& path, const TrackFileOptions& o,
                           const std::function<void(const FrameTracks&)>& on_frame) {
  if (o.short_side < 16 || o.short_side > 4096) throw InvalidArgument(fmt::format("--size {}: expected 16..4096", o.short_side));
  if (!(o.min_area > 0 && o.min_area < 1)) throw InvalidArgument(fmt::format("--min-area {}: expected in (0, 1)", o.min_area));
  if (!(o.still_seconds > 0)) throw InvalidArgument(fmt::format("--still {}: expected > 0 seconds", o.still_seconds));
  FrameStream stream(path, {.reader = {.short_side = o.short_side, .threads = o.threads}, .batch = 16});
  const VideoReader& reader = stream.reader();
  const int w = reader.width(), h = reader.height();
  BackgroundModel background(w, h, o.background);
  Tracker tracker(o.tracker);
  const int min_pixels = std::max(4, static_cast<int>(std::lround(o.min_area * w * h)));
  const float sx = static_cast<float>(reader.native_width()) / static_cast<float>(w);
  const float sy = static_cast<float>(reader.native_height()) / static_cast<float>(h);
  TrackFileResult r;
  r.path = path;
  r.frames = reader.num_frames();
  r.fps = reader.fps();
  r.width = reader.native_width();
  r.height = reader.native_height();
  std::map<int64_t, TrackSummary> spans;
  // Per track: where it stood still since, and for how many frames.
  struct Still {
    Box at;
    int64_t frames = 0;
  };
  std::map<int64_t, Still> still;
  const auto still_frames = std::max<int64_t>(1, std::llround(o.still_seconds * (r.fps > 0 ? r.fps : 25.0)));
  while (auto batch = stream.next()) {
    const int64_t frame_bytes = int64_t{w} * h * 3;
    for (size_t i = 0; i < batch->indices.size(); ++i) {
      const std::vector<uint8_t>& mask = background.apply(batch->frames.data<uint8_t>() + static_cast<int64_t>(i) * frame_bytes);
      FrameTracks f{batch->indices[i], batch->times[i], tracker.update(blobs(mask, w, h, min_pixels))};
      for (Tracked& t : f.objects) {
        // A track that stays put is background (a ghost, or an object that stopped): absorbed.
        Still& put = still[t.id];
        if (put.frames > 0 && iou(put.at, t.box) >= 0.8f) {
          if (++put.frames >= still_frames) {
            background.absorb(t.box);
            put.frames = 0;
          }
        } else {
          put = {t.box, 1};
        }
        t.box = {t.box.x * sx, t.box.y * sy, t.box.w * sx, t.box.h * sy};
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
