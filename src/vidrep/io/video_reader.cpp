#include "vidrep/io/video_reader.h"

#include "vidrep/error.h"
#include "vidrep/io/convert_thread.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/frame_converter.h"
#include "vidrep/io/frame_index.h"
#include "vidrep/io/frame_index_cache.h"
#include "vidrep/io/packet_decoder.h"
#include "vidrep/runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace vidrep {

using namespace vidrep::io;

namespace {

std::string human_bytes(double bytes) {
  return bytes >= 1e9 ? fmt::format("{:.1f} GB", bytes / 1e9) : fmt::format("{:.1f} MB", bytes / 1e6);
}

void check_size(const std::string& path, int w, int h) {
  if (w < 1 || h < 1 || w > kMaxSide || h > kMaxSide) {
    throw InvalidArgument(fmt::format("{}: impossible output size {}x{} (each side 1..{})", path, w,
                                      h, kMaxSide));
  }
}

}  // namespace

struct VideoReader::Impl {
  Impl(const std::string& path, ReaderOptions opts)
      : options(opts),
        demuxer(path, DemuxerOptions{opts.io_timeout}),
        stream(demuxer.select_stream(AVMEDIA_TYPE_VIDEO, opts.stream)),
        index_owner(opts.index_cache != nullptr ? opts.index_cache->index(demuxer, stream)
                                                : std::make_shared<const FrameIndex>(demuxer, stream)),
        index(*index_owner),
        decoder(path, demuxer.stream(stream), DecoderOptions{opts.threads, opts.strict, opts.skip_loop_filter}),
        packet(make_packet()),
        frame(make_frame()) {
    const AVStream* st = demuxer.stream(stream);  // valid until the demuxer reopens
    const AVRational tb = st->time_base;
    tick = av_q2d(tb);
    rotation = opts.autorotate ? stream_rotation(st) : 0;
    const bool swap = rotation == 90 || rotation == 270;
    native_w = swap ? st->codecpar->height : st->codecpar->width;
    native_h = swap ? st->codecpar->width : st->codecpar->height;
    check_size(path, native_w, native_h);
    out_w = opts.width;
    out_h = opts.height;
    if (out_w < 0 || out_h < 0) check_size(path, out_w, out_h);
    if (opts.short_side < 0 || opts.short_side > kMaxSide) {
      throw InvalidArgument(fmt::format("{}: impossible short side {} (1..{}, or 0 for none)", path,
                                        opts.short_side, kMaxSide));
    }
    if (out_w == 0 && out_h == 0 && opts.short_side > 0) {
      // The long side floored, as transform::resize_short (torchvision's Resize(int)), so that
      // both give the same size.
      const int64_t side = opts.short_side;
      if (native_w <= native_h) {
        out_w = opts.short_side;
        out_h = std::max(1, static_cast<int>(side * native_h / native_w));
      } else {
        out_h = opts.short_side;
        out_w = std::max(1, static_cast<int>(side * native_w / native_h));
      }
    }
    if (out_w == 0 && out_h == 0) {
      out_w = native_w;
      out_h = native_h;
    } else if (out_h == 0) {
      out_h = std::max(1, static_cast<int>(std::lround(1.0 * out_w * native_h / native_w)));
    } else if (out_w == 0) {
      out_w = std::max(1, static_cast<int>(std::lround(1.0 * out_h * native_w / native_h)));
    }
    check_size(path, out_w, out_h);
    const AVFormatContext* fmt = demuxer.format();
    origin = fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time / double(AV_TIME_BASE) : 0.0;
    const IndexedFrame& last = index[index.size() - 1];
    int64_t last_duration = last.duration;
    if (last_duration <= 0) {
      const AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
      last_duration = rate.num > 0 ? av_rescale_q(1, av_inv_q(rate), tb) : 1;
      if (last_duration <= 0) last_duration = 1;
    }
    end_time = (last.pts + last_duration) * tick - origin;
    scan_packets = demuxer.packets_read();
  }

  double time_of(int64_t i) const { return index[i].pts * tick - origin; }

  // The decode loop tracks frames by position: their pts, or in decode-order mode their index
  // (timestamps there may repeat).
  int64_t position(int64_t i) const { return index.decode_order() ? i : index[i].pts; }

  std::string where(int64_t frame_index) const {
    return fmt::format("{}: stream {}: frame {}", demuxer.path(), stream, frame_index);
  }

  // --- the decode loop ---
  // The key frame to start decoding target from: its own, or the nearest earlier one that has not
  // proved to be an unclean start (see decode_sorted).
  int64_t start_key(int64_t target) const {
    int64_t k = index[target].key;
    while (k > 0 && unclean_keys.count(k) > 0) --k;
    return k;
  }

  // Whether the run has not yet read the packet of the key frame after the one it started from.
  bool in_first_gop() const {
    const auto next = static_cast<size_t>(run_key) + 1;
    return next >= index.keys().size() || next_pos <= index.keys()[next].decode_pos;
  }

  bool need_seek(int64_t target) const {
    if (!run_active) return true;
    if (has_output && position(target) <= last_out) return true;  // already passed
    const int64_t key_pos = index.keys()[start_key(target)].decode_pos;
    if (key_pos < index.keys()[run_key].decode_pos) return true;  // needs an earlier key frame
    return key_pos > next_pos;  // its key frame lies ahead: jump there
  }

  // Positions the demuxer on key packet `k` and sends it, starting a new decode run.
  void start_run(int64_t k) {
    const KeyPacket& key = index.keys()[k];
    decoder.flush();
    run_active = false;
    has_output = false;
    input_done = false;
    // The run is key k's from here on: a decoder that rejects the key packet itself (a recovery
    // point that is no I-frame, e.g. x264's intra refresh) fails inside the run's first GOP, which
    // decode_sorted retries from the key frame before.
    run_key = k;
    next_pos = key.decode_pos + 1;
    next_output = key.first_frame;
    if (index.decode_order()) {
      run_start = key.first_frame;
    } else {
      run_start = key.pts != AV_NOPTS_VALUE ? key.pts : INT64_MIN;
    }
    if (!seek_to_key(demuxer, stream, index, key, packet.get())) {
      throw DecodeError(fmt::format("{}: stream {}: key packet {} not found", demuxer.path(), stream, key.decode_pos));
    }
    decoder.set_skip_nonref(false);
    run_active = true;
    send(packet.get(), key.first_frame);
  }

  void send(const AVPacket* pkt, int64_t near_frame) {
    const int ret = decoder.send(pkt);
    // A lenient reader drops a packet the decoder rejects; the frames it held are concealed. A
    // leading picture of an open GOP (shown before the key frame the run started from) may
    // reference pictures before that key frame: it is never output, so its errors do not count.
    const bool leading = pkt != nullptr && !index.decode_order() && pkt->pts != AV_NOPTS_VALUE && pkt->pts < run_start;
    if (ret < 0 && ret != AVERROR_EOF && options.strict && !leading) {
      const int64_t at = pkt != nullptr && !index.decode_order() ? index.displayed_at(pkt->pts) : near_frame;
      throw DecodeError(fmt::format("{}: decoding failed: {}", where(std::max<int64_t>(at, 0)),
                                    av_error_text(ret)));
    }
  }

  // Reads and sends the next packet of the stream, or starts draining at the end.
  void feed(const std::vector<int64_t>& targets, size_t j) {
    if (input_done) {
      throw DecodeError(fmt::format("{}: decoder wants input after draining", where(targets[j])));
    }
    if (!demuxer.read(packet.get(), stream)) {
      input_done = true;
      send(nullptr, targets[j]);
      return;
    }
    ++next_pos;
    // Only frames shown before the next target may be skipped: all of them are passed once that
    // target is out, so a later request can never need a frame that was skipped.
    // (Frames counted by output order must all come out, so nothing is skipped there.)
    decoder.set_skip_nonref(options.skip_nonref && !index.decode_order() &&
                            packet->pts < index[targets[j]].pts);
    send(packet.get(), targets[j]);
  }

  // Decodes forward until targets[j] is produced, filling every target met on the way. A strict
  // reader fails on a frame the decoder cannot produce; a lenient one conceals it with the
  // nearest frame that did decode.
  size_t decode_until(const std::vector<int64_t>& targets, size_t j, const Array& out) {
    const size_t goal = j;
    while (j <= goal) {
      const int ret = decoder.receive(frame.get());
      if (ret == AVERROR(EAGAIN)) {
        feed(targets, j);
        continue;
      }
      if (ret == AVERROR_EOF) {
        run_active = false;
        if (options.strict || j == 0) {
          throw DecodeError(fmt::format("{}: not produced by the decoder (file ends early?)",
                                        where(targets[j])));
        }
        if (convert_thread) convert_thread->drain();  // the frame copied from is written
        for (; j <= goal; ++j) std::memcpy(frame_at(out, j), frame_at(out, j - 1), frame_bytes());
        break;
      }
      if (ret < 0) {
        if (!options.strict) continue;
        throw DecodeError(fmt::format("{}: decoding failed: {}", where(targets[j]),
                                      av_error_text(ret)));
      }
      const int64_t at = index.decode_order() ? next_output++ : frame_timestamp(frame.get());
      if (at < run_start) continue;  // leading picture of an open GOP: broken references
      if (options.strict && (frame->decode_error_flags != 0 || (frame->flags & AV_FRAME_FLAG_CORRUPT))) {
        throw DecodeError(fmt::format("{}: decoding failed: corrupt data",
                                      where(std::max<int64_t>(frame_of(at), 0))));
      }
      has_output = true;
      last_out = at;
      if (at > position(targets[j]) && options.strict) {
        throw DecodeError(fmt::format("{}: not produced by the decoder", where(targets[j])));
      }
      while (j < targets.size() && position(targets[j]) <= at) emit(out, j++);
    }
    return j;
  }

  // The frame at a decode-loop position.
  int64_t frame_of(int64_t at) const { return index.decode_order() ? at : index.displayed_at(at); }

  size_t frame_bytes() const { return size_t{3} * static_cast<size_t>(out_w) * static_cast<size_t>(out_h); }
  uint8_t* frame_at(const Array& out, size_t j) const { return out.data<uint8_t>() + j * frame_bytes(); }

  void emit(const Array& out, size_t j) {
    if (convert_thread) {
      convert_thread->submit(frame.get(), rotation, out_w, out_h, frame_at(out, j));
    } else {
      convert_rotated(converter, frame.get(), rotation, out_w, out_h, frame_at(out, j));
    }
  }

  Array decode_sorted(const std::vector<int64_t>& targets) {
    Array out(DType::UInt8, {static_cast<int64_t>(targets.size()), out_h, out_w, 3});
    // Several frames and more than one core: convert beside the decoding (convert_thread.h).
    if (!convert_thread && targets.size() > 1 && options.threads != 1 && hardware_threads() > 1) {
      convert_thread = std::make_unique<ConvertThread>();
    }
    size_t j = 0;
    try {
      while (j < targets.size()) {
        try {
          if (need_seek(targets[j])) start_run(start_key(targets[j]));
          j = decode_until(targets, j, out);
        } catch (const DecodeError&) {
          // A key frame that is not a clean start (an H.264 I-frame that is no IDR, as x264's
          // open-gop writes: frames after it may still reference pictures before it) gives
          // broken frames when decoding starts there, though the file decodes cleanly from its
          // beginning. A strict reader whose run fails before reaching the next key frame marks
          // its start unclean and starts from the key frame before, remembered for later
          // requests: each key frame is retried at most once, and a failure past the first GOP
          // (real damage) is an error as before. The key packet itself may be what fails.
          const bool retry = options.strict && run_key > 0 && in_first_gop() && unclean_keys.insert(run_key).second;
          if (!retry) throw;
          run_active = false;
        }
      }
      if (convert_thread) convert_thread->drain();
    } catch (...) {
      run_active = false;  // the decoder state is unknown: the next request starts afresh
      // No conversion may still write into `out` once it is gone; the first error stands.
      if (convert_thread) {
        try {
          convert_thread->drain();
        } catch (...) {
        }
      }
      throw;
    }
    return out;
  }

  ReaderOptions options;
  Demuxer demuxer;
  int stream;
  std::shared_ptr<const FrameIndex> index_owner;  // shared with the cache, if any
  const FrameIndex& index;
  PacketDecoder decoder;
  FrameConverter converter;
  std::unique_ptr<ConvertThread> convert_thread;  // made by the first request of several frames
  UniqueAVPacket packet;
  UniqueAVFrame frame;
  double tick = 0;     // seconds per time-base unit
  double origin = 0;   // the file's start, seconds
  double end_time = 0;
  int rotation = 0;
  int out_w = 0, out_h = 0;
  int native_w = 0, native_h = 0;
  int64_t scan_packets = 0;
  std::set<int64_t> unclean_keys;  // key frames decoding cannot start from (see decode_sorted)

  // decode-run state
  bool run_active = false;
  bool has_output = false;
  bool input_done = false;
  int64_t run_key = 0;
  int64_t run_start = 0;     // position of the run's key frame; earlier outputs are not shown
  int64_t next_pos = 0;      // decode position of the next packet to read
  int64_t next_output = 0;   // decode-order mode: index of the next frame the decoder outputs
  int64_t last_out = 0;      // position of the last frame output
};

VideoReader::VideoReader(const std::string& path, ReaderOptions options)
    : impl_(std::make_unique<Impl>(path, options)) {}
VideoReader::~VideoReader() = default;
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;

const std::string& VideoReader::path() const { return impl_->demuxer.path(); }
int VideoReader::stream_index() const { return impl_->stream; }
int64_t VideoReader::num_frames() const { return impl_->index.size(); }
int VideoReader::width() const { return impl_->out_w; }
int VideoReader::height() const { return impl_->out_h; }
int VideoReader::native_width() const { return impl_->native_w; }
int VideoReader::native_height() const { return impl_->native_h; }

void VideoReader::set_output_size(int width, int height) {
  check_size(path(), width, height);
  impl_->out_w = width;
  impl_->out_h = height;
}
int VideoReader::rotation() const { return impl_->rotation; }
double VideoReader::duration() const { return impl_->end_time; }

double VideoReader::fps() const {
  const double span = impl_->end_time - impl_->time_of(0);
  return span > 0 ? num_frames() / span : 0.0;
}

double VideoReader::frame_time(int64_t index) const {
  if (index < 0 || index >= num_frames()) {
    throw InvalidArgument(fmt::format("{}: frame {} out of range (video has {} frames)", path(),
                                      index, num_frames()));
  }
  return impl_->time_of(index);
}

int64_t VideoReader::frame_at_time(double seconds) const {
  if (!(seconds >= 0.0) || seconds >= impl_->end_time) {
    throw InvalidArgument(fmt::format("{}: time {} s out of range (video lasts {:.6f} s)", path(),
                                      seconds, impl_->end_time));
  }
  // One microsecond of slack so a time printed with six decimals still names its frame.
  const double ticks = (seconds + impl_->origin + 1e-6) / impl_->tick;
  const int64_t i = impl_->index.displayed_at(static_cast<int64_t>(std::floor(ticks)));
  return std::max<int64_t>(i, 0);
}

Array VideoReader::read_frames(const std::vector<int64_t>& indices) {
  for (int64_t i : indices) {
    if (i < 0 || i >= num_frames()) {
      throw InvalidArgument(fmt::format("{}: frame {} out of range (video has {} frames)", path(),
                                        i, num_frames()));
    }
  }
  const size_t frame_bytes = size_t{3} * static_cast<size_t>(width()) * static_cast<size_t>(height());
  const int64_t limit = impl_->options.max_output_bytes > 0 ? impl_->options.max_output_bytes
                                                             : physical_memory_bytes() / 4 * 3;
  if (static_cast<int64_t>(indices.size()) > limit / static_cast<int64_t>(frame_bytes)) {
    throw InvalidArgument(fmt::format(
        "{}: {} frames of {}x{} need {}, more than the {} allowed; request fewer frames or a "
        "smaller size",
        path(), indices.size(), width(), height(),
        human_bytes(static_cast<double>(frame_bytes) * static_cast<double>(indices.size())),
        human_bytes(static_cast<double>(limit))));
  }
  std::vector<int64_t> targets(indices);
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  Array decoded = impl_->decode_sorted(targets);
  if (targets == indices) return decoded;
  // Request order, repeats included, from the decoded distinct frames.
  Array out(DType::UInt8, {static_cast<int64_t>(indices.size()), height(), width(), 3});
  for (size_t k = 0; k < indices.size(); ++k) {
    const size_t from = std::lower_bound(targets.begin(), targets.end(), indices[k]) - targets.begin();
    std::memcpy(out.bytes() + k * frame_bytes, decoded.bytes() + from * frame_bytes, static_cast<size_t>(frame_bytes));
  }
  return out;
}

Array VideoReader::read_frames_at(const std::vector<double>& seconds) {
  std::vector<int64_t> indices;
  indices.reserve(seconds.size());
  for (double t : seconds) indices.push_back(frame_at_time(t));
  return read_frames(indices);
}

Array VideoReader::read_range(int64_t begin, int64_t end, int64_t step) {
  if (step < 1 || begin < 0 || end > num_frames() || begin >= end) {
    throw InvalidArgument(fmt::format("{}: bad frame range {}:{}:{} (video has {} frames)", path(),
                                      begin, end, step, num_frames()));
  }
  std::vector<int64_t> indices;
  for (int64_t i = begin; i < end; i += step) indices.push_back(i);
  return read_frames(indices);
}

DecodeCounters VideoReader::counters() const {
  return {impl_->demuxer.packets_read() - impl_->scan_packets, impl_->decoder.packets_sent(),
          impl_->decoder.frames_decoded(),
          impl_->converter.frames_converted() + (impl_->convert_thread ? impl_->convert_thread->frames_converted() : 0),
          impl_->demuxer.seeks()};
}

}  // namespace vidrep
