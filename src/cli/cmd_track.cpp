// vidrep track FILE [--json] [--mot OUT.txt]
#include "cli_common.h"

#include "vidrep/error.h"
#include "vidrep/io/output_file.h"
#include "vidrep/track/track_file.h"
#include "vidrep/track/track_json.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <optional>

namespace vidrep::cli {
namespace {

struct TrackArgs {
  std::string input, mot;
  bool json = false;
  track::TrackFileOptions options;
};

}  // namespace

void register_track(CLI::App& app) {
  auto args = std::make_shared<TrackArgs>();
  CLI::App* cmd = app.add_subcommand(
      "track", "Moving objects of a static-camera video: background modelling, then tracks with stable identities");
  cmd->add_option("file", args->input, "Video file")->required();
  cmd->add_option("--mot", args->mot, "Write every box as MOTChallenge text: frame,id,x,y,w,h,1,-1,-1,-1 (frames from 1)");
  cmd->add_flag("--json", args->json,
                "One JSON line per track {id, first_frame, last_frame, start, end, detections, first_box, last_box} "
                "(boxes [x, y, w, h] in the video's pixels), then {path, frames, fps, width, height, tracks}");
  track::TrackFileOptions& o = args->options;
  cmd->add_option("--size", o.short_side, "Analysis size: the shorter side, pixels")->capture_default_str();
  cmd->add_option("--min-area", o.min_area, "Smallest object, as a share of the frame")->capture_default_str();
  cmd->add_option("--threshold", o.background.threshold, "Foreground: standard deviations from the background")
      ->capture_default_str();
  cmd->add_option("--still", o.still_seconds, "Seconds a track may stand still before it becomes background")
      ->capture_default_str();
  cmd->add_option("--max-missed", o.tracker.max_missed, "Frames a track survives unseen (occlusions)")->capture_default_str();
  cmd->add_option("--threads", o.threads, "Decoder threads (0: one per core)")->capture_default_str();
  cmd->callback([args] {
    std::optional<io::OutputFile> mot_file;
    std::ofstream mot;
    if (!args->mot.empty()) {
      mot_file.emplace(args->mot);
      mot.open(mot_file->temp_path(), std::ios::binary);
      if (!mot) throw WriteError(fmt::format("{}: cannot write", args->mot));
    }
    const track::TrackFileResult r = track::track_file(args->input, args->options, [&](const track::FrameTracks& f) {
      if (mot_file) mot << track::mot_lines(f);
    });
    if (mot_file) {
      mot.close();
      if (!mot) throw WriteError(fmt::format("{}: cannot write", args->mot));
      mot_file->commit();
    }
    if (args->json) {
      for (const auto& t : r.tracks) {
        fmt::print("{}\n", nlohmann::json{{"id", t.id}, {"first_frame", t.first_frame}, {"last_frame", t.last_frame},
                                          {"start", t.start}, {"end", t.end}, {"detections", t.detections},
                                          {"first_box", track::box_json(t.first_box)}, {"last_box", track::box_json(t.last_box)}}
                               .dump());
      }
      fmt::print("{}\n", nlohmann::json{{"path", r.path}, {"frames", r.frames}, {"fps", r.fps}, {"width", r.width},
                                        {"height", r.height}, {"tracks", r.tracks.size()}}
                             .dump());
      return;
    }
    fmt::print("{}: {} tracks in {} frames\n", r.path, r.tracks.size(), r.frames);
    for (const auto& t : r.tracks) {
      fmt::print("  track {:4}  frames {}-{}  {:.2f}-{:.2f} s  {} boxes\n", t.id, t.first_frame, t.last_frame, t.start, t.end,
                 t.detections);
    }
  });
}

}  // namespace vidrep::cli
