// Stream copy: packets passed from one file to another without decoding, the fast half of a
// frame-exact cut (a later `vidrep cut` copies whole GOPs with this and re-encodes only the
// partial ones at the ends with io/encoder.h). The video stream and every audio stream are
// copied; the range snaps outwards to whole GOPs: from the key frame of the frame on screen at
// `start` to the first key frame shown at or after `end`. Timestamps shift so the output starts
// at 0.
//
//   io::CopyResult r = io::copy_streams("in.mkv", "part.mp4", {.start = 10, .end = 20});
//   r.first_frame; r.frames;   // the input's frames now in part.mp4 (frame-exact: same packets)
#pragma once

#include <cstdint>
#include <string>

namespace vidrep::io {

struct CopyOptions {
  double start = 0;   // seconds from the file's start
  double end = -1;    // seconds; -1: to the end
  bool audio = true;  // copy the audio streams too
};

struct CopyResult {
  int64_t first_frame = 0;    // the input's frame number of the output's frame 0
  int64_t frames = 0;         // video frames copied (as the input's frame index counts them)
  double start = 0, end = 0;  // the copied range, seconds of the input (whole GOPs)
  int64_t video_packets = 0, audio_packets = 0;
};

// Throws OpenError / DecodeError for the input, InvalidArgument when the output's container cannot
// hold a stream's codec (e.g. MPEG-4 part 2 in .webm) or the range holds no frame, WriteError for
// the output (written through a temporary name).
CopyResult copy_streams(const std::string& in_path, const std::string& out_path, const CopyOptions& options = {});

}  // namespace vidrep::io
