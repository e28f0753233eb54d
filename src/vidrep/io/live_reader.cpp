#include "vidrep/io/live_reader.h"

#include "vidrep/error.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/frame_converter.h"
#include "vidrep/io/muxer.h"
#include "vidrep/io/packet_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <filesystem>
#include <list>
#include <utility>
#include <vector>

namespace vidrep::io {
namespace {

struct KeptPacket {
  UniqueAVPacket packet;
  double time = 0;
  bool key = false;
};

// One evidence clip being written: packets copied as they are, timestamps from 0.
struct Recording {
  std::unique_ptr<Muxer> muxer;
  AVStream* out = nullptr;
  double to = 0;
  int64_t offset = AV_NOPTS_VALUE;  // the first packet's dts (or pts): the clip's zero
  // Packets before the first key frame are left out (nothing could decode them).
  void write(const AVPacket* pkt, AVRational tb) {
    if (offset == AV_NOPTS_VALUE && (pkt->flags & AV_PKT_FLAG_KEY) == 0) return;
    UniqueAVPacket copy(av_packet_clone(pkt));
    if (!copy) throw std::bad_alloc();
    if (offset == AV_NOPTS_VALUE) offset = copy->dts != AV_NOPTS_VALUE ? copy->dts : copy->pts;
    if (copy->pts != AV_NOPTS_VALUE) copy->pts -= offset;
    if (copy->dts != AV_NOPTS_VALUE) copy->dts -= offset;
    copy->pos = -1;
    muxer->write(copy.get(), out, tb);
  }
};

}  // namespace

struct LiveReader::Impl {
  Impl(const std::string& source, LiveOptions o)
      : options(o),
        demuxer(source, DemuxerOptions{.io_timeout = o.timeout, .network = is_url(source)}),
        stream(demuxer.select_stream(AVMEDIA_TYPE_VIDEO, -1)),
        decoder(source, demuxer.stream(stream), DecoderOptions{.threads = o.threads, .strict = false}),
        packet(make_packet()),
        frame(make_frame()) {
    const AVStream* st = demuxer.stream(stream);
    tb = st->time_base;
    native_w = st->codecpar->width;
    native_h = st->codecpar->height;
    if (native_w < 1 || native_h < 1 || native_w > kMaxSide || native_h > kMaxSide) {
      throw OpenError(fmt::format("{}: video stream {} has no usable size ({}x{})", source, stream, native_w, native_h));
    }
    if (o.short_side < 0 || o.short_side > kMaxSide) {
      throw InvalidArgument(fmt::format("{}: impossible short side {} (1..{}, or 0 for none)", source, o.short_side, kMaxSide));
    }
    if (o.keep_seconds < 0) throw InvalidArgument(fmt::format("{}: keep_seconds {}: expected >= 0", source, o.keep_seconds));
    out_w = native_w;
    out_h = native_h;
    if (o.short_side > 0) {  // the long side floored, as VideoReader
      if (native_w <= native_h) {
        out_w = o.short_side;
        out_h = std::max(1, static_cast<int>(int64_t{o.short_side} * native_h / native_w));
      } else {
        out_h = o.short_side;
        out_w = std::max(1, static_cast<int>(int64_t{o.short_side} * native_w / native_h));
      }
    }
    rgb.resize(static_cast<size_t>(out_w) * out_h * 3);
    const AVFormatContext* fmt = demuxer.format();
    origin = fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time / double(AV_TIME_BASE) : 0.0;
    const AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
  }

  double time_of(int64_t ts) const { return ts == AV_NOPTS_VALUE ? last_time : ts * av_q2d(tb) - origin; }

  // A packet just read: kept for clips to come, and written to the clips recording.
  void keep(const AVPacket* pkt) {
    // Decode order: a clip closes after the last packet decoded up to its end.
    const double t = time_of(pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts);
    for (auto it = recordings.begin(); it != recordings.end();) {
      if (t > it->to) {
        it->muxer->close();
        it = recordings.erase(it);
      } else {
        it->write(pkt, tb);
        ++it;
      }
    }
    if (options.keep_seconds <= 0) return;
    UniqueAVPacket copy(av_packet_clone(pkt));
    if (!copy) throw std::bad_alloc();
    kept.push_back({std::move(copy), t, (pkt->flags & AV_PKT_FLAG_KEY) != 0});
    // Drop what comes before the last key frame that is old enough.
    size_t cut = 0;
    for (size_t i = 1; i < kept.size(); ++i) {
      if (kept[i].key && kept[i].time <= t - options.keep_seconds) cut = i;
    }
    kept.erase(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(cut));
  }

  void close_all() {
    for (Recording& r : recordings) {
      r.muxer->close();
    }
    recordings.clear();
  }

  LiveOptions options;
  Demuxer demuxer;
  int stream;
  PacketDecoder decoder;
  FrameConverter converter;
  UniqueAVPacket packet;
  UniqueAVFrame frame;
  AVRational tb{1, 1};
  int native_w = 0, native_h = 0, out_w = 0, out_h = 0;
  double origin = 0, fps = 0, last_time = 0;
  int64_t given = 0;
  bool draining = false;
  std::string failure;  // a read error, thrown once the decoder is drained
  std::vector<uint8_t> rgb;
  std::deque<KeptPacket> kept;
  std::list<Recording> recordings;
};

LiveReader::LiveReader(const std::string& source, LiveOptions options)
    : impl_(std::make_unique<Impl>(source, options)) {}

LiveReader::~LiveReader() {
  if (!impl_) return;
  try {
    impl_->close_all();
  } catch (const std::exception&) {
    // A clip that cannot be finished is dropped; its muxer leaves no file under its name.
  }
}

bool LiveReader::is_url(const std::string& source) {
  const auto colon = source.find("://");
  if (colon == std::string::npos || colon == 0) return false;
  return std::all_of(source.begin(), source.begin() + static_cast<std::ptrdiff_t>(colon),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'; }) &&
         source.compare(0, 7, "file://") != 0;
}

bool LiveReader::next(LiveFrame& f) {
  Impl& m = *impl_;
  for (;;) {
    const int r = m.decoder.receive(m.frame.get());
    if (r == 0) {
      const int64_t ts = frame_timestamp(m.frame.get());
      double t = m.time_of(ts);
      if (m.given > 0 && !(t > m.last_time)) t = m.last_time + (m.fps > 0 ? 1.0 / m.fps : 0.04);  // no timestamp, or one going back
      m.last_time = t;
      m.converter.convert(m.frame.get(), m.out_w, m.out_h, m.rgb.data());
      av_frame_unref(m.frame.get());
      f = {m.rgb.data(), m.out_w, m.out_h, t, m.given++};
      return true;
    }
    if (r == AVERROR_EOF || (r == AVERROR(EAGAIN) && m.draining)) {
      // The frames the decoder held are out; a read that failed is reported now.
      if (!m.failure.empty()) throw DecodeError(std::exchange(m.failure, {}));
      return false;
    }
    if (r != AVERROR(EAGAIN)) {
      // A frame the decoder cannot produce (damage): concealed ones come out; this one is skipped.
      continue;
    }
    bool more = false;
    try {
      more = m.demuxer.read(m.packet.get(), m.stream);
    } catch (const DecodeError& e) {
      m.failure = e.what();  // after the frames already sent to the decoder
    }
    if (!more) {
      m.draining = true;
      m.decoder.send(nullptr);
      continue;
    }
    m.keep(m.packet.get());
    m.decoder.send(m.packet.get());  // a packet the decoder rejects is skipped
  }
}

std::string LiveReader::record(const std::string& path, double from, double to) {
  Impl& m = *impl_;
  Recording r;
  r.to = to;
  std::string target = path;
  try {
    r.muxer = std::make_unique<Muxer>(target);
    r.out = r.muxer->add_copy(m.demuxer.stream(m.stream));
  } catch (const InvalidArgument&) {
    target = std::filesystem::path(path).replace_extension(".mkv").string();
    r.muxer = std::make_unique<Muxer>(target);
    r.out = r.muxer->add_copy(m.demuxer.stream(m.stream));
  }
  r.muxer->start();
  // From the last key frame at or before `from` (or the oldest kept one).
  size_t first = 0;
  for (size_t i = 0; i < m.kept.size(); ++i) {
    if (m.kept[i].key && m.kept[i].time <= from) first = i;
  }
  while (first < m.kept.size() && !m.kept[first].key) ++first;
  for (size_t i = first; i < m.kept.size(); ++i) r.write(m.kept[i].packet.get(), m.tb);
  m.recordings.push_back(std::move(r));
  return target;
}

void LiveReader::close() { impl_->close_all(); }

const std::string& LiveReader::source() const { return impl_->demuxer.path(); }
int LiveReader::width() const { return impl_->out_w; }
int LiveReader::height() const { return impl_->out_h; }
int LiveReader::native_width() const { return impl_->native_w; }
int LiveReader::native_height() const { return impl_->native_h; }
double LiveReader::fps() const { return impl_->fps; }

}  // namespace vidrep::io
