// `vidrep synth --kind surveillance`: static-camera scenes with ground truth, for tracking and
// anomaly detection. A walkway crosses a textured ground; people walk along it, rightwards on its
// lower lane and leftwards on its upper one, at 25-50 px/s (at 360 lines; speeds and sizes scale
// with the height), with camera noise and a slow lighting drift. Test scenes add labelled
// anomalies among them:
//   running          a person 4-5x as fast as walkers
//   wrong_direction  a person walking leftwards on the lower lane
//   loitering        a person who stops on the walkway and wanders in a small area for 15 s
//   fall             a person who falls and lies for 6 s
//   object_left      a person carrying a bag leaves it on the walkway (labelled for 8 s after)
//   vehicle          a car driving along the walkway
// Free of LibTorch (the I/O core); videos written by vidrep's writer (H.264).
//
// Layout (OUT):
//   normal/normal_NNN.mp4   normal scenes (train on some, calibrate on the others)
//   test/test_NNN.mp4       scenes with anomalies
//   */X.gt.txt              MOTChallenge ground truth of every person, car and moving bag:
//                           frame (from 1), id, x, y, w, h, 1, -1, -1, -1 (boxes clipped to the picture)
//   truth.tsv               anomalous frame ranges: video (relative to OUT), start_frame,
//                           end_frame (exclusive), type; a `# videos:` comment lists every test video
//   normal.txt, test.txt    the video lists
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace vidrep::track {

struct SceneOptions {
  std::string out;
  int width = 640, height = 360;
  double fps = 25;
  double seconds = 60;   // per scene
  int normal = 8;        // normal scenes
  int test = 4;          // scenes with anomalies
  uint64_t seed = 1;     // the same seed renders the same scenes
  bool overwrite = false;
  int threads = 0;       // scenes rendered at once; 0: one per core
};

struct SceneSummary {
  std::string out;
  int normal = 0, test = 0;
  std::map<std::string, int> anomalies;  // per type
  int64_t frames = 0, anomalous_frames = 0;  // over the test scenes
};

// Throws InvalidArgument for bad options or a non-empty OUT without overwrite, WriteError.
SceneSummary synth_surveillance(const SceneOptions& options);

}  // namespace vidrep::track
