// Area averaging of 8-bit planar YUV frames, for large reductions (at least 2x on both axes, e.g.
// 1280x720 -> 112x112): each output sample is the exact mean of the input area it covers (box
// overlap weights in integer arithmetic, the filter swscale's SWS_AREA applies), computed at a
// fraction of swscale's cost, which reads every input row through a wide horizontal filter.
// FrameConverter uses it before converting the small result to RGB, so a large reduction costs
// about what decoding leaves of the cores instead of half a millisecond a frame.
#pragma once

#include "vidrep/io/ffmpeg.h"

namespace vidrep::io {

// Whether area_reduce takes `frame` to out_w x out_h: yuv420p, yuv422p or yuv444p (or their
// full-range yuvj twins), dimensions divisible by the chroma subsampling, and out_w, out_h at
// least 1 and at most half the frame's width and height (4:2:2 not at exactly half the height).
bool area_reducible(const AVFrame* frame, int out_w, int out_h);

// Reduces each of the frame's Y, U and V planes into `out`, (re)allocated as a 16-bit frame of
// out_w x out_h: yuv422p16, or yuv444p16 when swscale would interpolate chroma for every pixel
// (a 4:4:4 source, an odd out_w). Values are 256 x the exact 8-bit mean, rounded (swscale's
// 16-bit scale), so no precision is lost to an 8-bit intermediate. Copies the colour tags (a
// yuvj source's range becomes explicit). Requires area_reducible(frame, out_w, out_h).
void area_reduce(const AVFrame* frame, int out_w, int out_h, AVFrame* out);

}  // namespace vidrep::io
