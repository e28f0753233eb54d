// vidrep cut FILE (--shots | --ranges A-B,...) --out-dir D [--reencode]
#include "cli_common.h"

#include "vidrep/error.h"
#include "vidrep/io/cut.h"
#include "vidrep/shots/detector.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace vidrep::cli {
namespace {

namespace fs = std::filesystem;

struct CutArgs {
  std::string input, ranges, out_dir, ext;
  bool shots = false, json = false, no_audio = false;
  io::CutOptions options;
};

// The input's own container when it is one of these (it holds the copied streams as they are);
// otherwise MP4.
std::string output_extension(const std::string& input, const std::string& asked) {
  if (!asked.empty()) return asked[0] == '.' ? asked.substr(1) : asked;
  std::string ext = fs::path(input).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* keep : {".mp4", ".mov", ".mkv", ".m4v"}) {
    if (ext == keep) return ext.substr(1);
  }
  return "mp4";
}

std::string text_of(const io::CutClip& c) {
  std::string how = c.mode == "copy"    ? fmt::format("copied ({} frames)", c.copied_frames)
                    : c.mode == "smart" ? fmt::format("{} frames copied, {} re-encoded", c.copied_frames, c.encoded_frames)
                                        : fmt::format("re-encoded ({} frames)", c.encoded_frames);
  std::string out = fmt::format("{}  frames {}-{}  {:.3f}-{:.3f} s  {}\n", c.path, c.first_frame, c.last_frame, c.start,
                                c.end, how);
  for (const std::string& note : c.notes) out += "  " + note + "\n";
  return out;
}

nlohmann::json to_json(const io::CutClip& c, const std::string& source) {
  return {{"path", c.path},           {"source", source},
          {"first_frame", c.first_frame}, {"last_frame", c.last_frame},
          {"frames", c.last_frame - c.first_frame + 1}, {"start", c.start},
          {"end", c.end},             {"mode", c.mode},
          {"copied_frames", c.copied_frames}, {"encoded_frames", c.encoded_frames},
          {"audio_packets", c.audio_packets}, {"notes", c.notes}};
}

}  // namespace

void register_cut(CLI::App& app) {
  auto args = std::make_shared<CutArgs>();
  CLI::App* cmd = app.add_subcommand(
      "cut", "Frame-exact clips with their audio: whole GOPs copied, only the partial ones at the edges re-encoded");
  cmd->add_option("file", args->input, "Video file")->required();
  auto* shots = cmd->add_flag("--shots", args->shots, "One clip per shot (vidrep shots' list)");
  auto* ranges = cmd->add_option("--ranges", args->ranges,
                                 "Clips to cut: A-B,C-D,... frame numbers (inclusive, as the ffmpeg CLI numbers them), "
                                 "or seconds when a number has a '.' or an 's' (1.5-4s: the frames shown in [1.5, 4)); "
                                 "A- runs to the end");
  shots->excludes(ranges);
  ranges->excludes(shots);
  cmd->add_option("--out-dir", args->out_dir, "Folder for the clips, named <name>-001.<ext>, <name>-002.<ext>, ...")
      ->required();
  cmd->add_flag("--reencode", args->options.reencode, "Re-encode every frame (H.264) instead of copying whole GOPs");
  cmd->add_option("--ext", args->ext, "Container of the clips (default: the input's if mp4/mov/mkv/m4v, else mp4)");
  cmd->add_option("--crf", args->options.crf, "libx264 quality of re-encoded frames (lower: better, larger)")
      ->capture_default_str();
  cmd->add_option("--preset", args->options.preset, "libx264 preset of re-encoded frames")->capture_default_str();
  cmd->add_flag("--no-audio", args->no_audio, "Leave the audio out");
  cmd->add_option("--threads", args->options.threads, "Decoder/encoder threads (0: one per core)")->capture_default_str();
  cmd->add_flag("--json", args->json,
                "One JSON line per clip: {path, source, first_frame, last_frame, frames, start, end, mode "
                "(copy|smart|reencode), copied_frames, encoded_frames, audio_packets, notes}");
  cmd->callback([args] {
    if (!args->shots && args->ranges.empty()) throw InvalidArgument("cut: say which clips: --shots or --ranges A-B,...");
    if (args->options.crf < 0 || args->options.crf > 51) throw InvalidArgument("cut: --crf: expected 0..51");
    args->options.audio = !args->no_audio;
    std::vector<io::CutRange> ranges;
    if (args->shots) {
      for (const auto& s : shots::detect_shots(args->input, {.threads = args->options.threads}).shots) {
        ranges.push_back({.first = s.start_frame, .last = s.end_frame});
      }
    } else {
      ranges = io::parse_cut_ranges(args->ranges);
    }
    fs::create_directories(args->out_dir);
    const std::string stem = fs::path(args->input).stem().string(), ext = output_extension(args->input, args->ext);
    const int digits = std::max<int>(3, static_cast<int>(std::to_string(ranges.size()).size()));
    std::vector<std::string> paths;
    for (size_t i = 0; i < ranges.size(); ++i) {
      paths.push_back((fs::path(args->out_dir) / fmt::format("{}-{:0{}}.{}", stem, i + 1, digits, ext)).string());
    }
    io::cut_clips(args->input, ranges, paths, args->options, [&](const io::CutClip& clip) {
      fmt::print("{}", args->json ? to_json(clip, args->input).dump() + "\n" : text_of(clip));
      std::fflush(stdout);
    });
  });
}

}  // namespace vidrep::cli
