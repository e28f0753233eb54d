#include "vidrep/io/audio_reader.h"

#include "vidrep/error.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/packet_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <vector>

namespace vidrep {

namespace {

// Decoded before `start` after a seek: MDCT codecs (AAC) need the previous frame and Opus asks
// for 80 ms of pre-roll before their output is exact; the extra samples are dropped.
constexpr double kPreroll = 0.5;
// Timestamp jumps below this are container rounding (Matroska stores milliseconds), not gaps.
constexpr double kGapTolerance = 0.04;
constexpr int kMaxRate = 768'000;

// An AVChannelLayout that frees what a custom-order layout allocates.
class ChannelLayout {
 public:
  ChannelLayout() = default;
  ChannelLayout(const ChannelLayout&) = delete;
  ChannelLayout& operator=(const ChannelLayout&) = delete;
  ~ChannelLayout() { av_channel_layout_uninit(&layout_); }

  // `src` itself, or the default layout for its channel count when its order is unknown.
  void set(const AVChannelLayout& src) {
    av_channel_layout_uninit(&layout_);
    if (src.order == AV_CHANNEL_ORDER_UNSPEC || av_channel_layout_check(&src) == 0) {
      av_channel_layout_default(&layout_, src.nb_channels);
    } else if (av_channel_layout_copy(&layout_, &src) < 0) {
      throw std::bad_alloc();
    }
  }
  void set_mono() {
    av_channel_layout_uninit(&layout_);
    layout_ = AV_CHANNEL_LAYOUT_MONO;
  }
  AVChannelLayout* get() { return &layout_; }  // FFmpeg 5.1 takes non-const layouts
  int channels() const { return layout_.nb_channels; }

 private:
  AVChannelLayout layout_{};
};

// The output samples of one read: index 0 is at `start`; samples outside [0, limit) are dropped
// and positions nothing was written to stay silent.
class SampleSink {
 public:
  SampleSink(int channels, int64_t limit) : planes_(channels), limit_(limit) {}

  bool full(int64_t pos) const { return limit_ >= 0 && pos >= limit_; }

  // Stores `n` samples per channel whose first belongs at output index `pos`.
  void put(const float* const* src, int64_t n, int64_t pos) {
    const int64_t lo = std::max<int64_t>(pos, 0);
    const int64_t hi = limit_ >= 0 ? std::min(pos + n, limit_) : pos + n;
    if (hi <= lo) return;
    for (size_t c = 0; c < planes_.size(); ++c) {
      std::vector<float>& plane = planes_[c];
      if (static_cast<int64_t>(plane.size()) < hi) plane.resize(hi, 0.0f);
      std::memcpy(plane.data() + lo, src[c] + (lo - pos), (hi - lo) * sizeof(float));
    }
  }

  Array take() {
    const int64_t length = planes_.empty() ? 0 : static_cast<int64_t>(planes_[0].size());
    Array out(DType::Float32, {static_cast<int64_t>(planes_.size()), length});
    float* dst = out.data<float>();
    for (size_t c = 0; c < planes_.size(); ++c) {
      std::memcpy(dst + c * length, planes_[c].data(), length * sizeof(float));
      std::vector<float>().swap(planes_[c]);
    }
    return out;
  }

 private:
  std::vector<std::vector<float>> planes_;
  int64_t limit_;
};

void check_options(const std::string& path, const AudioOptions& o) {
  if (!std::isfinite(o.start) || o.start < 0) {
    throw InvalidArgument(fmt::format("{}: start: expected seconds >= 0, got {}", path, o.start));
  }
  if (o.end != -1 && (!std::isfinite(o.end) || o.end <= o.start)) {
    throw InvalidArgument(
        fmt::format("{}: end: expected -1 (to the end) or seconds > start ({}), got {}", path, o.start, o.end));
  }
  if (o.sample_rate < 0 || o.sample_rate > kMaxRate) {
    throw InvalidArgument(fmt::format("{}: sample_rate: expected 0 (native) or 1..{} Hz, got {}", path,
                                      kMaxRate, o.sample_rate));
  }
}

}  // namespace

struct AudioReader::Impl {
  std::string path;
  AudioOptions opts;
  std::unique_ptr<io::Demuxer> demuxer;
  int stream = -1;
  AVStream* st = nullptr;
  AVRational tb{0, 1};
  std::unique_ptr<io::PacketDecoder> decoder;
  double origin = 0;    // the container's start time, in seconds
  double duration = 0;  // end of the stream from origin; 0 when unknown
  int native_rate = 0;
  int native_channels = 0;
  int out_rate = 0;
  ChannelLayout out_layout;
  bool fresh = true;  // nothing demuxed yet
  AudioCounters done;  // by demuxers already closed

  // --- per read ---
  io::UniqueSwrContext swr;
  int swr_in_rate = 0;
  int swr_in_format = -1;
  ChannelLayout swr_in_layout;
  std::vector<std::vector<float>> scratch;  // resampler output, one plane per channel

  Impl(const std::string& p, const AudioOptions& o) : path(p), opts(o) {
    open();
    const AVCodecParameters* par = st->codecpar;
    native_rate = par->sample_rate;
    native_channels = par->ch_layout.nb_channels;
    if (native_rate <= 0 || native_channels <= 0) {
      throw OpenError(fmt::format("{}: stream {}: audio has no sample rate or channel count", path, stream));
    }
    out_rate = o.sample_rate > 0 ? o.sample_rate : native_rate;
    if (o.mono) {
      out_layout.set_mono();
    } else {
      out_layout.set(par->ch_layout);
    }
    scratch.resize(out_layout.channels());

    const AVFormatContext* fmt = demuxer->format();
    origin = fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time / double(AV_TIME_BASE) : 0.0;
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
      const int64_t first = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
      duration = io::to_seconds(first + st->duration, tb) - origin;
    } else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0) {
      duration = fmt->duration / double(AV_TIME_BASE);
    }
    if (duration > 0 && o.start >= duration) {
      throw InvalidArgument(fmt::format("{}: start: {} s is past the end of the audio ({:.3f} s)", path,
                                        o.start, duration));
    }
  }

  void open() {
    if (demuxer) done = counters();
    demuxer = std::make_unique<io::Demuxer>(path, io::DemuxerOptions{opts.io_timeout});
    stream = demuxer->select_stream(AVMEDIA_TYPE_AUDIO, opts.stream);
    st = demuxer->stream(stream);
    tb = st->time_base;
    decoder = std::make_unique<io::PacketDecoder>(path, st, io::DecoderOptions{.threads = 1, .strict = opts.strict});
    fresh = true;
  }

  AudioCounters counters() const {
    return {done.packets_read + demuxer->packets_read(), done.seeks + demuxer->seeks()};
  }

  std::string where(double seconds) const {
    return fmt::format("{}: stream {}: at {:.3f} s", path, stream, seconds);
  }

  // Positions the demuxer so that decoding reaches `start` with enough pre-roll. Reading from the
  // beginning again reopens the file: a seek to the first packet is not exact in every demuxer
  // (MP4 would skip the AAC priming packet and its trimming).
  void rewind() {
    const double seek_to = opts.start - kPreroll;
    if (seek_to > 0) {
      demuxer->seek(stream, std::llround((seek_to + origin) / av_q2d(tb)));
      decoder->flush();
    } else if (!fresh) {
      open();
    }
    fresh = false;
  }

  bool swr_matches(const AVFrame* f) const {
    return swr && f->sample_rate == swr_in_rate && f->format == swr_in_format &&
           f->ch_layout.nb_channels == swr_in_layout.channels();
  }

  void configure_swr(const AVFrame* f, double seconds) {
    swr_in_layout.set(f->ch_layout);
    SwrContext* raw = nullptr;
    int ret = swr_alloc_set_opts2(&raw, out_layout.get(), AV_SAMPLE_FMT_FLTP, out_rate, swr_in_layout.get(),
                                  static_cast<AVSampleFormat>(f->format), f->sample_rate, 0, nullptr);
    swr.reset(raw);
    if (ret >= 0) ret = swr_init(swr.get());
    if (ret < 0) {
      throw DecodeError(fmt::format("{}: cannot resample {} Hz {} channels to {} Hz: {}", where(seconds),
                                    f->sample_rate, f->ch_layout.nb_channels, out_rate, io::av_error_text(ret)));
    }
    swr_in_rate = f->sample_rate;
    swr_in_format = f->format;
  }

  // Resamples `n` input samples (nullptr: what the resampler still holds) into the sink at `pos`.
  void convert(const uint8_t* const* in, int n, SampleSink& sink, int64_t& pos, double seconds) {
    for (;;) {
      const int cap = swr_get_out_samples(swr.get(), n);
      if (cap <= 0) return;
      std::vector<float*> planes(scratch.size());
      for (size_t c = 0; c < scratch.size(); ++c) {
        if (static_cast<int>(scratch[c].size()) < cap) scratch[c].resize(cap);
        planes[c] = scratch[c].data();
      }
      const int got = swr_convert(swr.get(), reinterpret_cast<uint8_t**>(planes.data()), cap,
                                  const_cast<const uint8_t**>(in), n);
      if (got < 0) throw DecodeError(fmt::format("{}: resampling failed: {}", where(seconds), io::av_error_text(got)));
      sink.put(planes.data(), got, pos);
      pos += got;
      if (in != nullptr || got == 0) return;  // input is consumed in one call; a flush may need several
    }
  }

  Array read() {
    rewind();
    swr.reset();
    const int64_t limit = opts.end >= 0 ? std::llround((opts.end - opts.start) * out_rate) : -1;
    SampleSink sink(out_layout.channels(), limit);
    int64_t pos = 0;                     // output index of the resampler's next sample
    std::optional<double> next_time;     // where the next decoded sample belongs, in seconds
    double packet_time = opts.start;     // for error messages

    io::UniqueAVPacket pkt = io::make_packet();
    io::UniqueAVFrame frame = io::make_frame();
    bool draining = false;
    while (!sink.full(pos)) {
      if (!draining) {
        if (demuxer->read(pkt.get(), stream)) {
          // An empty packet carries no samples (Ogg files start with a run of them); decoders
          // reject it, so it is passed over, as it holds nothing to lose.
          if (pkt->size == 0) continue;
          const double t = io::to_seconds(pkt->pts, tb) - origin;
          if (!std::isnan(t)) packet_time = t;
          const int ret = decoder->send(pkt.get());
          // A lenient reader drops a damaged packet; its time stays silent.
          if (ret < 0 && opts.strict) {
            throw DecodeError(fmt::format("{}: cannot decode: {}", where(packet_time), io::av_error_text(ret)));
          }
        } else {
          draining = true;
          decoder->send(nullptr);
        }
      }
      int ret = 0;
      while (!sink.full(pos) && (ret = decoder->receive(frame.get())) == 0) {
        place(frame.get(), sink, pos, next_time);
        av_frame_unref(frame.get());
      }
      if (ret == AVERROR_EOF) break;
      if (ret < 0 && ret != AVERROR(EAGAIN) && opts.strict) {
        throw DecodeError(fmt::format("{}: cannot decode: {}", where(packet_time), io::av_error_text(ret)));
      }
    }
    if (swr && !sink.full(pos)) convert(nullptr, 0, sink, pos, packet_time);
    swr.reset();
    return sink.take();
  }

  // Input samples of silence to put before a stream whose first sample is at `t`, so that the
  // resampled stream starts on the output grid (start + k / out_rate) instead of between two of
  // its points: half an output sample of phase error is audible in a correlation at 1 kHz.
  int grid_lead(double t, int in_rate) const {
    const int period = in_rate / std::gcd(in_rate, out_rate);  // input samples per common grid step
    int best = 0;
    double best_err = 1;
    for (int d = 0; d < period && best_err > 1e-6; ++d) {
      const double k = (t - opts.start - static_cast<double>(d) / in_rate) * out_rate;
      const double err = std::abs(k - std::round(k));
      if (err < best_err) {
        best = d;
        best_err = err;
      }
    }
    return best;
  }

  // Feeds one decoded frame to the resampler, first lining its timestamp up with the output.
  void place(const AVFrame* f, SampleSink& sink, int64_t& pos, std::optional<double>& next_time) {
    const double t_pts = io::to_seconds(io::frame_timestamp(f), tb) - origin;
    const double t = std::isnan(t_pts) ? next_time.value_or(opts.start) : t_pts;
    if (!swr_matches(f)) {
      if (swr) convert(nullptr, 0, sink, pos, t);  // the format changed: finish the old one
      configure_swr(f, t);
      if (!next_time) {
        const int lead = grid_lead(t, f->sample_rate);
        if (lead > 0 && swr_inject_silence(swr.get(), lead) < 0) {
          throw DecodeError(fmt::format("{}: cannot align the resampler", where(t)));
        }
        pos = std::llround((t - static_cast<double>(lead) / f->sample_rate - opts.start) * out_rate);
      }
      next_time = t;
    }
    const double gap = t - *next_time;
    if (gap > kGapTolerance) {
      const int ret = swr_inject_silence(swr.get(), static_cast<int>(std::lround(gap * f->sample_rate)));
      if (ret < 0) throw DecodeError(fmt::format("{}: cannot fill a gap: {}", where(t), io::av_error_text(ret)));
    } else if (gap < -kGapTolerance) {
      const int ret = swr_drop_output(swr.get(), static_cast<int>(std::lround(-gap * out_rate)));
      if (ret < 0) throw DecodeError(fmt::format("{}: cannot drop an overlap: {}", where(t), io::av_error_text(ret)));
    }
    if (std::abs(gap) > kGapTolerance) next_time = t;
    convert(f->extended_data, f->nb_samples, sink, pos, t);
    *next_time += static_cast<double>(f->nb_samples) / f->sample_rate;
  }
};

AudioReader::AudioReader(const std::string& path, AudioOptions options) {
  check_options(path, options);
  impl_ = std::make_unique<Impl>(path, options);
}

AudioReader::~AudioReader() = default;
AudioReader::AudioReader(AudioReader&&) noexcept = default;
AudioReader& AudioReader::operator=(AudioReader&&) noexcept = default;

const std::string& AudioReader::path() const { return impl_->path; }
int AudioReader::stream_index() const { return impl_->stream; }
int AudioReader::sample_rate() const { return impl_->out_rate; }
int AudioReader::channels() const { return impl_->out_layout.channels(); }
int AudioReader::native_rate() const { return impl_->native_rate; }
int AudioReader::native_channels() const { return impl_->native_channels; }
double AudioReader::duration() const { return impl_->duration; }

Array AudioReader::read() { return impl_->read(); }
AudioCounters AudioReader::counters() const { return impl_->counters(); }

}  // namespace vidrep
