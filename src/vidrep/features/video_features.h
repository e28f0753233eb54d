// Features of a whole video: consecutive clip windows decoded a batch at a time and described by a
// FeatureExtractor, so memory stays bounded by one batch whatever the video's length.
//
//   vidrep::VideoReader reader("v.mp4", {.short_side = 112});
//   VideoFeatures f = extract_video_features(reader, FeatureExtractor({}), {.clip_length = 16});
//   f.features;   // float32 [clips, D]; f.clips[i] = frames [begin, end) of row i
#pragma once

#include "vidrep/features/feature_extractor.h"
#include "vidrep/io/video_reader.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vidrep::features {

// Frames [begin, end) of one row of features.
struct ClipWindow {
  int64_t begin = 0;  // first frame
  int64_t end = 0;    // one past the last frame
};

// Windows of clip_length consecutive frames every `stride` frames from frame 0, each wholly inside
// the video: the sliding sampler (sample/clip_sampler.h). A video shorter than one window gives one
// window of all its frames (the shorten policy): descriptors have the same length for any clip
// length, so a short video is described rather than padded.
struct VideoFeatureOptions {
  int64_t clip_length = 16;
  int64_t stride = 0;        // frames between window starts; 0 = clip_length (no overlap)
  int64_t batch_clips = 8;   // clips decoded and extracted together: larger is faster, uses more memory
  // Called after each batch with (clips done, clips in all); may be empty.
  std::function<void(int64_t, int64_t)> progress{};
};

struct VideoFeatures {
  Array features;                 // float32 [clips.size(), extractor.dim()]
  std::vector<ClipWindow> clips;
};

// Throws InvalidArgument for bad options, DecodeError from the reader.
VideoFeatures extract_video_features(VideoReader& reader, const FeatureExtractor& extractor,
                                     const VideoFeatureOptions& options = {});

}  // namespace vidrep::features
