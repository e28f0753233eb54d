// `vidrep enhance`: a whole file denoised (denoise.h), contrast-enhanced (contrast.h) and
// sharpened, streamed through in bounded memory (a few frames, whatever the length), re-encoded
// with libx264 at the input's own frame times, the audio packets copied as they are.
//
//   enhance::EnhanceResult r = enhance::enhance_file("in.mp4", "out.mp4", {.denoise = {.sigma = 15}});
#pragma once

#include "vidrep/enhance/contrast.h"
#include "vidrep/enhance/denoise.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vidrep::enhance {

struct EnhanceOptions {
  DenoiseOptions denoise{.sigma = 0};  // sigma 0: no denoising
  bool estimate_noise = false;         // denoise with the noise level measured on the first frame
  ContrastOptions contrast;            // mode None: no contrast change (the range follows the file)
  double sharpen = 0;                  // unsharp amount (0: none)
  int crf = 16;                        // libx264 quality (0: lossless)
  std::string preset = "fast";
  int threads = 0;
  bool audio = true;
  std::function<void(int64_t done, int64_t total)> progress;
};

struct EnhanceResult {
  int64_t frames = 0;
  double sigma = 0;  // the noise level denoised at
  int64_t audio_packets = 0;
  std::vector<std::string> notes;
};

// Throws OpenError / DecodeError for the input, InvalidArgument for options, WriteError for the
// output (written through a temporary name: a failure leaves nothing).
EnhanceResult enhance_file(const std::string& in_path, const std::string& out_path, const EnhanceOptions& options);

}  // namespace vidrep::enhance
