#include "vidrep/tokens/patchify.h"

#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>

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

// The clip grown at the end of T, H and W to `sizes`, in one buffer: the clip is copied once and
// only the margins are filled (zeros, or the last frame / row / column repeated).
at::Tensor pad_end(const at::Tensor& clip, std::array<int64_t, 3> sizes, PadMode mode) {
  at::Tensor x = at::empty({sizes[0], sizes[1], sizes[2], clip.size(3)}, clip.options());
  x.narrow(0, 0, clip.size(0)).narrow(1, 0, clip.size(1)).narrow(2, 0, clip.size(2)).copy_(clip);
  // Dimension by dimension, each margin spans what the previous steps have filled.
  std::array<int64_t, 3> filled = {clip.size(0), clip.size(1), clip.size(2)};
  for (int d = 0; d < 3; ++d) {
    at::Tensor region = x;
    for (int e = 0; e < 3; ++e) {
      if (e != d) region = region.narrow(e, 0, filled[e]);
    }
    if (sizes[d] > filled[d]) {
      at::Tensor margin = region.narrow(d, filled[d], sizes[d] - filled[d]);
      if (mode == PadMode::Zero) {
        margin.zero_();
      } else {
        margin.copy_(region.narrow(d, filled[d] - 1, 1).expand_as(margin));
      }
    }
    filled[d] = sizes[d];
  }
  return x;
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

at::Tensor patch_positions(std::array<int64_t, 3> grid) {
  const auto opts = at::TensorOptions().dtype(at::kLong);
  const at::Tensor t = at::arange(grid[0], opts).view({-1, 1, 1}).expand({grid[0], grid[1], grid[2]});
  const at::Tensor h = at::arange(grid[1], opts).view({1, -1, 1}).expand({grid[0], grid[1], grid[2]});
  const at::Tensor w = at::arange(grid[2], opts).view({1, 1, -1}).expand({grid[0], grid[1], grid[2]});
  return at::stack({t, h, w}, -1).reshape({-1, 3});
}

Patches patchify(const at::Tensor& clip, PatchSize patch, PatchifyOptions options) {
  if (clip.dim() != 4) {
    throw InvalidArgument(fmt::format("patchify: expected a clip [T,H,W,C], got [{}]",
                                      fmt::join(clip.sizes(), ",")));
  }
  check_patch(patch);
  const auto p = sizes_of(patch);
  Patches out;
  out.patch = patch;
  out.channels = clip.size(3);
  std::array<int64_t, 3> padded{};
  for (int d = 0; d < 3; ++d) {
    out.original[d] = clip.size(d);
    if (clip.size(d) < 1) throw InvalidArgument(fmt::format("patchify: {} is 0: the clip is empty", kDimNames[d]));
    out.grid[d] = (clip.size(d) + p[d] - 1) / p[d];
    padded[d] = out.grid[d] * p[d];
  }
  at::Tensor x = clip;
  if (padded != out.original) {
    if (options.pad == PadMode::None) check_patch_divides(out.original, patch);
    x = pad_end(clip, padded, options.pad);
  }
  const auto [gt, gh, gw] = out.grid;
  // [gt,pt,gh,ph,gw,pw,C] -> [gt,gh,gw,pt,ph,pw,C]: the only copy is the final contiguous().
  out.tokens = x.reshape({gt, p[0], gh, p[1], gw, p[2], out.channels})
                   .permute({0, 2, 4, 1, 3, 5, 6})
                   .contiguous()
                   .view({gt * gh * gw, p[0] * p[1] * p[2] * out.channels});
  out.positions = patch_positions(out.grid);
  return out;
}

at::Tensor unpatchify(const at::Tensor& tokens, std::array<int64_t, 3> grid, PatchSize patch,
                      int64_t channels, std::array<int64_t, 3> original) {
  check_patch(patch);
  const auto p = sizes_of(patch);
  const auto [gt, gh, gw] = grid;
  const int64_t n = gt * gh * gw, dim = p[0] * p[1] * p[2] * channels;
  if (tokens.dim() != 2 || tokens.size(0) != n || tokens.size(1) != dim || channels < 1) {
    throw InvalidArgument(fmt::format("unpatchify: expected tokens [{}, {}] for grid {}x{}x{}, patch {}x{}x{} and "
                                      "{} channels, got [{}]",
                                      n, dim, gt, gh, gw, p[0], p[1], p[2], channels, fmt::join(tokens.sizes(), ", ")));
  }
  at::Tensor x = tokens.reshape({gt, gh, gw, p[0], p[1], p[2], channels})
                     .permute({0, 3, 1, 4, 2, 5, 6})
                     .reshape({gt * p[0], gh * p[1], gw * p[2], channels});
  for (int d = 0; d < 3; ++d) {
    if (original[d] == 0) continue;
    if (original[d] < 0 || original[d] > x.size(d)) {
      throw InvalidArgument(fmt::format("unpatchify: original {} must be in 1..{}, got {}", kDimNames[d], x.size(d),
                                        original[d]));
    }
    x = x.narrow(d, 0, original[d]);
  }
  return x.contiguous();
}

at::Tensor unpatchify(const Patches& patches) {
  return unpatchify(patches.tokens, patches.grid, patches.patch, patches.channels, patches.original);
}

}  // namespace vidrep
