// The demo: vidrep's main job on built-in data. For now it makes a sample video with audio with
// vidrep's own writer, probes it, reads frames, clips and audio back and checks them against what
// was written. Every step is reported through `log`; the result says what was measured.
#pragma once

#include <functional>
#include <string>

namespace vidrep {

struct DemoOptions {
  std::string out_dir = "vidrep-demo";  // created if missing; the demo's files go here
  int threads = 0;                      // 0: one per core
};

struct DemoResult {
  std::string video_path;
  int64_t frames = 0;
  double square_error_px = 0;  // worst error of the moving square's position in decoded frames
  double tone_hz = 0;          // frequency recovered from the decoded audio (written: 440 Hz)
  int64_t frames_decoded = 0;  // by the clip request
  int64_t seeks = 0;
  bool ok = false;             // every check passed
};

DemoResult run_demo(const DemoOptions& options, const std::function<void(const std::string&)>& log);

}  // namespace vidrep
