// vidrep encode IN.npy --fps R [--audio A.npy --rate R] [--crf N] [--json] --out F.mp4|.webm|.avi
#include "cli_common.h"

#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/io/video_writer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {

void register_encode(CLI::App& app) {
  struct Args {
    std::string frames;
    std::string audio;
    std::string out;
    double fps = 0;
    int rate = 0;
    int crf = -1;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "encode", "Encode uint8 [N,H,W,3] RGB frames from a .npy (and optional float32 audio) into .mp4, .webm or .avi");
  cmd->add_option("FRAMES", args->frames, "Frames .npy, uint8 [N,H,W,3]")->required();
  cmd->add_option("--out,-o", args->out, "Output video: .mp4 (H.264+AAC), .webm (VP9+Opus), .avi (MPEG-4+PCM)")
      ->required();
  cmd->add_option("--fps", args->fps, "Frame rate (fractional allowed, e.g. 29.97)")->required();
  CLI::Option* audio = cmd->add_option("--audio", args->audio, "Audio .npy, float32 [C,S] or [S]");
  cmd->add_option("--rate", args->rate, "Sample rate of --audio in Hz")->needs(audio);
  audio->needs("--rate");
  cmd->add_option("--crf", args->crf, "Quality, lower is better (x264/VP9 crf, MPEG-4 qscale)");
  cmd->add_flag("--json", args->json, "Print a JSON summary instead of a sentence");
  cmd->callback([args] {
    const Array frames = io::load_npy(args->frames);
    if (frames.dtype() != DType::UInt8 || frames.dim() != 4 || frames.size(3) != 3) {
      throw InvalidArgument(fmt::format("{}: expected [N,H,W,3] uint8 frames, got {}", args->frames, describe(frames)));
    }
    Array samples;
    if (!args->audio.empty()) {
      samples = io::load_npy(args->audio);
      if (samples.dtype() != DType::Float32 || samples.dim() < 1 || samples.dim() > 2) {
        throw InvalidArgument(fmt::format("{}: expected [C,S] or [S] float32 audio, got {}", args->audio, describe(samples)));
      }
      if (samples.dim() == 1) samples = samples.reshaped({1, samples.size(0)});
    }
    WriterOptions options;
    options.fps = args->fps;
    options.crf = args->crf;
    if (samples.defined()) {
      options.audio_rate = args->rate;
      options.audio_channels = static_cast<int>(samples.size(0));
    }
    VideoWriter writer(args->out, static_cast<int>(frames.size(2)), static_cast<int>(frames.size(1)), options);
    writer.write_frames(frames);
    if (samples.defined()) writer.write_audio(samples);
    writer.close();
    const double seconds = static_cast<double>(frames.size(0)) / args->fps;
    if (args->json) {
      const nlohmann::json j = {{"out", args->out},         {"frames", frames.size(0)},
                                {"width", frames.size(2)},  {"height", frames.size(1)},
                                {"fps", args->fps},         {"audio_samples", writer.samples_written()},
                                {"audio_rate", args->rate}, {"duration", seconds}};
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{}: {} frames {}x{} at {} fps ({:.3f} s){}\n", args->out, frames.size(0), frames.size(2),
                 frames.size(1), args->fps, seconds,
                 samples.defined() ? fmt::format(", {} x {} audio samples at {} Hz", samples.size(0),
                                                 samples.size(1), args->rate)
                                   : "");
    }
  });
}

}  // namespace vidrep::cli
