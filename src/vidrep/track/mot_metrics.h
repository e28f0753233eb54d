// Tracking metrics as the MOTChallenge benchmark computes them, for boxes in MOTChallenge text
// (frame,id,x,y,w,h,...). CLEAR MOT (Bernardin & Stiefelhagen 2008): each frame, the truth-track
// pairs of the previous frame are kept while they still overlap enough, the rest are matched by
// the Hungarian algorithm on 1 - IoU; a truth object matched to another track than before is an
// identity switch. MOTA = 1 - (misses + false positives + switches) / truth boxes; MOTP the mean
// IoU of the matches. IDF1 (Ristani et al. 2016): truth and tracked trajectories matched one to
// one over the whole video to share the most frames (IoU >= the threshold); IDF1 = 2 IDTP /
// (truth boxes + tracked boxes). Free of LibTorch (the I/O core).
//
//   track::MotBoxes truth = track::load_mot("gt.txt"), result = track::load_mot("mot.txt");
//   track::MotMetrics m = track::evaluate_tracking(truth, result);   // m.mota, m.idf1, ...
#pragma once

#include "vidrep/track/background.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vidrep::track {

struct MotBox {
  int64_t id = 0;
  Box box;
};

using MotBoxes = std::map<int64_t, std::vector<MotBox>>;  // frame -> its boxes

// Reads MOTChallenge text (the first six fields; for a ground-truth file, rows whose 7th field is 0
// are "ignore" rows and left out). Throws OpenError, InvalidArgument naming the line.
MotBoxes load_mot(const std::string& path);
MotBoxes parse_mot(const std::string& text, const std::string& where = "MOT text");

struct MotMetrics {
  double mota = 0, motp = 0, idf1 = 0, idp = 0, idr = 0;
  int64_t truth_boxes = 0, result_boxes = 0, matches = 0;
  int64_t misses = 0, false_positives = 0, id_switches = 0;
  int64_t truth_ids = 0, result_ids = 0;
};

MotMetrics evaluate_tracking(const MotBoxes& truth, const MotBoxes& result, float min_iou = 0.5f);

}  // namespace vidrep::track
