// vidrep tokens FILE --patch PTxPHxPW [--start I] [--frames T] [--size WxH | --native] [--pad] --out F.npz
// vidrep tokens FILE --latent RUN [--patch 1x2x2] ...: the same cut of the clip's autoencoder latent
// The pixel path runs on the I/O core (the front end); --latent needs vidrep-torch's encoder.
#include "cli_common.h"

#include "vidrep/error.h"
#include "vidrep/io/npz.h"
#include "vidrep/tokens/video_tokens.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>
#include <vector>

namespace vidrep::cli {

void register_tokens(CLI::App& app, LatentEncoder encode_latent) {
  struct Args {
    std::string file, patch, out, latent;
    int64_t start = 0, frames = 0;
    bool native = false, pad = false, json = false;
    ReaderFlags reader;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "tokens", "Cut consecutive frames (or their autoencoder latent, --latent RUN) into spacetime patches "
                "(Sora-style tokens) to an .npz with tokens float32 [N,PT*PH*PW*C] (pixels in [0,1]), "
                "positions int32 [N,3] (t,h,w), grid int32 [3]");
  cmd->add_option("FILE", args->file, "Video file")->required();
  cmd->add_option("--patch", args->patch, "Patch size PTxPHxPW in frames x pixels x pixels, e.g. 2x16x16 (required "
                                          "for pixels; default 1x2x2 in latent cells with --latent)");
  cmd->add_option("--latent", args->latent, "Cut the latent of the clip from this autoencoder run (vidrep ae train) "
                                            "instead of its pixels: tokens [N,PT*PH*PW*C] of latent values");
  cmd->add_option("--start", args->start, "First frame")->capture_default_str();
  cmd->add_option("--frames", args->frames, "Consecutive frames T (a multiple of PT unless --pad; default: all "
                                            "from --start)");
  add_reader_flags(cmd, args->reader);
  cmd->add_flag("--native", args->native, "Tokens at the video's own size, no resize (the default without --size)")
      ->excludes(cmd->get_option("--size"));
  cmd->add_flag("--pad", args->pad, "Pad sizes the patch does not divide by repeating the last frame, row and "
                                    "column (the original size is saved as 'shape')");
  cmd->add_option("--out", args->out, "Output .npz")->required();
  cmd->add_flag("--json", args->json, "Print the token and grid shapes as JSON");
  cmd->callback([args, encode_latent] {
    if (args->frames < 0) throw InvalidArgument(fmt::format("--frames: expected a positive count, got {}", args->frames));
    if (args->patch.empty() && args->latent.empty())
      throw InvalidArgument("tokens: --patch PTxPHxPW is required (or --latent RUN)");
    const PatchSize patch_size = args->patch.empty() ? PatchSize{1, 2, 2} : parse_patch_size(args->patch, "--patch");
    const PadMode pad = args->pad ? PadMode::Replicate : PadMode::None;
    Patches p;
    if (!args->latent.empty()) {
      if (encode_latent == nullptr) throw std::logic_error("tokens: --latent runs in vidrep-torch");
      p = patchify(encode_latent(args->latent, args->file, args->start, args->frames, reader_options(args->reader)),
                   patch_size, {pad});
    } else {
      VideoReader reader(args->file, reader_options(args->reader));
      p = video_tokens(reader, {patch_size, args->start, args->frames, pad});
    }

    const auto int32_array = [](const std::vector<int64_t>& v) {
      Array a(DType::Int32, {static_cast<int64_t>(v.size())});
      for (size_t i = 0; i < v.size(); ++i) a.data<int32_t>()[i] = static_cast<int32_t>(v[i]);
      return a;
    };
    const std::vector<int64_t> grid(p.grid.begin(), p.grid.end());
    const std::vector<int64_t> patch = {p.patch.t, p.patch.h, p.patch.w};
    const std::vector<int64_t> shape = {p.original[0], p.original[1], p.original[2], p.channels};
    io::save_npz(args->out, {{"tokens", p.tokens},
                             {"positions", p.positions},
                             {"grid", int32_array(grid)},
                             {"patch", int32_array(patch)},
                             {"shape", int32_array(shape)}});
    if (args->json) {
      nlohmann::json j = {{"path", args->file}, {"out", args->out}, {"tokens", p.tokens.shape()},
                          {"grid", grid}, {"patch", patch}, {"shape", shape}, {"start", args->start},
                          {"padded", args->pad}, {"latent", !args->latent.empty()}};
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{}: wrote {} tokens of {} values (grid {}x{}x{}) from {} {}frames of {}x{} to {}\n", args->file,
                 p.tokens.size(0), p.tokens.size(1), grid[0], grid[1], grid[2], shape[0],
                 args->latent.empty() ? "" : "latent ", shape[2], shape[1], args->out);
    }
  });
}

}  // namespace vidrep::cli
