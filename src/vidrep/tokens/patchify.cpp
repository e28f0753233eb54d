#include "vidrep/tokens/patchify.h"

#include "vidrep/error.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace vidrep {

namespace {

constexpr const char* kDimNames[3] = {"frame count", "height", "width"};
constexpr const char* kPatchNames[3] = {"patch length", "patch height", "patch width"};

std::array<int64_t, 3> sizes_of(PatchSize p) { return {p.t, p.h, p.w}; }

void check_patch(PatchSize patch) {
  const auto p = sizes_of(patch);
  for (int d = 0; d < 3; ++d) {
    if (p[d] < 1) {
      throw InvalidArgument(fmt::format("{}: expected a positive size, got {}", kPatchNames[d], p[d]));
    }
  }
}

// Walks every patch row of a grid over a [T,H,W,C] clip of `sizes`: visit(token_row, t, h, w0),
// where token_row is the row's offset in values inside the token tensor and (t, h, w0) its first
// pixel in the (padded) clip. Both directions of the copy share it.
template <class Visit>
void for_each_patch_row(std::array<int64_t, 3> grid, PatchSize patch, int64_t channels, Visit visit) {
  const int64_t row = patch.w * channels;
  int64_t token_row = 0;
  for (int64_t gt = 0; gt < grid[0]; ++gt) {
    for (int64_t gh = 0; gh < grid[1]; ++gh) {
      for (int64_t gw = 0; gw < grid[2]; ++gw) {
        for (int64_t i = 0; i < patch.t; ++i) {
          for (int64_t j = 0; j < patch.h; ++j) {
            visit(token_row, gt * patch.t + i, gh * patch.h + j, gw * patch.w);
            token_row += row;
          }
        }
      }
    }
  }
}

}  // namespace

void check_patch_divides(std::array<int64_t, 3> sizes, PatchSize patch) {
  check_patch(patch);
  const auto p = sizes_of(patch);
  for (int d = 0; d < 3; ++d) {
    if (sizes[d] % p[d] != 0) {
      throw InvalidArgument(fmt::format("{} {} is not a multiple of {} {}; use --pad", kDimNames[d], sizes[d],
                                        kPatchNames[d], p[d]));
    }
  }
}

PatchSize parse_patch_size(const std::string& text, const std::string& option) {
  int64_t v[3] = {0, 0, 0};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 3; ++i) {
    auto [next, ec] = std::from_chars(p, end, v[i]);
    const bool last = i == 2;
    if (ec != std::errc() || v[i] < 1 || (last ? next != end : (next == end || *next != 'x'))) {
      throw InvalidArgument(fmt::format("{}: expected PTxPHxPW with positive integers (e.g. 2x16x16), got '{}'",
                                        option, text));
    }
    p = next + 1;
  }
  return {v[0], v[1], v[2]};
}

Array patch_positions(std::array<int64_t, 3> grid) {
  Array out(DType::Int32, {grid[0] * grid[1] * grid[2], 3});
  int32_t* p = out.data<int32_t>();
  for (int64_t t = 0; t < grid[0]; ++t) {
    for (int64_t h = 0; h < grid[1]; ++h) {
      for (int64_t w = 0; w < grid[2]; ++w) {
        *p++ = static_cast<int32_t>(t);
        *p++ = static_cast<int32_t>(h);
        *p++ = static_cast<int32_t>(w);
      }
    }
  }
  return out;
}

Patches patchify(const Array& clip, PatchSize patch, PatchifyOptions options) {
  if (!clip.defined() || clip.dim() != 4) {
    throw InvalidArgument(fmt::format("patchify: expected a clip [T,H,W,C], got [{}]", fmt::join(clip.shape(), ",")));
  }
  check_patch(patch);
  const auto p = sizes_of(patch);
  Patches out;
  out.patch = patch;
  out.channels = clip.size(3);
  if (out.channels < 1) throw InvalidArgument("patchify: the clip has no channels");
  for (int d = 0; d < 3; ++d) {
    out.original[d] = clip.size(d);
    if (clip.size(d) < 1) throw InvalidArgument(fmt::format("patchify: {} is 0: the clip is empty", kDimNames[d]));
    out.grid[d] = (clip.size(d) + p[d] - 1) / p[d];
  }
  if (options.pad == PadMode::None) check_patch_divides(out.original, patch);

  const auto [t_size, h_size, w_size] = out.original;
  const size_t pixel = out.channels * dtype_size(clip.dtype());  // bytes
  const int64_t n = out.grid[0] * out.grid[1] * out.grid[2];
  out.tokens = Array(clip.dtype(), {n, p[0] * p[1] * p[2] * out.channels});
  const std::byte* src = clip.bytes();
  std::byte* dst = out.tokens.bytes();
  const size_t value = dtype_size(clip.dtype());
  const bool zero = options.pad == PadMode::Zero;
  for_each_patch_row(out.grid, patch, out.channels, [&](int64_t token_row, int64_t t, int64_t h, int64_t w0) {
    std::byte* row = dst + token_row * value;
    if (zero && (t >= t_size || h >= h_size)) {
      std::memset(row, 0, patch.w * pixel);
      return;
    }
    // Past the end, replicate pads with the last frame / row / column.
    const int64_t st = std::min(t, t_size - 1), sh = std::min(h, h_size - 1);
    const int64_t inside = std::min(patch.w, w_size - w0);
    const std::byte* from = src + ((st * h_size + sh) * w_size + w0) * pixel;
    std::memcpy(row, from, inside * pixel);
    for (int64_t k = inside; k < patch.w; ++k) {
      if (zero) {
        std::memset(row + k * pixel, 0, pixel);
      } else {
        std::memcpy(row + k * pixel, from + (inside - 1) * pixel, pixel);
      }
    }
  });
  out.positions = patch_positions(out.grid);
  return out;
}

Array unpatchify(const Array& tokens, std::array<int64_t, 3> grid, PatchSize patch, int64_t channels,
                 std::array<int64_t, 3> original) {
  check_patch(patch);
  const auto p = sizes_of(patch);
  const auto [gt, gh, gw] = grid;
  const int64_t n = gt * gh * gw, dim = p[0] * p[1] * p[2] * channels;
  if (!tokens.defined() || tokens.dim() != 2 || tokens.size(0) != n || tokens.size(1) != dim || channels < 1) {
    throw InvalidArgument(fmt::format("unpatchify: expected tokens [{}, {}] for grid {}x{}x{}, patch {}x{}x{} and "
                                      "{} channels, got [{}]",
                                      n, dim, gt, gh, gw, p[0], p[1], p[2], channels, fmt::join(tokens.shape(), ", ")));
  }
  std::array<int64_t, 3> size{};
  for (int d = 0; d < 3; ++d) {
    const int64_t full = grid[d] * p[d];
    if (original[d] < 0 || original[d] > full) {
      throw InvalidArgument(fmt::format("unpatchify: original {} must be in 1..{}, got {}", kDimNames[d], full,
                                        original[d]));
    }
    size[d] = original[d] == 0 ? full : original[d];
  }
  const size_t value = dtype_size(tokens.dtype());
  const size_t pixel = channels * value;
  Array out(tokens.dtype(), {size[0], size[1], size[2], channels});
  const std::byte* src = tokens.bytes();
  std::byte* dst = out.bytes();
  for_each_patch_row(grid, patch, channels, [&](int64_t token_row, int64_t t, int64_t h, int64_t w0) {
    if (t >= size[0] || h >= size[1] || w0 >= size[2]) return;  // padding, cropped away
    const int64_t inside = std::min(patch.w, size[2] - w0);
    std::memcpy(dst + ((t * size[1] + h) * size[2] + w0) * pixel, src + token_row * value, inside * pixel);
  });
  return out;
}

Array unpatchify(const Patches& patches) {
  return unpatchify(patches.tokens, patches.grid, patches.patch, patches.channels, patches.original);
}

}  // namespace vidrep
