// Shot boundary detection in one pass at low resolution: hard cuts, fades through black and
// dissolves, robust to flashes and fast motion. Free of LibTorch (the I/O core), so `vidrep shots` starts at once.
//
//   vidrep::shots::ShotList list = vidrep::shots::detect_shots("movie.mp4");
//   for (const auto& t : list.transitions) ... t.type, t.start_frame, t.end_frame, t.start, t.end
//   for (const auto& s : list.shots) ...       s.start_frame .. s.end_frame (inclusive)
//   std::string csv = vidrep::shots::scenes_csv(list);   // PySceneDetect's list-scenes layout
//
// Every frame is decoded at size x size (signature.h: a luma picture and a colour histogram).
// A **cut** before frame t is where the distance from frame t-1 to t is at least min_distance and
// `ratio` times the mean distance of the `window` frame pairs on each side (PySceneDetect's
// adaptive rule: fast motion raises the neighbours too, so it does not pass), and the picture does
// not come back within flash_seconds (frame t-1 like a frame shortly after t, or frame t like one
// shortly before t-1: a flash, a camera flash or a brief occlusion, not a new shot). Two cuts
// closer than min_shot_seconds keep the stronger, and none leaves a shorter shot at either end
// of the video. A **fade** is a run of flat dark frames (a fade
// or cut to black) with pictures on both sides, from the last frame before the picture starts to
// darken to the first frame after it is back. A **dissolve** is a window of 2-32 blended frames
// between two frames s and e that differ by at least 1.5 x min_distance, reached in small steps
// (no cut), with much less change over as many frames before s and after e (the shots hold still
// by comparison: a scene that keeps changing gradually is not a dissolve), and every frame inside
// a least-squares blend of frames s and e with rising weights and a small residual (a pan or a
// zoom moves things, which no blend explains); of overlapping windows, the shortest with nine
// tenths of the largest change (so its ends may lie a few frames inside the blend, where the
// pictures differ little from the shots').
//
// A transition runs from start_frame, the last frame of the outgoing shot, to end_frame, the
// first frame of the incoming one (adjacent frames for a cut); `start` is the time the first frame
// after start_frame appears and `end` the time end_frame appears (equal for a cut). Shots are
// contiguous and cover every frame: a cut's shot starts at end_frame, a gradual transition's at
// its middle frame.
#pragma once

#include "vidrep/shots/signature.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep::shots {

struct ShotOptions {
  int size = 64;                   // frames analysed at size x size (>= kGrid)
  double ratio = 3.0;              // a cut's distance over its neighbours' mean distance
  double min_distance = 0.15;      // a cut's frame distance (0..1)
  int window = 3;                  // neighbouring frame pairs on each side
  double flash_seconds = 0.25;     // a picture back within this is not a cut
  double min_shot_seconds = 0.4;   // shortest shot between two cuts
  double dark_luma = 24;           // mean luma (0..255) at or below which a flat frame is black
  int threads = 0;                 // decoder threads; 0: one per core
};

struct Transition {
  std::string type;          // "cut" | "fade" | "dissolve"
  int64_t start_frame = 0;   // last frame of the outgoing shot
  int64_t end_frame = 0;     // first frame of the incoming shot
  double start = 0, end = 0; // seconds
  double score = 0;          // frame distance across the transition (0..1)
};

struct Shot {
  int64_t start_frame = 0, end_frame = 0;  // inclusive
  double start = 0, end = 0;               // seconds: the first frame's time, the next shot's start
};

struct ShotList {
  std::string path;
  int64_t frames = 0;
  double fps = 0;
  double duration = 0;
  std::vector<Transition> transitions;
  std::vector<Shot> shots;
};

// Throws the reader's errors (OpenError, DecodeError) and InvalidArgument for bad options.
ShotList detect_shots(const std::string& path, const ShotOptions& options = {});

// The detection on signatures already made: frame i at times[i] seconds; `duration` is the end
// of the last frame. Fills frames, fps (from the times), transitions and shots.
ShotList detect_shots(const std::vector<FrameSignature>& frames, const std::vector<double>& times, double duration,
                      const ShotOptions& options = {});

// PySceneDetect's list-scenes CSV: a "Timecode List:" row of the shots' start times after the
// first, a header row, then a row per shot (frame numbers from 1, end frame inclusive, timecodes
// HH:MM:SS.mmm).
std::string scenes_csv(const ShotList& list);

}  // namespace vidrep::shots
