// Spacetime patches (Sora / ViViT "tubelets"): a clip [T,H,W,C] cut into non-overlapping
// pt x ph x pw blocks, each flattened into one token. Part of the I/O core (no LibTorch), so
// `vidrep tokens` starts without loading it.
//
//   vidrep::Patches p = vidrep::patchify(clip, {.t = 2, .h = 16, .w = 16});
//   p.tokens      // [N, 2*16*16*C], clip's dtype; N = grid t*h*w
//   p.positions   // int32 [N,3]: (t,h,w) grid index of each token
//   vidrep::Array back = vidrep::unpatchify(p);   // bit-identical to clip
//
// Token order is t-major, then h, then w (row-major over the grid); inside a token the values are
// in (pt, ph, pw, c) order, so a token is the contiguous memory of a [pt,ph,pw,C] block.
// Both directions copy each patch row (pw*C values) once, padding included: no padded copy of the
// clip is made. Pure functions, thread-safe.
#pragma once

#include "vidrep/array.h"

#include <array>
#include <cstdint>
#include <string>

namespace vidrep {

struct PatchSize {
  int64_t t = 1;
  int64_t h = 16;
  int64_t w = 16;
};

// What to do when T, H or W is not a multiple of the patch.
enum class PadMode {
  None,       // throw InvalidArgument naming the dimension
  Replicate,  // repeat the last frame / row / column at the end (no artificial black borders)
  Zero,       // zeros at the end
};

struct PatchifyOptions {
  PadMode pad = PadMode::None;
};

struct Patches {
  Array tokens;                       // [N, pt*ph*pw*C], the clip's dtype
  Array positions;                    // int32 [N,3], (t,h,w) grid indices
  std::array<int64_t, 3> grid{};      // (T/pt, H/ph, W/pw) after padding
  PatchSize patch;
  int64_t channels = 0;
  std::array<int64_t, 3> original{};  // (T,H,W) before padding; unpatchify crops back to it
};

// "2x16x16" -> {2,16,16}; throws InvalidArgument naming `option`.
PatchSize parse_patch_size(const std::string& text, const std::string& option = "patch");

// Throws InvalidArgument when a size (T,H,W) is not a multiple of the patch, naming the
// dimension: "height 55 is not a multiple of patch height 16; use --pad".
void check_patch_divides(std::array<int64_t, 3> sizes, PatchSize patch);

// [T,H,W,C] (any dtype) -> Patches. Throws InvalidArgument for a wrong rank, a non-positive patch,
// or (pad None) a size that does not divide, e.g. "height 55 is not a multiple of patch height 16".
Patches patchify(const Array& clip, PatchSize patch, PatchifyOptions options = {});

// Exact inverse: tokens [N, pt*ph*pw*C] -> [T,H,W,C] with T = grid[0]*pt etc., cropped to
// `original` when given (all zeros = no crop). Throws InvalidArgument when the shapes disagree.
Array unpatchify(const Array& tokens, std::array<int64_t, 3> grid, PatchSize patch, int64_t channels,
                 std::array<int64_t, 3> original = {});
Array unpatchify(const Patches& patches);

// int32 [N,3] grid indices (t,h,w) in token order, for a grid of that size.
Array patch_positions(std::array<int64_t, 3> grid);

}  // namespace vidrep
