// What the web app shows of a video file, made on first request and kept: its metadata (probe),
// PNG thumbnails, and for a file a browser cannot play (an AVI, MPEG-4 Part 2, HEVC, ...) an H.264
// MP4 preview (io/cut.h's re-encode). Safe to call from several request threads at once.
//
//   serve::MediaCache media("/tmp/cache", 2);
//   std::string png = media.thumbnail("a.avi", 3.0);
//   serve::Playable p = media.playable("a.avi");   // p.path: a.avi itself or the preview
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace vidrep::serve {

struct Playable {
  std::string path;          // the file to send
  std::string content_type;  // video/mp4, video/webm
  bool preview = false;      // re-encoded for the browser
};

class MediaCache {
 public:
  // `folder`: where previews are written; `threads`: decoder/encoder threads (0: one per core).
  MediaCache(std::string folder, int threads);

  // {codec, width, height, fps, frames, duration, format, size, audio, playable, content_type}.
  // OpenError / DecodeError.
  nlohmann::json info(const std::string& path);
  // The frame shown at `seconds` (< 0: the middle frame), 240 pixels wide at most, as PNG.
  std::string thumbnail(const std::string& path, double seconds);
  // What to send a browser for `path`; makes the preview the first time (seconds for a short file).
  Playable playable(const std::string& path);

 private:
  std::string folder_;
  int threads_;
  std::mutex mutex_;          // the maps
  std::mutex preview_mutex_;  // one preview made at a time
  std::map<std::string, nlohmann::json> info_;
  std::map<std::pair<std::string, int64_t>, std::string> thumbnails_;  // (path, tenths of a second)
  std::list<std::pair<std::string, int64_t>> thumbnail_order_;         // oldest first
  int64_t thumbnail_bytes_ = 0;
  std::map<std::string, std::string> previews_;
};

}  // namespace vidrep::serve
