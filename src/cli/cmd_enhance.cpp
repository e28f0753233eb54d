// vidrep enhance FILE --out F.mp4 [--denoise S] [--contrast equalize|clahe] [--sharpen S]
#include "cli_common.h"
#include "progress.h"

#include "vidrep/enhance/enhance_file.h"
#include "vidrep/error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>

namespace vidrep::cli {
namespace {

struct EnhanceArgs {
  std::string input, out, denoise, contrast = "none";
  bool json = false, no_audio = false;
  enhance::EnhanceOptions options;
};

}  // namespace

void register_enhance(CLI::App& app) {
  auto args = std::make_shared<EnhanceArgs>();
  enhance::EnhanceOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "enhance", "Denoise, equalise and sharpen a video, streamed in bounded memory; frame times and audio kept");
  cmd->add_option("file", args->input, "Video file")->required();
  cmd->add_option("--out", args->out, "Output video (.mp4, .mkv, .mov)")->required();
  cmd->add_option("--denoise", args->denoise,
                  "Noise level to remove: the noise's standard deviation in 8-bit steps (e.g. 5 light, 15 strong), "
                  "or 'auto' to measure it on the first frame");
  cmd->add_option("--contrast", args->contrast,
                  "equalize (histogram equalisation) or clahe (local, contrast-limited); both averaged over time, "
                  "so the picture does not flicker")
      ->capture_default_str();
  cmd->add_option("--sharpen", o.sharpen, "Unsharp-mask amount (0: none; 0.5 mild, 1.5 strong)")->capture_default_str();
  cmd->add_option("--search", o.denoise.search, "Denoise: search window radius, pixels (-1: 2, or 3 from noise 20 on)")->capture_default_str();
  cmd->add_option("--patch", o.denoise.patch, "Denoise: patch radius, pixels")->capture_default_str();
  cmd->add_option("--frames", o.denoise.frames, "Denoise: frames searched before and after each frame (-1: 2, or 1 from noise 20 on)")->capture_default_str();
  cmd->add_option("--strength", o.denoise.h, "Denoise: filtering strength, times the noise level")->capture_default_str();
  cmd->add_option("--crf", o.crf, "libx264 quality of the output (0: lossless; lower: better, larger)")->capture_default_str();
  cmd->add_option("--preset", o.preset, "libx264 preset")->capture_default_str();
  cmd->add_option("--threads", o.threads, "Threads (0: one per core)")->capture_default_str();
  cmd->add_flag("--no-audio", args->no_audio, "Leave the audio out");
  cmd->add_flag("--json", args->json, "One JSON line: {path, out, frames, sigma, audio_packets, seconds, notes}");
  cmd->callback([args] {
    enhance::EnhanceOptions& o = args->options;
    if (args->denoise == "auto") {
      o.estimate_noise = true;
    } else if (!args->denoise.empty()) {
      try {
        size_t used = 0;
        o.denoise.sigma = std::stod(args->denoise, &used);
        if (used != args->denoise.size()) throw std::invalid_argument("");
      } catch (const std::exception&) {
        throw InvalidArgument(fmt::format("enhance: --denoise '{}': expected a noise level (0..100) or auto", args->denoise));
      }
    }
    o.contrast.mode = enhance::parse_contrast_mode(args->contrast);
    o.audio = !args->no_audio;
    if (o.denoise.sigma == 0 && !o.estimate_noise && o.contrast.mode == enhance::ContrastMode::None && o.sharpen == 0) {
      throw InvalidArgument("enhance: nothing to do: give --denoise, --contrast or --sharpen");
    }
    ProgressBar bar;
    const auto started = std::chrono::steady_clock::now();
    o.progress = [&](int64_t done, int64_t total) {
      if (done % 8 != 0 && done != total) return;
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const double eta = done > 0 ? s * static_cast<double>(total - done) / static_cast<double>(done) : 0;
      bar.update(static_cast<double>(done) / static_cast<double>(total),
                 fmt::format("frame {}/{}  {:.1f} fps  ETA {}", done, total, done / std::max(s, 1e-9), format_duration(eta)));
    };
    const enhance::EnhanceResult r = enhance::enhance_file(args->input, args->out, o);
    bar.clear();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (args->json) {
      fmt::print("{}\n", nlohmann::json{{"path", args->input}, {"out", args->out}, {"frames", r.frames}, {"sigma", r.sigma},
                                        {"audio_packets", r.audio_packets}, {"seconds", seconds}, {"notes", r.notes}}
                             .dump());
    } else {
      fmt::print("{}: {} frames in {:.1f} s ({:.1f} fps){}\n", args->out, r.frames, seconds, r.frames / std::max(seconds, 1e-9),
                 r.sigma > 0 ? fmt::format(", denoised at sigma {:.1f}", r.sigma) : "");
      for (const std::string& note : r.notes) fmt::print("  {}\n", note);
    }
  });
}

}  // namespace vidrep::cli
