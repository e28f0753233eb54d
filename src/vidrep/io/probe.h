// probe(): what a media file holds, with the exact frame count of every video stream taken from a
// packet scan (FrameIndex) rather than from headers, which lie.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep {

struct StreamInfo {
  int index = 0;
  std::string type;          // "video", "audio", "subtitle", "data", "attachment", "unknown"
  std::string codec;
  std::string profile;       // empty when the codec has none
  std::string time_base;     // "num/den"
  double duration = 0;       // seconds; 0 when unknown
  int64_t bit_rate = 0;      // bits/s; 0 when unknown
  // video
  std::string pix_fmt;
  int bit_depth = 0;
  int coded_width = 0, coded_height = 0;  // as stored
  int width = 0, height = 0;              // as displayed (after rotation)
  int rotation = 0;                       // clockwise degrees
  double fps = 0;                         // average over the stream
  int64_t frames = 0;                     // exact, from the frame index
  // audio
  int sample_rate = 0;
  int channels = 0;
  std::string sample_fmt;
};

struct MediaInfo {
  std::string path;
  std::string format;        // container, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  double duration = 0;       // seconds
  int64_t size_bytes = 0;
  int64_t bit_rate = 0;
  std::vector<StreamInfo> streams;
  // What a user should know about a file that is still read exactly, each naming its stream.
  std::vector<std::string> warnings;
};

// Throws OpenError / DecodeError naming the file.
MediaInfo probe(const std::string& path);

}  // namespace vidrep
