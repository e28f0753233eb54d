// Everything curation decides about a video, from one decode of it: every frame at 64x64 (the
// size `vidrep shots` and the handcrafted descriptors of `vidrep embed` take) gives the shot
// signatures, per-frame luma statistics
// (for rejection and clip scores) and per-second descriptors (for deduplication). Decoding is
// most of curation's cost; doing it once instead of once per question is what makes it fast, and
// the frames are decoded without the deblocking filter (ReaderOptions::skip_loop_filter), which
// on the 720p curation benchmark moved no clip boundary, sharpness scores by at most 1.6 % and
// brightness by at most 0.34 levels.
//
//   curate::VideoAnalysis a = curate::analyse_video("raw/a.mp4");
//   a.shots.shots;                          // shots::detect_shots on the signatures
//   curate::ClipScores s = a.scores(0, 99); // frames 0..99
//   std::vector<float> d = a.descriptor(0.0, 4.0);
#pragma once

#include "vidrep/array.h"
#include "vidrep/shots/detector.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep::curate {

// Per-clip scores, from every frame of the clip at 64x64 (luma, BT.601).
struct ClipScores {
  double motion = 0;      // mean absolute change between neighbouring frames, 0..255
  double sharpness = 0;   // variance of the Laplacian (detail left at 64x64: blur and flat pictures score low)
  double brightness = 0;  // mean luma
  double contrast = 0;    // luma standard deviation
};

// One frame's luma statistics at 64x64.
struct FrameStats {
  float brightness = 0, contrast = 0, sharpness = 0;
  float motion = 0;  // mean absolute change from the previous frame (0 for the first)
};

struct VideoAnalysis {
  shots::ShotList shots;
  std::vector<FrameStats> frames;  // per frame of the file
  Array windows;                   // float32 [W, D]: the handcrafted descriptor of each second [w, w + 1)

  // Frames first..last (inclusive, within the file).
  ClipScores scores(int64_t first, int64_t last) const;
  // The mean of the descriptors of the seconds whose middle lies in [start, end) (of the second
  // holding the middle of the span when none does), L2-normalised.
  std::vector<float> descriptor(double start, double end) const;
  // The share of frames that are dark (mean luma <= dark_luma) or blank (spread < flat_std).
  double bad_fraction(double dark_luma, double flat_std) const;
  double mean_motion() const;  // over every pair of neighbouring frames
};

// Decodes `path` once, front to back, on one thread. Throws the reader's OpenError / DecodeError
// (a corrupt frame is an error, as for `vidrep shots`).
VideoAnalysis analyse_video(const std::string& path);

}  // namespace vidrep::curate
