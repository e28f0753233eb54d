// vidrep shots FILE... [--json] [--csv F]
#include "cli_common.h"
#include "progress.h"

#include "vidrep/error.h"
#include "vidrep/io/output_file.h"
#include "vidrep/shots/detector.h"
#include "vidrep/video_files.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>

namespace vidrep::cli {
namespace {

namespace fs = std::filesystem;

struct ShotsArgs {
  std::vector<std::string> inputs;
  std::string csv;
  bool json = false;
  shots::ShotOptions options;
};

nlohmann::json to_json(const shots::ShotList& list) {
  nlohmann::json transitions = nlohmann::json::array(), shots = nlohmann::json::array();
  for (const auto& t : list.transitions) {
    transitions.push_back({{"type", t.type}, {"start_frame", t.start_frame}, {"end_frame", t.end_frame},
                           {"start", t.start}, {"end", t.end}, {"score", t.score}});
  }
  for (const auto& s : list.shots) {
    shots.push_back({{"start_frame", s.start_frame}, {"end_frame", s.end_frame}, {"start", s.start}, {"end", s.end}});
  }
  return {{"path", list.path}, {"frames", list.frames}, {"fps", list.fps}, {"duration", list.duration},
          {"transitions", transitions}, {"shots", shots}};
}

std::string text_of(const shots::ShotList& list) {
  std::string out = fmt::format("{}: {} shots, {} transitions ({} frames, {:.3f} s)\n", list.path, list.shots.size(),
                                list.transitions.size(), list.frames, list.duration);
  for (const auto& t : list.transitions) {
    if (t.type == "cut") out += fmt::format("  cut   before frame {:6}  {:9.3f} s  score {:.3f}\n", t.end_frame, t.start, t.score);
    else out += fmt::format("  {:5} frames {}-{}  {:.3f}-{:.3f} s  score {:.3f}\n", t.type, t.start_frame, t.end_frame, t.start, t.end, t.score);
  }
  return out;
}

// --csv F for one input; for several, F is a folder of <stem>-Scenes.csv (PySceneDetect's names).
std::string csv_path(const std::string& csv, const std::string& video, bool several) {
  if (!several) return csv;
  return (fs::path(csv) / (fs::path(video).stem().string() + "-Scenes.csv")).string();
}

}  // namespace

void register_shots(CLI::App& app) {
  auto args = std::make_shared<ShotsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "shots", "Shot boundaries (cuts, fades through black, dissolves) and the shot list, in one pass at low resolution");
  cmd->add_option("paths", args->inputs, "Video files, folders (searched recursively) or list files (.txt)")->required();
  cmd->add_flag("--json", args->json,
                "One JSON line per video: {path, frames, fps, duration, transitions: [{type, start_frame, end_frame, "
                "start, end, score}], shots: [{start_frame, end_frame, start, end}]}, or {path, error}");
  cmd->add_option("--csv", args->csv,
                  "Write the shot list as PySceneDetect's list-scenes CSV (with several videos: a folder of "
                  "<name>-Scenes.csv)");
  shots::ShotOptions& o = args->options;
  cmd->add_option("--threshold", o.ratio, "A cut's frame distance over the mean of its neighbours'")->capture_default_str();
  cmd->add_option("--min-distance", o.min_distance, "A cut's smallest frame distance (0..1)")->capture_default_str();
  cmd->add_option("--min-shot", o.min_shot_seconds, "Shortest shot between two cuts, seconds")->capture_default_str();
  cmd->add_option("--flash", o.flash_seconds, "A picture back within this many seconds is a flash, not a cut")
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "Decoder threads (0: one per core)")->capture_default_str();
  cmd->callback([args] {
    const std::vector<std::string> videos = collect_videos(args->inputs);
    if (videos.empty()) throw InvalidArgument("shots: no video files in the paths given");
    const bool several = videos.size() > 1;
    if (several && !args->csv.empty()) fs::create_directories(args->csv);
    const bool failed = for_each_video(videos, "shots", args->json, [&](const std::string& video) {
      const shots::ShotList list = shots::detect_shots(video, args->options);
      if (!args->csv.empty()) io::write_file(csv_path(args->csv, video, several), shots::scenes_csv(list));
      return args->json ? to_json(list).dump() + "\n" : text_of(list);
    });
    if (failed) throw ExitStatus{2};
  });
}

}  // namespace vidrep::cli
