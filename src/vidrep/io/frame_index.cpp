#include "vidrep/io/frame_index.h"

#include "vidrep/error.h"
#include "vidrep/io/demuxer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace vidrep::io {

struct ScannedPacket {
  int64_t pts;  // AV_NOPTS_VALUE when the container has none
  int64_t duration;
};

namespace {

bool is_mp4_family(const AVFormatContext* fmt) {
  return std::strstr(fmt->iformat->name, "mp4") != nullptr;
}

// Whether every top-level box of an MP4/QuickTime file ends within the file: false for a file cut
// short, whose last box (the media data) claims more bytes than remain.
bool boxes_complete(Demuxer& demuxer) {
  const int64_t size = demuxer.size();
  if (size < 0) return false;
  int64_t at = 0;
  // Real files have a handful of top-level boxes; thousands mean garbage, not a complete file.
  for (int boxes = 0; at < size; ++boxes) {
    if (boxes == 10'000) return false;
    const std::string h = demuxer.read_bytes(at, 16);
    if (h.size() < 8) return false;
    const auto byte = [&](size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(h[i])); };
    uint64_t box = (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
    if (box == 1) {  // a 64-bit size follows the type
      if (h.size() < 16) return false;
      box = 0;
      for (size_t i = 8; i < 16; ++i) box = (box << 8) | byte(i);
    } else if (box == 0) {  // the box runs to the end of the file
      return true;
    }
    if (box < 8 || box > static_cast<uint64_t>(size - at)) return false;
    at += static_cast<int64_t>(box);
  }
  return true;
}

// One frame's duration in `tb` from the stream's frame rate; 1 when nothing says.
int64_t nominal_duration(const AVStream* st) {
  const AVRational rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
  const int64_t d = rate.num > 0 && rate.den > 0 ? av_rescale_q(1, av_inv_q(rate), st->time_base) : 1;
  return std::max<int64_t>(d, 1);
}

}  // namespace

FrameIndex::FrameIndex(Demuxer& demuxer, int stream_index) {
  const AVStream* st = demuxer.stream(stream_index);
  const std::string& path = demuxer.path();
  UniqueAVPacket pkt = make_packet();
  std::vector<ScannedPacket> shown;  // in decode order
  // The header's count is only a hint (a hostile one claims billions): the vector grows as packets come.
  shown.reserve(static_cast<size_t>(std::clamp<int64_t>(st->nb_frames, 1024, 1 << 16)));
  bool missing_pts = false;

  while (demuxer.read(pkt.get(), stream_index)) {
    const int64_t ordinal = packets_++;
    if (pkt->flags & AV_PKT_FLAG_CORRUPT) {
      throw DecodeError(fmt::format("{}: stream {}: packet {} is truncated or corrupt", path,
                                    stream_index, ordinal));
    }
    int64_t pts = pkt->pts;
    if (pts == AV_NOPTS_VALUE && st->codecpar->video_delay == 0) pts = pkt->dts;
    if ((pkt->flags & AV_PKT_FLAG_KEY) || keys_.empty()) {
      keys_.push_back({pkt->pos, pkt->pts, pkt->dts, ordinal, static_cast<int64_t>(shown.size())});
    }
    // Packets flagged discard (outside an edit list) feed the decoder but are never shown.
    if (pkt->flags & AV_PKT_FLAG_DISCARD) continue;
    missing_pts = missing_pts || pts == AV_NOPTS_VALUE;
    shown.push_back({pts, pkt->duration});
  }
  // In MP4 fewer packets than the sample table lists end in a quiet end of file. A cut download
  // (its last box, the media data, runs past the end of the file) is refused. A complete file whose
  // sample table lists packets that are not there (old QuickTime writers) is read as the ffmpeg
  // CLI reads it, every packet that is there, with a warning.
  if (is_mp4_family(demuxer.format()) && st->nb_frames > 0 && packets_ < st->nb_frames) {
    if (!boxes_complete(demuxer)) {
      throw DecodeError(fmt::format("{}: stream {}: truncated file: {} of {} packets readable", path,
                                    stream_index, packets_, st->nb_frames));
    }
    warnings_.push_back(fmt::format(
        "stream {}: the sample table lists {} packets but the file holds {}; the {} missing are "
        "past the end of the file and are not frames",
        stream_index, st->nb_frames, packets_, st->nb_frames - packets_));
  }
  if (shown.empty()) {
    throw DecodeError(fmt::format("{}: stream {}: no video frames", path, stream_index));
  }
  if (missing_pts) {
    index_decode_order(st, shown);
  } else if (const std::string why = timestamps_disagree(st, shown); !why.empty()) {
    warnings_.push_back(fmt::format("stream {}: {}, so frames are numbered in decoding order, as the "
                                    "ffmpeg CLI numbers them", stream_index, why));
    index_decode_order(st, shown);
  } else {
    index_presentation_order(shown);
  }
}

std::string FrameIndex::timestamps_disagree(const AVStream* st, const std::vector<ScannedPacket>& shown) {
  // Without reordering (no B-frames) the decoder outputs frames in packet order, which is how the
  // ffmpeg CLI numbers them, so timestamps that go backwards would misnumber frames if sorted.
  if (st->codecpar->video_delay == 0) {
    for (size_t i = 1; i < shown.size(); ++i) {
      if (shown[i].pts <= shown[i - 1].pts) {
        return fmt::format("timestamps go {} at packet {} (pts {} after {})",
                           shown[i].pts == shown[i - 1].pts ? "still" : "backwards", i, shown[i].pts,
                           shown[i - 1].pts);
      }
    }
    return "";
  }
  std::vector<int64_t> pts;
  pts.reserve(shown.size());
  for (const ScannedPacket& p : shown) pts.push_back(p.pts);
  std::sort(pts.begin(), pts.end());
  const auto dup = std::adjacent_find(pts.begin(), pts.end());
  return dup == pts.end() ? "" : fmt::format("two frames share pts {}", *dup);
}

void FrameIndex::index_decode_order(const AVStream* st, const std::vector<ScannedPacket>& shown) {
  // Frame i is the decoder's i-th output, which is what the ffmpeg CLI's select=eq(n\,i) counts.
  // Two cases end here: MPEG-4 part 2 in AVI stores no presentation times (one packet per frame
  // interval, timed at the constant rate AVI implies), and streams whose timestamps repeat or go
  // backwards, so that they cannot say which frame is which (their frames keep the timestamps,
  // sorted, for seconds-based access).
  // Counting outputs is sound from a key frame when the codec never reorders: every packet from
  // there on is one frame out, in order. With reordering (B-frames), frames after a mid-stream key
  // may still point before it, so decoding always starts from the stream's first key frame: exact,
  // with random access costing a decode from the start.
  decode_order_ = true;
  const bool has_pts = shown.front().pts != AV_NOPTS_VALUE &&
                       std::none_of(shown.begin(), shown.end(),
                                    [](const ScannedPacket& p) { return p.pts == AV_NOPTS_VALUE; });
  const bool keys_usable = has_pts && st->codecpar->video_delay == 0;
  const int64_t step = nominal_duration(st);
  std::vector<int64_t> times;
  times.reserve(shown.size());
  for (const ScannedPacket& p : shown) times.push_back(p.pts);
  if (has_pts) {
    std::sort(times.begin(), times.end());
  } else {
    const int64_t first = keys_.front().dts != AV_NOPTS_VALUE ? keys_.front().dts : 0;
    for (size_t i = 0; i < times.size(); ++i) times[i] = first + static_cast<int64_t>(i) * step;
  }
  frames_.reserve(shown.size());
  size_t k = 0;
  for (size_t i = 0; i < shown.size(); ++i) {
    while (keys_usable && k + 1 < keys_.size() && keys_[k + 1].first_frame <= static_cast<int64_t>(i)) ++k;
    frames_.push_back({times[i], has_pts ? shown[i].duration : step, static_cast<int64_t>(k)});
  }
  if (!has_pts) keys_.front().pts = frames_.front().pts;
}

void FrameIndex::index_presentation_order(std::vector<ScannedPacket>& shown) {
  std::sort(shown.begin(), shown.end(),
            [](const ScannedPacket& a, const ScannedPacket& b) { return a.pts < b.pts; });
  frames_.reserve(shown.size());
  for (const ScannedPacket& p : shown) frames_.push_back({p.pts, p.duration, 0});
  // A frame decodes correctly from the last key packet (in decode order) whose pts is <= its own:
  // leading pictures of an open GOP (pts before their key frame) start from the previous key.
  std::vector<std::pair<int64_t, int64_t>> key_by_pts;  // (running max pts, key ordinal)
  int64_t running = INT64_MIN;
  for (size_t k = 0; k < keys_.size(); ++k) {
    const int64_t kp = keys_[k].pts != AV_NOPTS_VALUE ? keys_[k].pts : keys_[k].dts;
    running = std::max(running, kp);
    key_by_pts.emplace_back(running, static_cast<int64_t>(k));
  }
  for (IndexedFrame& f : frames_) {
    auto it = std::upper_bound(key_by_pts.begin(), key_by_pts.end(), f.pts,
                               [](int64_t v, const auto& e) { return v < e.first; });
    f.key = it == key_by_pts.begin() ? 0 : std::prev(it)->second;
  }
}

int64_t FrameIndex::displayed_at(int64_t pts) const {
  auto it = std::upper_bound(frames_.begin(), frames_.end(), pts,
                             [](int64_t v, const IndexedFrame& f) { return v < f.pts; });
  return (it - frames_.begin()) - 1;
}

void append_int64(std::string& out, int64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

bool read_int64(std::string_view bytes, size_t& at, int64_t& v) {
  if (bytes.size() - at < sizeof v) return false;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  at += sizeof v;
  return true;
}

namespace {

void put(std::string& out, int64_t v) { append_int64(out, v); }
bool get(std::string_view bytes, size_t& at, int64_t& v) { return read_int64(bytes, at, v); }

// A count of items of `item_bytes` each that the bytes left can hold.
bool get_count(std::string_view bytes, size_t& at, size_t item_bytes, int64_t& n) {
  return get(bytes, at, n) && n >= 0 && static_cast<uint64_t>(n) <= (bytes.size() - at) / item_bytes;
}

}  // namespace

void FrameIndex::append_bytes(std::string& out) const {
  put(out, decode_order_ ? 1 : 0);
  put(out, packets_);
  put(out, static_cast<int64_t>(frames_.size()));
  for (const IndexedFrame& f : frames_) {
    put(out, f.pts);
    put(out, f.duration);
    put(out, f.key);
  }
  put(out, static_cast<int64_t>(keys_.size()));
  for (const KeyPacket& k : keys_) {
    put(out, k.pos);
    put(out, k.pts);
    put(out, k.dts);
    put(out, k.decode_pos);
    put(out, k.first_frame);
  }
  put(out, static_cast<int64_t>(warnings_.size()));
  for (const std::string& w : warnings_) {
    put(out, static_cast<int64_t>(w.size()));
    out += w;
  }
}

std::optional<FrameIndex> FrameIndex::from_bytes(std::string_view bytes, size_t& at) {
  FrameIndex x;
  int64_t order = 0, n = 0;
  if (!get(bytes, at, order) || (order != 0 && order != 1) || !get(bytes, at, x.packets_) || x.packets_ < 0) return {};
  x.decode_order_ = order == 1;
  if (!get_count(bytes, at, 3 * sizeof(int64_t), n) || n < 1) return {};
  x.frames_.resize(static_cast<size_t>(n));
  for (IndexedFrame& f : x.frames_) {
    if (!get(bytes, at, f.pts) || !get(bytes, at, f.duration) || !get(bytes, at, f.key)) return {};
  }
  if (!get_count(bytes, at, 5 * sizeof(int64_t), n) || n < 1) return {};
  x.keys_.resize(static_cast<size_t>(n));
  for (KeyPacket& k : x.keys_) {
    if (!get(bytes, at, k.pos) || !get(bytes, at, k.pts) || !get(bytes, at, k.dts) || !get(bytes, at, k.decode_pos) ||
        !get(bytes, at, k.first_frame))
      return {};
  }
  if (!get_count(bytes, at, sizeof(int64_t), n)) return {};
  for (int64_t i = 0; i < n; ++i) {
    int64_t length = 0;
    if (!get_count(bytes, at, 1, length)) return {};
    x.warnings_.emplace_back(bytes.substr(at, static_cast<size_t>(length)));
    at += static_cast<size_t>(length);
  }
  // What the reader relies on: key references in range, keys in decode order, and (presentation
  // order) frames sorted by time, as displayed_at() searches them.
  const auto keys = static_cast<int64_t>(x.keys_.size());
  for (size_t i = 0; i < x.frames_.size(); ++i) {
    const IndexedFrame& f = x.frames_[i];
    if (f.key < 0 || f.key >= keys || f.duration < 0) return {};
    if (i > 0 && f.pts < x.frames_[i - 1].pts) return {};
    if (i > 0 && !x.decode_order_ && f.pts == x.frames_[i - 1].pts) return {};
  }
  for (size_t k = 0; k < x.keys_.size(); ++k) {
    const KeyPacket& key = x.keys_[k];
    if (key.decode_pos < 0 || key.decode_pos >= x.packets_ || key.first_frame < 0 || key.first_frame > x.size()) return {};
    if (k > 0 && (key.decode_pos <= x.keys_[k - 1].decode_pos || key.first_frame < x.keys_[k - 1].first_frame)) return {};
  }
  return x;
}

namespace {

bool past_key_packet(const AVPacket* p, const KeyPacket& k) {
  if (p->pos >= 0 && k.pos >= 0) return p->pos > k.pos;
  return p->dts != AV_NOPTS_VALUE && k.dts != AV_NOPTS_VALUE && p->dts > k.dts;
}

int64_t seek_ts(const KeyPacket& k) { return k.dts != AV_NOPTS_VALUE ? k.dts : k.pts; }

// Reads packets until `key`; false at the end of the file or once past it.
bool scan_to(Demuxer& demuxer, int stream, const KeyPacket& key, AVPacket* pkt) {
  while (demuxer.read(pkt, stream)) {
    if (is_key_packet(pkt, key)) return true;
    if (past_key_packet(pkt, key)) return false;
  }
  return false;
}

}  // namespace

bool is_key_packet(const AVPacket* p, const KeyPacket& k) {
  if (p->pos >= 0 && k.pos >= 0) return p->pos == k.pos;
  return p->pts == k.pts && p->dts == k.dts;
}

bool seek_to_key(Demuxer& demuxer, int stream, const FrameIndex& index, const KeyPacket& key, AVPacket* pkt) {
  try {
    demuxer.seek(stream, seek_ts(key));
    if (scan_to(demuxer, stream, key, pkt)) return true;
    demuxer.seek(stream, seek_ts(index.keys().front()) - 1);
    if (scan_to(demuxer, stream, key, pkt)) return true;
  } catch (const DecodeError&) {
  }
  demuxer.reopen();
  return scan_to(demuxer, stream, key, pkt);
}

}  // namespace vidrep::io
