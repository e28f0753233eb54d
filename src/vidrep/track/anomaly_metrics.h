// Anomaly detection metrics as Liu et al. (CVPR'18) report them, plus event-level ones for alerts.
// Free of LibTorch (the I/O core).
//
//   frame AUROC: each video's scores min-max normalised to [0, 1], then one ROC over every frame
//                of every video ("micro"); "macro" is the mean of the per-video AUROCs (videos
//                with both normal and anomalous frames); "raw" the micro AUROC without the
//                normalisation.
//   events:      an alert is a run of frames whose raw score is above the threshold, runs less
//                than `gap` seconds apart joined. A ground-truth event is detected when an alert
//                overlaps it; an alert overlapping no event is false. Recall = detected events /
//                events, precision = alerts overlapping an event / alerts, and false alerts per 10
//                minutes of normal video (the frames outside every event).
//
// Truth (TSV, `vidrep synth --kind surveillance`'s truth.tsv): `video start_frame end_frame
// [type]` per event, frames from 0, end exclusive; '#' lines are comments. Videos are matched by
// file name. Scores: `vidrep anomaly score --json` lines {video, frame, time, score}.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vidrep::track {

struct AnomalyEvent {
  int64_t start = 0, end = 0;  // frames, end exclusive
  std::string type;
};

// video file name -> its events. Throws OpenError, InvalidArgument naming the line.
std::map<std::string, std::vector<AnomalyEvent>> load_anomaly_truth(const std::string& path);

struct VideoScores {
  std::vector<double> scores;  // per frame from 0 (missing frames: NaN, left out)
  double fps = 25;
};

// video file name -> scores, from `vidrep anomaly score --json` lines. Throws OpenError,
// InvalidArgument naming the line.
std::map<std::string, VideoScores> load_anomaly_scores(const std::string& path);

struct AnomalyMetrics {
  double micro_auroc = 0, macro_auroc = 0, raw_auroc = 0;
  int64_t videos = 0, frames = 0, anomalous_frames = 0;
  int64_t events = 0, detected = 0, alerts = 0, true_alerts = 0;
  double recall = 0, precision = 0, false_per_10min = 0, normal_minutes = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> by_type;  // type -> (detected, events)
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> alert_frames;  // video -> alerts [start, end)
};

// Videos in `scores` without truth are all normal. InvalidArgument when no frame is anomalous or
// none is normal (AUROC undefined).
AnomalyMetrics evaluate_anomaly(const std::map<std::string, std::vector<AnomalyEvent>>& truth,
                                const std::map<std::string, VideoScores>& scores, double threshold, double gap = 5.0);

// Area under the ROC curve of `scores` with labels (ties count half).
double auroc(const std::vector<double>& scores, const std::vector<bool>& positive);

}  // namespace vidrep::track
