// `vidrep track`: moving objects of a static-camera video detected (track/background.h) and
// tracked (track/tracker.h) in one pass at a small size, in bounded memory, reported in the
// video's own pixels. MOTChallenge's text layout for the boxes.
//
//   track::TrackFileResult r = track::track_file("cam.mp4", {}, [&](const track::FrameTracks& f) {
//     mot << track::mot_lines(f);   // frame,id,x,y,w,h,conf,-1,-1,-1
//   });
//   r.tracks;                       // each track's span
#pragma once

#include "vidrep/track/background.h"
#include "vidrep/track/tracker.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace vidrep::track {

struct TrackFileOptions {
  int short_side = 240;     // analysis size (the shorter side, pixels)
  double min_area = 0.001;  // smallest object, as a share of the frame's area
  int threads = 0;          // decoder threads; 0: one per core
  double still_seconds = 1.0;  // a track whose box stays put this long becomes background
  BackgroundOptions background;
  TrackerOptions tracker;
};

struct FrameTracks {
  int64_t frame = 0;  // the file's frame number (0-based)
  double time = 0;    // seconds
  std::vector<Tracked> objects;  // boxes in the video's pixels
  std::vector<Box> absorbed;     // tracks that stood still and became background this frame
  int native_width = 0, native_height = 0;  // the video's picture (the boxes' pixels)
  // The frame at the analysis size, packed RGB, width x height: valid during on_frame only.
  const uint8_t* rgb = nullptr;
  int width = 0, height = 0;
};

// InvalidArgument for options out of range (naming the command-line flag).
void validate(const TrackFileOptions& options);

// What track_file does to each frame, one frame at a time (watch.h uses it on live video):
// foreground, boxes, tracks, and a track that has stood still for `still_seconds` absorbed into
// the background.
class ObjectTracker {
 public:
  // Frames of width x height (the analysis size) from a video of native_width x native_height at
  // `fps` (0: unknown, 25 assumed).
  ObjectTracker(int width, int height, int native_width, int native_height, double fps, const TrackFileOptions& options);
  // A frame (packed uint8 RGB at the analysis size) -> the confirmed tracks seen in it, boxes in
  // the video's pixels.
  std::vector<Tracked> update(const uint8_t* rgb);
  double activity() const { return activity_; }  // the share of the last frame's pixels in motion
  // The boxes (video pixels) of the tracks that became background in the last update().
  const std::vector<Box>& absorbed() const { return absorbed_; }

 private:
  struct Still {
    Box at;
    int64_t frames = 0;
  };
  int w_, h_;
  float sx_, sy_;
  int min_pixels_;
  int64_t still_frames_;
  BackgroundModel background_;
  Tracker tracker_;
  std::map<int64_t, Still> still_;  // per track: where it has stood, for how many frames
  double activity_ = 0;
  std::vector<Box> absorbed_;
};

// One track's span, for the summary.
struct TrackSummary {
  int64_t id = 0, first_frame = 0, last_frame = 0, detections = 0;
  double start = 0, end = 0;
  Box first_box, last_box;
};

struct TrackFileResult {
  std::string path;
  int64_t frames = 0;
  double fps = 0;
  int width = 0, height = 0;  // the video's
  std::vector<TrackSummary> tracks;  // by id
};

// Throws the reader's OpenError / DecodeError, InvalidArgument for bad options. `on_frame` sees
// every frame as it is done (objects may be empty); nothing per frame is kept.
TrackFileResult track_file(const std::string& path, const TrackFileOptions& options = {},
                           const std::function<void(const FrameTracks&)>& on_frame = {});

// MOTChallenge lines of a frame: frame (1-based), id, left, top, width, height, 1, -1, -1, -1.
std::string mot_lines(const FrameTracks& frame);

}  // namespace vidrep::track
