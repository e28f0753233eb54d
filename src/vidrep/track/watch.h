// `vidrep watch`: a camera's video analysed as it arrives (io/live_reader.h: a file, or a network
// stream read without seeking), moving objects tracked (track_file.h's ObjectTracker), alert rules
// applied (rules.h), and each alert's evidence written beside it: a clip of the compressed video
// from `pre_roll` seconds before the alert's start to `post_roll` after it (copied, not
// re-encoded) and a PNG thumbnail of the analysed frame with the objects boxed. A live stream
// that drops (no data within the timeout, or an error) is reopened with a backoff of 0.5 s,
// doubling up to `max_backoff`; a file ends at its end. With `model` (an anomaly run, anomaly.h),
// each frame is scored and a score above the run's threshold raises an "anomaly" alert. Free of
// LibTorch (the I/O core).
//
//   track::watch("udp://127.0.0.1:5000", {.alerts_dir = "alerts"}, {
//       .on_second = [](const track::WatchSecond& s) { ... s.time, s.score, s.objects },
//       .on_alert = [](const track::WatchAlert& a) { ... a.type, a.clip, a.thumbnail },
//       .on_status = [](const track::WatchStatus& s) { ... "dropped", "reconnected" }});
#pragma once

#include "vidrep/track/anomaly.h"
#include "vidrep/track/rules.h"
#include "vidrep/track/track_file.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vidrep::track {

// The alert log in an alerts folder: one JSON line per alert (track_json.h's alert_json()).
inline constexpr const char* kAlertLog = "alerts.jsonl";

struct WatchOptions {
  TrackFileOptions track;             // analysis size, object size, still objects, decoder threads
  std::optional<RuleConfig> rules;    // zones; none: no rule alerts
  std::string alerts_dir;             // evidence clips, thumbnails and kAlertLog; "": none written.
                                      // Numbering continues after the evidence already there.
  double pre_roll = 3, post_roll = 3; // seconds of evidence around an alert
  std::chrono::milliseconds timeout{5000};  // a live stream silent this long has dropped
  int reconnects = -1;                // tries in a row before giving up on a live stream; -1: no limit
  double max_backoff = 10;            // seconds between tries, at most
  std::function<bool()> stop;         // polled between frames and between tries (Ctrl-C)
  // An anomaly run (`vidrep anomaly train`): the score, and "anomaly" alerts above its threshold.
  // Its analysis settings (size, smallest object, still objects) replace `track`'s. "": the score
  // is the share of the picture in motion, and there are no anomaly alerts.
  std::string model;
  FrameModelLoader frame_models;      // loads a run's frame model (LibTorch); none: such a run is refused
  double alert_gap = 5;               // seconds: anomaly alerts closer than this are one
};

struct WatchSecond {
  double time = 0;                // seconds since the watch began (the stream's own clock)
  double score = 0;               // the second's highest score
  int64_t frames = 0;             // frames analysed in the second
  std::vector<Tracked> objects;   // at the second's last frame, boxes in the video's pixels
};

struct WatchAlert : Alert {
  std::string clip, thumbnail;  // paths in alerts_dir ("" without one); the clip is complete
                                // post_roll seconds after `end`
};

struct WatchStatus {
  std::string event;    // "connected", "dropped", "reconnected", "gave_up", "stopped", "end"
  std::string message;  // for people
  double time = 0;
};

struct WatchCallbacks {
  std::function<void(const WatchSecond&)> on_second;
  std::function<void(const WatchAlert&)> on_alert;
  std::function<void(const WatchStatus&)> on_status;
};

struct WatchResult {
  int64_t frames = 0, alerts = 0;
  int reconnects = 0;
  double seconds = 0;   // of video analysed
  bool stopped = false; // by options.stop
};

// Throws OpenError when the source cannot be opened the first time (a file, or a stream that
// never answers), InvalidArgument for bad options, WriteError for the alerts folder.
WatchResult watch(const std::string& source, const WatchOptions& options, const WatchCallbacks& callbacks);

}  // namespace vidrep::track
