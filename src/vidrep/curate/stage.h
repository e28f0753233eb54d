// One video's part of curation, done on its own so that any number of processes (shards, Slurm
// array tasks) can share the work: probe, one decode for everything decided from the pictures
// (curate/analysis.h: rejection, shots, scores, descriptors for deduplication), then cut the
// clips (frame-exact, io/cut.h). The result is a work unit in OUT/work/: the clips KEY-NNN.mp4
// and, written last and atomically, KEY.json; a video whose KEY.json exists is done, so a killed
// run continues where it stopped. Everything in a unit depends only on the video and the config
// (clips are encoded on one thread each), never on the number of processes or threads: that is
// what makes curated outputs reproducible.
#pragma once

#include "vidrep/curate/analysis.h"
#include "vidrep/curate/config.h"
#include "vidrep/io/cut.h"

#include <nlohmann/json.hpp>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace vidrep::curate {

// The work unit's name for a video: 16 hex digits of a hash of its resolved path.
std::string video_key(const std::string& path);

// A video being staged into `work_dir` (created). Construction loads its unit if it is already
// there, else probes it, decodes it once (curate/analysis.h) and plans its clips; the clips are
// then cut in runs of neighbouring clips (each run decodes its own frames, so runs may be cut at
// once, on any threads); finish() writes the unit and returns its JSON: {source, key, status,
// reason, duration, width, height, fps, has_audio, clips: [{file, first_frame, last_frame, frames,
// start, end, mode, scores: {...}, descriptor: [...], latent (the .npy file, with --ae)}],
// seconds: {probe, analysis, shots, cut, latents}}
// (the last: where the time went, not an output). A video that cannot be read is a rejected unit
// ("corrupt: ..."), not an error; a failure to write throws WriteError.
//
//   StagedVideo v(path, work, config, 4);
//   for (int g = 0; g < v.groups(); ++g) v.cut(g);   // or on a pool, then:
//   nlohmann::json unit = v.finish();
class StagedVideo {
 public:
  // `groups`: the most runs its clips are split into. `latents` (when config.ae is set): what
  // encodes each clip into KEY-NNN.latent.npy beside it.
  StagedVideo(const std::string& path, const std::string& work_dir, const CurateConfig& config, int groups = 1,
              const LatentEncoderFn* latents = nullptr);
  const std::string& path() const { return path_; }
  bool resumed() const { return resumed_; }  // the unit was there already
  int groups() const { return static_cast<int>(runs_.size()); }
  void cut(int group);  // once per group, before finish(); different groups may run at once
  nlohmann::json finish();

 private:
  void add_seconds(const std::string& stage, double s);
  std::string clip_path(size_t i) const;
  static std::string latent_path(const std::string& clip);  // KEY-NNN.mp4 -> KEY-NNN.latent.npy

  std::string path_, work_dir_, done_path_;
  CurateConfig config_;
  const LatentEncoderFn* latents_;
  nlohmann::json unit_;
  bool resumed_ = false;
  std::optional<VideoAnalysis> analysis_;
  std::vector<io::CutRange> ranges_;
  std::vector<size_t> runs_;                    // the first clip of each run
  std::vector<std::vector<io::CutClip>> cut_;   // per run
  std::vector<std::string> errors_;             // per run: why it could not be cut, or ""
  std::mutex mu_;
  nlohmann::json seconds_ = nlohmann::json::object();
};

}  // namespace vidrep::curate
