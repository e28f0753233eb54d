// Spacetime tokens straight from a video: decode a run of consecutive frames, cut them into
// patches, scale to float [0,1]. At the reader's native size (ReaderOptions width = height = 0)
// this is how Sora trains: every video at its own resolution and length, no resize.
//
//   vidrep::VideoReader reader("clip.mp4");                        // native size
//   vidrep::Patches p = vidrep::video_tokens(reader, {.patch = {2, 16, 16}, .frames = 16});
//   p.tokens     // float32 [N, 2*16*16*3] in [0,1]
//
// Not thread-safe (it decodes with the caller's reader).
#pragma once

#include "vidrep/tokens/patchify.h"

#include <cstdint>

namespace vidrep {

class VideoReader;

struct VideoTokensOptions {
  PatchSize patch;
  int64_t start = 0;   // first frame
  int64_t frames = 0;  // how many consecutive frames; 0 = all from `start` to the end
  PadMode pad = PadMode::None;
};

// Throws InvalidArgument for a start/frame count outside the video or a size the patch does not
// divide (without padding), and whatever the reader throws while decoding.
Patches video_tokens(VideoReader& reader, const VideoTokensOptions& options);

}  // namespace vidrep
