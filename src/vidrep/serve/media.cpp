#include "vidrep/serve/media.h"

#include "vidrep/error.h"
#include "vidrep/io/cut.h"
#include "vidrep/io/image_writer.h"
#include "vidrep/io/probe.h"
#include "vidrep/io/video_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>

namespace vidrep::serve {
namespace {

namespace fs = std::filesystem;

constexpr int kThumbnailWidth = 240;
constexpr int64_t kThumbnailCacheBytes = int64_t{64} << 20;

const StreamInfo* video_stream(const MediaInfo& m) {
  for (const StreamInfo& s : m.streams) {
    if (s.type == "video") return &s;
  }
  return nullptr;
}

// What Chromium, Firefox and Safari all play: H.264 / VP9 / AV1 in MP4, VP8 / VP9 / AV1 in WebM,
// 8-bit 4:2:0.
std::string browser_type(const std::string& path, const MediaInfo& m) {
  const StreamInfo* v = video_stream(m);
  if (!v || (v->pix_fmt != "yuv420p" && v->pix_fmt != "yuvj420p")) return "";
  const std::string ext = fs::path(path).extension().string();
  if (m.format.find("mp4") != std::string::npos && (v->codec == "h264" || v->codec == "vp9" || v->codec == "av1")) {
    return "video/mp4";
  }
  if (ext == ".webm" && (v->codec == "vp8" || v->codec == "vp9" || v->codec == "av1")) return "video/webm";
  return "";
}

}  // namespace

MediaCache::MediaCache(std::string folder, int threads) : folder_(std::move(folder)), threads_(threads) {}

nlohmann::json MediaCache::info(const std::string& path) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = info_.find(path); it != info_.end()) return it->second;
  }
  const MediaInfo m = probe(path);
  const std::string type = browser_type(path, m);
  nlohmann::json j = {{"format", m.format}, {"duration", m.duration}, {"size", m.size_bytes},
                      {"playable", !type.empty()}, {"content_type", type}, {"audio", nullptr}};
  if (const StreamInfo* v = video_stream(m)) {
    j.update({{"codec", v->codec}, {"width", v->width}, {"height", v->height}, {"fps", v->fps}, {"frames", v->frames}});
  }
  for (const StreamInfo& s : m.streams) {
    if (s.type == "audio") {
      j["audio"] = {{"codec", s.codec}, {"sample_rate", s.sample_rate}, {"channels", s.channels}};
      break;
    }
  }
  std::lock_guard lock(mutex_);
  return info_.emplace(path, std::move(j)).first->second;
}

std::string MediaCache::thumbnail(const std::string& path, double seconds) {
  const auto key = std::make_pair(path, seconds < 0 ? int64_t{-1} : static_cast<int64_t>(std::lround(seconds * 10)));
  {
    std::lock_guard lock(mutex_);
    if (auto it = thumbnails_.find(key); it != thumbnails_.end()) return it->second;
  }
  VideoReader reader(path, {.threads = threads_});
  const int width = std::min(kThumbnailWidth, reader.native_width());
  const int height = std::max(1, static_cast<int>(std::lround(static_cast<double>(reader.native_height()) * width / reader.native_width())));
  reader.set_output_size(width, height);
  int64_t frame = reader.num_frames() / 2;
  if (seconds >= 0) frame = reader.frame_at_time(std::min(seconds, std::nextafter(reader.duration(), 0.0)));
  const Array rgb = reader.read_frames({frame});
  std::string png = io::encode_png(rgb.data<uint8_t>(), width, height, fmt::format("{} frame {}", path, frame));

  std::lock_guard lock(mutex_);
  if (thumbnails_.emplace(key, png).second) {
    thumbnail_order_.push_back(key);
    thumbnail_bytes_ += static_cast<int64_t>(png.size());
  }
  while (thumbnail_bytes_ > kThumbnailCacheBytes && !thumbnail_order_.empty()) {
    auto it = thumbnails_.find(thumbnail_order_.front());
    thumbnail_bytes_ -= static_cast<int64_t>(it->second.size());
    thumbnails_.erase(it);
    thumbnail_order_.pop_front();
  }
  return png;
}

Playable MediaCache::playable(const std::string& path) {
  const nlohmann::json about = info(path);
  if (about["playable"].get<bool>()) return {path, about["content_type"].get<std::string>(), false};
  std::lock_guard lock(preview_mutex_);
  {
    std::lock_guard maps(mutex_);
    if (auto it = previews_.find(path); it != previews_.end()) return {it->second, "video/mp4", true};
  }
  // Named by the source's path, size and time, so a kept cache folder serves a changed file anew.
  std::error_code ec;
  const auto mtime = fs::last_write_time(path, ec).time_since_epoch().count();
  const size_t key = std::hash<std::string>{}(fmt::format("{}\n{}\n{}", fs::absolute(path).string(), about["size"].get<int64_t>(), mtime));
  const std::string out = (fs::path(folder_) / fmt::format("preview-{:016x}.mp4", key)).string();
  if (!fs::exists(out)) {
    io::CutOptions o;
    o.reencode = true;
    o.crf = 23;
    o.preset = "veryfast";
    o.threads = threads_;
    io::cut_clips(path, {io::CutRange{}}, {out}, o);
  }
  std::lock_guard maps(mutex_);
  previews_[path] = out;
  return {out, "video/mp4", true};
}

}  // namespace vidrep::serve
