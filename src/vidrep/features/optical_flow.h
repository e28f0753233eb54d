// Dense optical flow by pyramidal Lucas-Kanade with iterative warping.
//
//   vidrep::Array flow = dense_flow(luma_clip);   // float32 [T,H,W] in [0,1] -> [T-1,2,H,W] (dx, dy)
//
// Method: the Lucas-Kanade local model (Lucas & Kanade 1981) evaluated at every pixel, coarse to
// fine as in Bouguet's pyramidal implementation (the one behind OpenCV's calcOpticalFlowPyrLK):
//   1. Both frames are reduced to a pyramid (binomial [1,3,3,1]/8 low-pass, halved until a side
//      would drop below min_size or `levels` are built).
//   2. Per level, from the coarsest, the flow from the level above is doubled and upsampled; the
//      structure tensor G = w * [Ix^2 IxIy; IxIy Iy^2] of the first frame is computed once (Sobel
//      gradients, Gaussian window w of `window_sigma` pixels), then `iterations` times the second
//      frame is warped by the current flow (bilinear), b = w * [Ix It; Iy It] is formed from the
//      residual It and the update solves (G + lambda I) d = -b in closed form per pixel. The warp
//      and the upsampling keep the conventions of ATen's grid_sample (bilinear, border padding,
//      align_corners) and upsample_bilinear2d (half-pixel centres), which an earlier version of
//      this file called.
//   3. Pixels whose warped position falls outside the second frame (content that left the view)
//      contribute no residual, so they do not drag their neighbours' windows.
// Why this method: every step is a per-pixel computation, a separable filter or one bilinear warp,
// with a fixed, small number of passes (levels x iterations), each a loop over rows that the
// compiler vectorizes. Horn-Schunck needs many (often hundreds of) global smoothing iterations to
// converge; Farneback's polynomial expansion fits a quadratic per pixel, more work per pass for
// similar accuracy on small motions.
// Its limitation is the aperture problem: where the window holds no texture, lambda pulls the
// flow to zero instead of filling it in from the surroundings, so flow statistics describe the
// textured, visibly moving parts of a frame. On a smooth textured image translated by whole or
// sub-pixel steps of up to 5 px per frame, the mean flow is within 0.025 px of the truth (tests
// check 0.05); per pixel, away from borders, the mean error is about 0.04 px.
//
// Flow is in pixels of the input: frame t at x matches frame t+1 at x + flow(x); x right, y down.
// Pure function of its inputs; thread-safe.
#pragma once

#include "vidrep/array.h"

namespace vidrep::features {

struct FlowOptions {
  int levels = 3;               // pyramid levels, each half the size of the one below
  int min_size = 16;            // no level smaller than this on its short side
  int iterations = 2;           // warp-and-solve passes per level (a third changes the mean by < 0.005 px)
  double window_sigma = 2.0;    // Gaussian integration window, in pixels of each level
  double regularization = 1e-4; // lambda, for intensities in [0,1]; below a texture's gradient energy
};

// Throws InvalidArgument for options out of range.
void validate_flow_options(const FlowOptions& options);

// float32 frames [...,T,H,W] in [0,1], T >= 2 -> float32 [...,T-1,2,H,W]: the flow from each
// frame to the next. Every frame's pyramid is built once, though it serves two pairs. Runs on the
// calling thread. Throws InvalidArgument for another shape or dtype, or bad options.
Array dense_flow(const Array& frames, const FlowOptions& options = {});

}  // namespace vidrep::features
