// One video's part of curation, done on its own so that any number of processes (shards, Slurm
// array tasks) can share the work: probe, one decode for everything decided from the pictures
// (curate/analysis.h: rejection, shots, scores, descriptors for deduplication), then cut the
// clips (frame-exact, io/cut.h). The result is a work unit in OUT/work/: the clips KEY-NNN.mp4
// and, written last and atomically, KEY.json; a video whose KEY.json exists is done, so a killed run continues where it stopped. Everything in a unit
// depends only on the video and the config (clips are encoded on one thread each), never on the
// number of processes or threads: that is what makes curated outputs reproducible.
//
//   curate::WorkUnit u = curate::stage_video("raw/a.mp4", "out/work", config);
//   u.status;   // "ok" | "rejected" (u.reason)
#pragma once

#include "vidrep/curate/config.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace vidrep::curate {

// The work unit's name for a video: 16 hex digits of a hash of its resolved path.
std::string video_key(const std::string& path);

// Stages `path` into `work_dir` (created) unless its unit is already there; returns the unit's
// JSON: {source, key, status, reason, duration, width, height, fps, has_audio, clips: [{file,
// first_frame, last_frame, frames, start, end, mode, scores: {...}, descriptor: [...]}],
// seconds: {probe, analysis, shots, cut}} (the last: where the time went, not an output).
// A video that cannot be read is a rejected unit ("corrupt: ..."), not an error; a failure to
// write throws WriteError.
nlohmann::json stage_video(const std::string& path, const std::string& work_dir, const CurateConfig& config);

}  // namespace vidrep::curate
