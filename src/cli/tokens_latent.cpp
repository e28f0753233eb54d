// `tokens --latent RUN` in vidrep-torch: the clip's latent from the autoencoder, as [t,h,w,C].
#include "cli_common.h"

#include "vidrep/apps/autoencoder.h"
#include "vidrep/runtime.h"
#include "vidrep/tensor.h"

namespace vidrep::cli {

Array encode_latent(const std::string& run, const std::string& file, int64_t start, int64_t frames,
                    const ReaderOptions& reader) {
  set_num_threads(reader.threads);
  AeEncodeOptions options;
  options.start = start;
  options.frames = frames;
  options.reader = reader;
  const at::Tensor latent = encode_file(run, file, options);  // [C,t,h,w]
  return to_array(latent.permute({1, 2, 3, 0}).contiguous(), "latent");
}

}  // namespace vidrep::cli
