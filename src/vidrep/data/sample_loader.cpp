#include "vidrep/data/sample_loader.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"
#include "vidrep/io/audio_reader.h"
#include "vidrep/io/video_reader.h"
#include "vidrep/random.h"
#include "vidrep/sample/clip_sampler.h"
#include "vidrep/tensor.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace vidrep {

namespace detail {

namespace {


// Seeds of a sample's independent draws, derived from its own seed.
enum Draw : uint64_t { kClipDraw = 0, kTransformDraw = 1, kViewDraw = 2 };

void check_options(const LoaderOptions& o) {
  auto at_least = [](const char* name, int64_t value, int64_t low) {
    if (value < low) throw InvalidArgument(fmt::format("loader option {}: expected >= {}, got {}", name, low, value));
  };
  at_least("batch_size", o.batch_size, 1);
  at_least("workers", o.workers, 0);
  at_least("prefetch", o.prefetch, 0);
  at_least("clip_len", o.clip_len, 1);
  at_least("frame_stride", o.frame_stride, 1);
  at_least("width", o.width, 0);
  at_least("height", o.height, 0);
  at_least("decoder_threads", o.decoder_threads, 0);
  at_least("views", o.views, 1);
  if (!o.video && !o.audio) throw InvalidArgument("loader options: neither video nor audio asked for");
}

// float32 [S] of exactly mel_samples(mel) samples from `start`: zeros where the file's audio ends
// or is missing. The video of this file has opened, so an OpenError here means there is no usable
// audio stream, and InvalidArgument (the options are valid) that the audio ends before `start`.
at::Tensor read_audio(const std::string& path, double start, const MelOptions& mel) {
  at::Tensor out = at::zeros({mel_samples(mel)}, at::kFloat);
  at::Tensor got;
  try {
    AudioReader reader(path, {.sample_rate = mel.sample_rate, .mono = true, .start = start,
                              .end = start + mel.audio_seconds});
    got = to_tensor(reader.read());
  } catch (const OpenError&) {
    return out;
  } catch (const InvalidArgument&) {
    return out;
  }
  const int64_t n = std::min(out.size(0), got.size(1));
  if (n > 0) std::memcpy(out.data_ptr<float>(), got.data_ptr<float>(), static_cast<size_t>(n) * sizeof(float));
  return out;
}

}  // namespace

SampleContext::SampleContext(const LoaderOptions& o) : options(o) {
  check_options(o);
  if (!options.index_cache) options.index_cache = std::make_shared<io::FrameIndexCache>();
  if (!o.transform.empty()) pipeline = transform::Pipeline::parse(o.transform, "transform");
  if (o.audio) log_mel.emplace(o.mel);
}

DecodedSample decode_sample(const Sample& sample, const SampleContext& ctx, uint64_t sample_seed,
                            int64_t clip_index, int64_t num_clips, BucketShape shape) {
  const LoaderOptions& o = ctx.options;
  if (num_clips < 1 || clip_index < 0 || clip_index >= num_clips) {
    throw InvalidArgument(fmt::format("clip_index: expected 0..{}, got {}", num_clips - 1, clip_index));
  }
  const bool bucketed = shape.frames > 0;
  VideoReader reader(sample.path, {.width = bucketed ? 0 : o.width,
                                   .height = bucketed ? 0 : o.height,
                                   .threads = o.decoder_threads,
                                   .strict = true,
                                   .index_cache = o.index_cache.get()});
  FitPlan fit;
  if (bucketed) {
    fit = plan_fit(reader.native_height(), reader.native_width(), shape);
    reader.set_output_size(static_cast<int>(fit.resize_width), static_cast<int>(fit.resize_height));
  }
  const int64_t clip_len = bucketed ? shape.frames : o.clip_len;
  const FrameSpan frames = frames_in_time(reader, sample.start, sample.end);
  const ClipOptions clip_options{.kind = o.random_clip ? SamplerKind::Random : SamplerKind::Uniform,
                                 .clips = o.random_clip ? 1 : num_clips,
                                 .length = clip_len,
                                 .stride = o.frame_stride,
                                 .seed = derive_seed(sample_seed, kClipDraw),
                                 .policy = OutOfRange::RepeatLast};
  const auto clips = ClipSampler(clip_options).sample(frames);
  const std::vector<int64_t>& clip = clips[static_cast<size_t>(o.random_clip ? 0 : clip_index)];

  DecodedSample d;
  d.seed_independent = !o.random_clip || frames.count <= (clip_len - 1) * o.frame_stride + 1;
  d.clip_start = reader.frame_time(clip.front());
  if (o.video) d.frames = to_tensor(reader.read_frames(clip));
  if (o.video && bucketed) {
    d.frames = d.frames.slice(1, fit.crop_top, fit.crop_top + shape.height)
                   .slice(2, fit.crop_left, fit.crop_left + shape.width)
                   .contiguous();
  }
  if (o.audio) d.audio = read_audio(sample.path, d.clip_start, o.mel);
  return d;
}

at::Tensor transform_view(const at::Tensor& frames, const SampleContext& ctx, uint64_t sample_seed, int view) {
  if (ctx.pipeline.empty()) return frames;
  const uint64_t seed = view == 0 ? derive_seed(sample_seed, kTransformDraw)
                                  : derive_seed(derive_seed(sample_seed, kViewDraw), static_cast<uint64_t>(view));
  return ctx.pipeline.apply(frames, seed);
}

void prepare(DecodedSample& sample, const SampleContext& ctx, uint64_t sample_seed) {
  if (sample.frames.defined()) sample.frames = transform_view(sample.frames, ctx, sample_seed, 0);
  if (sample.audio.defined()) sample.audio = (*ctx.log_mel)(sample.audio);
}

void write_video(const at::Tensor& clip, const at::Tensor& out) {
  const bool is_byte = clip.scalar_type() == at::kByte;
  if (clip.dim() != 4 || clip.size(3) != 3 || (!is_byte && clip.scalar_type() != at::kFloat)) {
    throw InvalidArgument(fmt::format("loader: the transform must give RGB clips [T,H,W,3] uint8 or float32, got {}",
                                      describe(clip)));
  }
  const std::array<int64_t, 4> want = {3, clip.size(0), clip.size(1), clip.size(2)};
  if (!out.is_contiguous() || out.scalar_type() != at::kFloat || out.sizes() != at::IntArrayRef(want)) {
    throw InvalidArgument(fmt::format("loader: clips of one batch differ in size: expected [3,{},{},{}] float32, got {}",
                                      clip.size(0), clip.size(1), clip.size(2), describe(out)));
  }
  // [T,H,W,3] and [3,T,H,W] flatten T,H,W the same way: channel c of pixel p goes to plane c.
  const int64_t plane = clip.size(0) * clip.size(1) * clip.size(2);
  float* r = out.data_ptr<float>();
  float* g = r + plane;
  float* b = g + plane;
  const at::Tensor x = clip.contiguous();
  if (is_byte) {
    std::array<float, 256> lut{};
    for (int v = 0; v < 256; ++v) {
      lut[v] = static_cast<float>(v / 255.0);
    }
    const uint8_t* src = x.data_ptr<uint8_t>();
    for (int64_t p = 0; p < plane; ++p, src += 3) {
      r[p] = lut[src[0]];
      g[p] = lut[src[1]];
      b[p] = lut[src[2]];
    }
  } else {
    const float* src = x.data_ptr<float>();
    for (int64_t p = 0; p < plane; ++p, src += 3) {
      r[p] = src[0];
      g[p] = src[1];
      b[p] = src[2];
    }
  }
}

}  // namespace detail

SampleTensors load_sample(const Sample& sample, const LoaderOptions& options, uint64_t sample_seed,
                          int64_t clip_index, int64_t num_clips) {
  const detail::SampleContext ctx(options);
  detail::DecodedSample d = detail::decode_sample(sample, ctx, sample_seed, clip_index, num_clips);
  detail::prepare(d, ctx, sample_seed);
  SampleTensors out;
  out.clip_start = d.clip_start;
  out.audio = d.audio;
  if (d.frames.defined()) {
    out.video = at::empty({3, d.frames.size(0), d.frames.size(1), d.frames.size(2)}, at::kFloat);
    detail::write_video(d.frames, out.video);
  }
  return out;
}

}  // namespace vidrep
