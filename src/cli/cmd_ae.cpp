// vidrep ae train | eval | encode | decode: the video compression network (causal 3D autoencoder).
#include "cli_common.h"
#include "train_console.h"

#include "vidrep/apps/autoencoder.h"
#include "vidrep/error.h"
#include "vidrep/io/npy.h"
#include "vidrep/io/video_writer.h"
#include "vidrep/runtime.h"
#include "vidrep/tensor.h"
#include "vidrep/train/config.h"
#include "vidrep/train/evaluate.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {
namespace {

std::string shape_text(std::array<int64_t, 3> s) { return fmt::format("{}x{}x{}", s[0], s[1], s[2]); }

void register_ae_train(CLI::App& ae) {
  struct Args {
    std::string config_file, out, resume, compress, size;
    bool json = false, print_config = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = ae.add_subcommand("train", "Train a causal 3D autoencoder on a dataset's clips; writes a run folder");
  auto flags = std::make_shared<ConfigFlags>(cmd, Task::Autoencode);
  TrainConfig& c = flags->config();
  AutoencoderConfig& a = c.autoencoder;
  flags->add("--data", c.data, "/data", "Dataset folder: any vidrep train layout (labels are ignored) or a folder of video files");
  cmd->add_option("--out", args->out, "Run folder to create (config.json, metrics.jsonl, best.pt, last.pt)");
  cmd->add_option("--resume", args->resume, "Continue an interrupted run from RUN/last.pt");
  cmd->add_option("--config", args->config_file,
                  "JSON with any TrainConfig keys (as in RUN/config.json); the flags given override it");
  cmd->add_option("--compress", args->compress,
                  fmt::format("Compression TxHxW (powers of two; default {}x{}x{})", a.compress_t, a.compress_h, a.compress_w));
  flags->add("--latent-channels", a.latent_channels, "/autoencoder/latent_channels", "Latent channels");
  flags->add("--channels", a.channels, "/autoencoder/channels", "Width of the first stage (doubling per stage)");
  flags->add("--max-channels", a.max_channels, "/autoencoder/max_channels", "Widest stage");
  flags->add("--res-blocks", a.res_blocks, "/autoencoder/res_blocks", "Residual blocks per stage");
  flags->add("--patch", a.patch, "/autoencoder/patch", "Pixels folded into channels per side before the first conv");
  flags->add("--kl", a.kl_weight, "/autoencoder/kl_weight", "KL weight (0: plain autoencoder; > 0: VAE)");
  flags->add("--loss", a.loss, "/autoencoder/loss", "mse | l1 | psnr (mean over clips of log10 MSE: -PSNR/10)");
  flags->add("--frames", a.frames, "/autoencoder/frames", "Frames per training clip (1 + k * T)");
  cmd->add_option("--size", args->size, fmt::format("Training frame size WxH (default {}x{})", a.width, a.height));
  add_optimization_flags(*flags);
  add_clip_flags(*flags);
  cmd->add_flag("--json", args->json, "Print one JSON summary line at the end (epoch lines go to stderr)");
  cmd->add_flag("--print-config", args->print_config,
                "Print the run's config.json (defaults, then --config, then the flags given) and exit without training");
  cmd->callback([cmd, args, flags] {
    if (!args->resume.empty()) {
      refuse_with_resume(*cmd, args->resume,
                         {"--data", "--out", "--config", "--compress", "--latent-channels", "--epochs", "--size", "--seed", "--init"});
      run_training(flags->config(), args->out, args->resume, args->json, "vidrep ae train", flags->distributed());
      return;
    }
    if (args->out.empty() && !args->print_config) throw InvalidArgument("ae train: --out RUN is required (or --resume RUN)");
    if (!args->compress.empty()) {
      const auto [t, h, w] = parse_compression(args->compress, "--compress");
      flags->set("/autoencoder/compress_t", t);
      flags->set("/autoencoder/compress_h", h);
      flags->set("/autoencoder/compress_w", w);
    }
    if (!args->size.empty()) {
      const auto [width, height] = parse_size(args->size, "--size");
      flags->set("/autoencoder/width", width);
      flags->set("/autoencoder/height", height);
    }
    const TrainConfig config = resolve_train_config(Task::Autoencode, args->config_file, flags->given());
    if (args->print_config) {
      fmt::print("{}\n", nlohmann::json(config).dump(2));
      return;
    }
    run_training(config, args->out, "", args->json, "vidrep ae train", flags->distributed());
  });
}

void register_ae_eval(CLI::App& ae) {
  struct Args {
    std::string run, size;
    AeEvalOptions options;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  AeEvalOptions& o = args->options;
  CLI::App* cmd = ae.add_subcommand(
      "eval", "Reconstruction PSNR/SSIM of an autoencoder run on held-out clips, against plain trilinear resizing "
              "to the same number of values (baseline_psnr)");
  cmd->add_option("--run", args->run, "Run folder written by vidrep ae train")->required();
  cmd->add_option("--data", o.data, "Dataset folder (default: the run's)");
  cmd->add_option("--split", o.split, "train | val | test")->capture_default_str();
  cmd->add_option("--video", o.videos, "Evaluate clips of these video files instead of a dataset")->excludes("--data");
  cmd->add_option("--clips", o.clips, "Clips per --video file, spread evenly")->capture_default_str();
  cmd->add_option("--frames", o.frames, "Frames per clip (default: the run's training clip; 17 for --video)");
  cmd->add_option("--size", args->size, "Frame size WxH (default: the run's training size; the file's own for --video)");
  cmd->add_option("--checkpoint", o.checkpoint, "best | last")->capture_default_str();
  cmd->add_option("--threads", o.threads, "LibTorch threads (default: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--workers", o.workers, "Loader threads")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "One JSON object: psnr, ssim, baseline_psnr, baseline_ssim, clips, shapes");
  cmd->callback([args] {
    AeEvalOptions options = args->options;
    if (!args->size.empty()) std::tie(options.width, options.height) = parse_size(args->size, "--size");
    const AeEvalResult r = evaluate_autoencoder(args->run, options);
    for (const auto& s : r.skipped) fmt::print(stderr, "vidrep: skipped unreadable file {}\n", s);
    if (args->json) {
      fmt::print("{}\n", nlohmann::json{{"psnr", r.psnr},
                                        {"ssim", r.ssim},
                                        {"baseline_psnr", r.baseline_psnr},
                                        {"baseline_ssim", r.baseline_ssim},
                                        {"clips", r.clips},
                                        {"clip", r.clip},
                                        {"latent", r.latent},
                                        {"baseline", r.baseline},
                                        {"latent_values", r.latent_values},
                                        {"pixel_values", r.pixel_values},
                                        {"skipped", r.skipped}}
                             .dump());
      return;
    }
    fmt::print("{} on {} clips of {} (TxHxW), latent {} ({} values, {:.1f}x fewer):\n", args->run, r.clips,
               shape_text(r.clip), shape_text(r.latent), r.latent_values,
               static_cast<double>(r.pixel_values) / static_cast<double>(std::max<int64_t>(r.latent_values, 1)));
    fmt::print("  autoencoder      PSNR {:6.2f} dB  SSIM {:.4f}\n", r.psnr, r.ssim);
    fmt::print("  resize baseline  PSNR {:6.2f} dB  SSIM {:.4f}  (trilinear through {})\n", r.baseline_psnr,
               r.baseline_ssim, shape_text(r.baseline));
  });
}

void register_ae_encode(CLI::App& ae) {
  struct Args {
    std::string run, file, out;
    AeEncodeOptions options;
    ReaderFlags reader;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = ae.add_subcommand("encode", "Encode frames of a video (or an image, as 1 frame) into a latent .npy [C,t,h,w]");
  cmd->add_option("--run", args->run, "Autoencoder run folder")->required();
  cmd->add_option("FILE", args->file, "Video or image file")->required();
  cmd->add_option("--start", args->options.start, "First frame")->capture_default_str();
  cmd->add_option("--frames", args->options.frames, "Frames (1 + k * T; default: the most up to 17 from --start)");
  cmd->add_option("--checkpoint", args->options.checkpoint, "best | last")->capture_default_str();
  add_reader_flags(cmd, args->reader);
  cmd->add_option("--out", args->out, "Output .npy (float32 [C,t,h,w])")->required();
  cmd->add_flag("--json", args->json, "Print the shapes as JSON");
  cmd->callback([args] {
    AeEncodeOptions options = args->options;
    options.reader = reader_options(args->reader);
    set_num_threads(args->reader.threads);
    const at::Tensor latent = encode_file(args->run, args->file, options);
    io::save_npy(args->out, to_array(latent));
    if (args->json) {
      fmt::print("{}\n", nlohmann::json{{"path", args->file}, {"out", args->out}, {"latent", latent.sizes().vec()}}.dump());
    } else {
      fmt::print("{}: wrote latent [{}] to {}\n", args->file, fmt::join(latent.sizes(), ","), args->out);
    }
  });
}

void register_ae_decode(CLI::App& ae) {
  struct Args {
    std::string run, file, out, checkpoint = "best";
    double fps = 8;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = ae.add_subcommand("decode", "Decode a latent .npy [C,t,h,w] into a video file (.mp4, .webm, .avi)");
  cmd->add_option("--run", args->run, "Autoencoder run folder")->required();
  cmd->add_option("LATENT", args->file, "Latent .npy from vidrep ae encode")->required();
  cmd->add_option("--fps", args->fps, "Frame rate of the output")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--checkpoint", args->checkpoint, "best | last")->capture_default_str();
  cmd->add_option("--out", args->out, "Output video")->required();
  cmd->add_flag("--json", args->json, "Print the shapes as JSON");
  cmd->callback([args] {
    at::Tensor latent = to_tensor(io::load_npy(args->file));
    at::Tensor frames;
    try {
      frames = decode_latent(args->run, latent, args->checkpoint);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(fmt::format("{}: {}", args->file, e.what()));
    }
    VideoWriter::write_video(args->out, to_array(frames), args->fps);
    if (args->json) {
      fmt::print("{}\n", nlohmann::json{{"latent", args->file}, {"out", args->out}, {"frames", frames.size(0)},
                                        {"width", frames.size(2)}, {"height", frames.size(1)}}
                             .dump());
    } else {
      fmt::print("{}: wrote {} frames of {}x{} to {}\n", args->file, frames.size(0), frames.size(2), frames.size(1),
                 args->out);
    }
  });
}

}  // namespace

void register_ae(CLI::App& app) {
  CLI::App* ae = app.add_subcommand("ae", "Video compression network: train, evaluate, encode and decode a causal 3D autoencoder");
  ae->require_subcommand(1);
  register_ae_train(*ae);
  register_ae_eval(*ae);
  register_ae_encode(*ae);
  register_ae_decode(*ae);
}

}  // namespace vidrep::cli
