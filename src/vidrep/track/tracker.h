// Multi-object tracking by detection, as SORT does it: each track's box (centre and size) follows a
// constant-velocity Kalman filter; each frame's detections are assigned to the tracks' predicted
// boxes by the Hungarian algorithm on their overlap (IoU), or, for a track that has been coasting
// through an occlusion, on the distance of the centres; a track is confirmed after `min_hits`
// frames in a row and survives `max_missed` frames without a detection (an occlusion, a crossing)
// on its prediction, keeping its identity. Where objects pass one another, the detector sees one
// region: a region that holds half or more of the predicted boxes of two or more confirmed
// tracks, and is as large as each, updates none of them; each is reported on its predicted box
// (cut to the region) until it is seen alone again. Free of LibTorch (the I/O core).
//
//   track::Tracker tracker;
//   for (each frame) for (const track::Tracked& t : tracker.update(boxes)) ... t.id, t.box
#pragma once

#include "vidrep/track/background.h"

#include <array>
#include <cstdint>
#include <vector>

namespace vidrep::track {

struct TrackerOptions {
  int min_hits = 3;          // frames in a row before a track is reported
  int max_missed = 25;       // frames a track coasts on its prediction before it ends
  float min_iou = 0.1f;      // the least overlap that assigns a detection to a track
  float max_distance = 1.5f; // coasting tracks: centre distance up to this many box sizes
};

struct Tracked {
  int64_t id = 0;  // 1, 2, ... in order of confirmation
  Box box;         // the detection assigned this frame
};

// Kuhn-Munkres: the assignment of rows to columns of least total cost (rows <= columns or not);
// result[r] is row r's column, or -1. Costs >= `forbidden` are never assigned.
std::vector<int> assign_least_cost(const std::vector<std::vector<double>>& cost, double forbidden);

class Tracker {
 public:
  explicit Tracker(TrackerOptions options = {});
  // This frame's detections -> the confirmed tracks that have one, ordered by id.
  std::vector<Tracked> update(const std::vector<Box>& detections);

 private:
  // One axis (a centre coordinate or a size) as position and velocity.
  struct Axis {
    float x = 0, v = 0;
    std::array<float, 4> p{};  // covariance [[pxx, pxv], [pvx, pvv]]
  };
  struct Track {
    std::array<Axis, 4> axes;  // centre x, centre y, width, height
    int64_t id = 0;            // 0 until confirmed
    int hits = 0, missed = 0;
    Box predicted() const;
  };
  static void predict(Axis& a, float q);
  static void correct(Axis& a, float z, float r);

  TrackerOptions o_;
  std::vector<Track> tracks_;
  int64_t next_id_ = 1;
};

}  // namespace vidrep::track
