#include "vidrep/io/video_writer.h"

#include "vidrep/error.h"
#include "vidrep/io/encoder.h"
#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/muxer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <optional>
#include <vector>

namespace vidrep {

namespace {

struct Container {
  const char* extension;
  const char* format;       // libavformat muxer
  const char* video_codec;  // default encoders
  const char* audio_codec;
};
constexpr Container kContainers[] = {
    {".mp4", "mp4", "libx264", "aac"},
    {".webm", "webm", "libvpx-vp9", "libopus"},
    {".avi", "avi", "mpeg4", "pcm_s16le"},
};

constexpr int kMaxRate = 768'000;

const Container& container_for(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const Container& c : kContainers) {
    if (ext == c.extension) return c;
  }
  throw InvalidArgument(fmt::format("{}: unknown extension '{}' (expected .mp4, .webm or .avi)", path, ext));
}

void check_options(const std::string& path, int width, int height, const WriterOptions& o) {
  if (width < 1 || height < 1 || width > io::kMaxSide || height > io::kMaxSide) {
    throw InvalidArgument(fmt::format("{}: size: expected 1..{} per side, got {}x{}", path, io::kMaxSide, width, height));
  }
  if (!std::isfinite(o.fps) || o.fps <= 0 || o.fps > 1000) {
    throw InvalidArgument(fmt::format("{}: fps: expected 0 < fps <= 1000, got {}", path, o.fps));
  }
  if (o.audio_rate < 0 || o.audio_rate > kMaxRate) {
    throw InvalidArgument(fmt::format("{}: audio_rate: expected 0 (no audio) or 1..{} Hz, got {}", path, kMaxRate,
                                      o.audio_rate));
  }
  if (o.audio_rate > 0 && (o.audio_channels < 1 || o.audio_channels > 8)) {
    throw InvalidArgument(fmt::format("{}: audio_channels: expected 1..8, got {}", path, o.audio_channels));
  }
  if (o.crf < -1 || o.crf > 63) {
    throw InvalidArgument(fmt::format("{}: crf: expected -1 (default) or 0..63, got {}", path, o.crf));
  }
  if (o.threads < 0) throw InvalidArgument(fmt::format("{}: threads: expected >= 0, got {}", path, o.threads));
}

}  // namespace

struct VideoWriter::Impl {
  std::string path;
  int width;
  int height;
  WriterOptions opts;
  io::Muxer mux;  // before the encoders, which write into it
  std::optional<io::VideoEncoder> video;
  std::optional<io::AudioEncoder> audio;
  bool closed = false;
  bool broken = false;  // an encode or write failed; the output is unusable

  Impl(const std::string& p, int w, int h, const WriterOptions& o, const Container& c)
      : path(p), width(w), height(h), opts(o), mux(p, c.format) {
    video.emplace(mux, w, h, o, c.video_codec);
    if (o.audio_rate > 0) audio.emplace(mux, o, c.audio_codec);
    mux.start();
  }

  void check_usable() const {
    if (closed) throw InvalidArgument(fmt::format("{}: the writer is already closed", path));
    if (broken) throw WriteError(fmt::format("{}: an earlier write failed; the output is discarded", path));
  }

  // Runs `f`; a WriteError leaves the output unusable.
  template <typename F>
  void guarded(F&& f) {
    check_usable();
    try {
      f();
    } catch (const WriteError&) {
      broken = true;
      throw;
    }
  }

  void write_frames(const Array& rgb) {
    check_usable();
    const bool ok_shape = (rgb.dim() == 3 || rgb.dim() == 4) && rgb.size(-1) == 3 && rgb.size(-2) == width &&
                          rgb.size(-3) == height;
    if (!rgb.defined() || rgb.dtype() != DType::UInt8 || !ok_shape) {
      throw InvalidArgument(fmt::format("{}: frames: expected [N,{},{},3] or [{},{},3] uint8, got {}", path, height,
                                        width, height, width, describe(rgb)));
    }
    const Array x = rgb.dim() == 3 ? rgb.reshaped({1, height, width, 3}) : rgb;
    const uint8_t* base = x.data<uint8_t>();
    const int64_t frame_bytes = int64_t{3} * width * height;
    guarded([&] {
      for (int64_t i = 0; i < x.size(0); ++i) video->encode(base + i * frame_bytes);
    });
  }

  void write_audio(const Array& samples) {
    check_usable();
    if (!audio) throw InvalidArgument(fmt::format("{}: audio: the writer has no audio track (audio_rate was 0)", path));
    const int ch = opts.audio_channels;
    const bool ok_shape = (samples.dim() == 2 && samples.size(0) == ch) || (samples.dim() == 1 && ch == 1);
    if (!samples.defined() || samples.dtype() != DType::Float32 || !ok_shape) {
      throw InvalidArgument(fmt::format("{}: audio: expected [{},S] float32{}, got {}", path, ch,
                                        ch == 1 ? " (or [S])" : "", describe(samples)));
    }
    const Array x = samples.reshaped({ch, -1});
    const int64_t total = x.size(1);
    constexpr int64_t kChunk = 1 << 16;  // bounds the conversion buffer
    guarded([&] {
      for (int64_t off = 0; off < total; off += kChunk) {
        const int n = static_cast<int>(std::min(kChunk, total - off));
        std::vector<const float*> planes(static_cast<size_t>(ch));
        for (int c = 0; c < ch; ++c) planes[static_cast<size_t>(c)] = x.data<float>() + c * total + off;
        audio->encode(planes.data(), n);
      }
    });
  }

  void close() {
    if (closed) return;
    guarded([&] {
      broken = true;  // until the file is in place
      if (audio) audio->finish();
      video->finish();
      mux.close();
      broken = false;
      closed = true;
    });
  }
};

VideoWriter::VideoWriter(const std::string& path, int width, int height, WriterOptions options) {
  io::quiet_libav_logging();
  check_options(path, width, height, options);
  const Container& c = container_for(path);  // an unknown extension is reported before touching disk
  impl_ = std::make_unique<Impl>(path, width, height, options, c);
}

VideoWriter::~VideoWriter() = default;
VideoWriter::VideoWriter(VideoWriter&&) noexcept = default;
VideoWriter& VideoWriter::operator=(VideoWriter&&) noexcept = default;

const std::string& VideoWriter::path() const { return impl_->path; }
int VideoWriter::width() const { return impl_->width; }
int VideoWriter::height() const { return impl_->height; }
int64_t VideoWriter::frames_written() const { return impl_->video->frames(); }
int64_t VideoWriter::samples_written() const { return impl_->audio ? impl_->audio->samples() : 0; }

void VideoWriter::write_frames(const Array& rgb) { impl_->write_frames(rgb); }
void VideoWriter::write_audio(const Array& samples) { impl_->write_audio(samples); }
void VideoWriter::close() { impl_->close(); }

void VideoWriter::write_video(const std::string& path, const Array& frames, double fps, const Array& audio,
                              int audio_rate) {
  if (!frames.defined() || frames.dim() != 4) {
    throw InvalidArgument(fmt::format("{}: frames: expected [N,H,W,3] uint8, got {}", path, describe(frames)));
  }
  WriterOptions options;
  options.fps = fps;
  if (audio.defined()) {
    if (audio_rate <= 0) throw InvalidArgument(fmt::format("{}: audio_rate: expected > 0 with audio, got {}", path, audio_rate));
    options.audio_rate = audio_rate;
    options.audio_channels = audio.dim() == 2 ? static_cast<int>(audio.size(0)) : 1;
  }
  VideoWriter writer(path, static_cast<int>(frames.size(2)), static_cast<int>(frames.size(1)), options);
  writer.write_frames(frames);
  if (audio.defined()) writer.write_audio(audio);
  writer.close();
}

}  // namespace vidrep
