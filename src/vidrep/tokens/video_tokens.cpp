#include "vidrep/tokens/video_tokens.h"

#include "vidrep/error.h"
#include "vidrep/io/video_reader.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace vidrep {

Patches video_tokens(VideoReader& reader, const VideoTokensOptions& options) {
  const int64_t total = reader.num_frames();
  if (options.start < 0 || options.start >= total) {
    throw InvalidArgument(fmt::format("{}: start frame: expected 0..{}, got {}", reader.path(), total - 1,
                                      options.start));
  }
  const int64_t frames = options.frames == 0 ? total - options.start : options.frames;
  if (frames < 1 || options.start + frames > total) {
    throw InvalidArgument(fmt::format("{}: frames: expected 1..{} from frame {}, got {}", reader.path(),
                                      total - options.start, options.start, frames));
  }
  // Fail on the patch before decoding anything.
  if (options.pad == PadMode::None) {
    try {
      check_patch_divides({frames, reader.height(), reader.width()}, options.patch);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(fmt::format("{}: {}", reader.path(), e.what()));
    }
  }
  // Patchify the uint8 frames (4x fewer bytes to move), then scale each value by a table.
  Patches p = patchify(reader.read_range(options.start, options.start + frames), options.patch, {options.pad});
  static const std::array<float, 256> scale = [] {
    std::array<float, 256> s{};
    for (int v = 0; v < 256; ++v) s[v] = static_cast<float>(v) / 255.0f;
    return s;
  }();
  Array tokens(DType::Float32, p.tokens.shape());
  const uint8_t* in = p.tokens.data<uint8_t>();
  float* out = tokens.data<float>();
  for (int64_t i = 0, n = tokens.numel(); i < n; ++i) out[i] = scale[in[i]];
  p.tokens = std::move(tokens);
  return p;
}

}  // namespace vidrep
