#include "vidrep/io/cut.h"

#include "vidrep/error.h"
#include "vidrep/io/audio_copy.h"
#include "vidrep/io/cut_codec.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/frame_index.h"
#include "vidrep/io/h264_splice.h"
#include "vidrep/io/muxer.h"
#include "vidrep/io/transcode.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>

namespace vidrep::io {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool is_seconds(const std::string& s) { return s.find('.') != std::string::npos || (!s.empty() && s.back() == 's'); }

double parse_number(const std::string& s, const std::string& part) {
  std::string t = s;
  if (!t.empty() && t.back() == 's') t.pop_back();
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(t, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (t.empty() || used != t.size() || !(v >= 0) || !std::isfinite(v)) {
    throw InvalidArgument(fmt::format("ranges: '{}': '{}' is not a frame number or a time in seconds", part, s));
  }
  return v;
}

// A video packet as scanned, in decode order.
struct VideoPacket {
  int64_t pts = AV_NOPTS_VALUE, dts = AV_NOPTS_VALUE;
  bool key = false, idr = false;
  std::shared_ptr<const std::string> parameter_sets;  // H.264: the last in-band SPS/PPS before it
};

// A key packet a copy can start from.
struct CleanKey {
  const KeyPacket* key;
  // H.264 parameter sets sent in-band before it (not in the packet itself): a copy starting here
  // must send them first, since they may differ from the extradata's. Null when there were none.
  std::shared_ptr<const std::string> parameter_sets;
};

// The input: its index, and where a copy may start (frame -> its key packet in the index).
struct Input {
  std::string path;
  Demuxer demuxer;
  Demuxer decoding;  // the range decoder's own, so that it can continue from clip to clip
  int video;
  FrameIndex index;
  AVRational tb;
  double origin;                           // the file's start, seconds
  std::map<int64_t, CleanKey> clean_keys;  // frame -> key packet a copy can start from
  bool h264;
  h264::Layout layout;

  explicit Input(const std::string& p)
      : path(p),
        demuxer(p),
        decoding(p),
        video(demuxer.select_stream(AVMEDIA_TYPE_VIDEO, -1)),
        index(demuxer, video),
        tb(demuxer.stream(video)->time_base),
        origin(demuxer.format()->start_time != AV_NOPTS_VALUE ? demuxer.format()->start_time / double(AV_TIME_BASE) : 0),
        h264(demuxer.stream(video)->codecpar->codec_id == AV_CODEC_ID_H264) {
    const AVCodecParameters* par = demuxer.stream(video)->codecpar;
    if (h264) layout = h264::layout_of(par->extradata, par->extradata_size);
    if (!index.decode_order()) find_clean_keys();
  }

  const AVStream* stream() const { return demuxer.stream(video); }

  // A key packet starts a clean copy when every packet before it (decode order) is shown before it
  // and none after it is (no open-GOP leading pictures), and for H.264 when it is an IDR picture.
  void find_clean_keys() {
    std::vector<VideoPacket> packets;
    demuxer.reopen();
    UniqueAVPacket pkt = make_packet();
    std::shared_ptr<const std::string> in_band;
    while (demuxer.read(pkt.get(), video)) {
      VideoPacket p{pkt->pts, pkt->dts, (pkt->flags & AV_PKT_FLAG_KEY) != 0, false, in_band};
      if (h264) {
        if (p.key) p.idr = h264::has_idr(pkt->data, pkt->size, layout.nal_length_size);
        std::string sets = h264::parameter_sets(pkt->data, pkt->size, layout.nal_length_size);
        if (!sets.empty()) {
          p.parameter_sets = nullptr;  // the packet carries its own
          in_band = std::make_shared<const std::string>(std::move(sets));
        }
      }
      packets.push_back(std::move(p));
    }
    if (std::any_of(packets.begin(), packets.end(), [](const VideoPacket& p) { return p.pts == AV_NOPTS_VALUE; })) return;
    std::vector<int64_t> min_after(packets.size() + 1, INT64_MAX);
    for (size_t j = packets.size(); j-- > 0;) min_after[j] = std::min(min_after[j + 1], packets[j].pts);
    std::map<int64_t, const KeyPacket*> key_by_pts;
    for (const KeyPacket& k : index.keys()) key_by_pts[k.pts] = &k;
    int64_t max_before = INT64_MIN;
    for (size_t j = 0; j < packets.size(); ++j) {
      const VideoPacket& p = packets[j];
      if (p.key && (!h264 || p.idr) && max_before < p.pts && min_after[j + 1] >= p.pts) {
        const int64_t f = index.displayed_at(p.pts);
        const auto k = key_by_pts.find(p.pts);
        if (f >= 0 && index[f].pts == p.pts && k != key_by_pts.end()) clean_keys[f] = {k->second, p.parameter_sets};
      }
      max_before = std::max(max_before, p.pts);
    }
  }

  int64_t to_ts(double seconds) const { return static_cast<int64_t>(std::llround((seconds + origin) / av_q2d(tb))); }
  double time_of(int64_t pts) const { return pts * av_q2d(tb) - origin; }
};

class ClipCutter {
 public:
  ClipCutter(Input& in, const CutOptions& o) : in_(in), o_(o), decoder_(in.decoding, in.video, in.index, o.threads) {}

  CutClip cut(int64_t first, int64_t last, const std::string& path) {
    CutClip clip;
    clip.path = path;
    clip.first_frame = first;
    clip.last_frame = last;
    base_ = in_.index[first].pts;
    end_ = end_pts(in_.index, last);
    clip.start = in_.time_of(base_);
    clip.end = in_.time_of(end_);

    // The whole GOPs inside the clip: frames [copy_first, copy_end).
    int64_t copy_first = -1, copy_end = -1;
    auto from = in_.clean_keys.lower_bound(first);
    // (a key frame that does not decode on its own is no place to start a stream)
    int64_t lone_failed = -1;
    while (from != in_.clean_keys.end() && from->first <= last &&
           !decoder_.decodes_alone(from->first, from->second.parameter_sets ? *from->second.parameter_sets : "")) {
      if (lone_failed < 0) lone_failed = from->first;
      ++from;
    }
    if (from != in_.clean_keys.end() && from->first <= last) {
      copy_first = from->first;
      copy_end = last + 1 == in_.index.size() ? last + 1 : -1;
      if (copy_end < 0) {
        auto to = in_.clean_keys.upper_bound(last + 1);
        if (to != in_.clean_keys.begin() && std::prev(to)->first > copy_first) copy_end = std::prev(to)->first;
      }
    }
    const bool whole_gops = copy_first == first && copy_end == last + 1;
    const AVCodecParameters* par = in_.stream()->codecpar;
    Muxer mux(path);
    const bool container_holds = avformat_query_codec(mux.output_format(), par->codec_id, FF_COMPLIANCE_NORMAL) == 1;
    std::string why;
    if (o_.reencode) {
      why = "asked";
    } else if (copy_end < 0 && lone_failed >= 0) {
      why = fmt::format("the key frame at frame {} does not decode on its own (for the ffmpeg CLI neither)", lone_failed);
    } else if (copy_end < 0) {
      why = "no whole GOP inside the clip";
    } else if (!container_holds) {
      why = fmt::format("a {} file cannot hold {}", mux.output_format()->name, avcodec_get_name(par->codec_id));
    } else if (!whole_gops && !in_.h264) {
      why = fmt::format("partial GOPs of {} cannot be spliced (only H.264)", avcodec_get_name(par->codec_id));
    } else if (!whole_gops && !x264_takes(static_cast<AVPixelFormat>(par->format), par->width, par->height)) {
      why = fmt::format("libx264 cannot encode {} {}x{} to splice", av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format)),
                        par->width, par->height);
    }
    if (!why.empty()) {
      if (why != "asked") clip.notes.push_back("re-encoded: " + why);
      reencode(mux, clip);
    } else {
      splice(mux, clip, copy_first, copy_end);
    }
    return clip;
  }

 private:
  // Every frame re-encoded: the clip's own H.264 stream.
  void reencode(Muxer& mux, CutClip& clip) {
    clip.mode = "reencode";
    const TranscodeResult r = transcode(in_.demuxer, in_.video, in_.index, clip.first_frame, clip.last_frame, mux,
                                        {.crf = o_.crf, .preset = o_.preset, .threads = o_.threads, .audio = o_.audio,
                                         .decoder = &decoder_});
    clip.encoded_frames = r.frames;
    clip.audio_packets = r.audio_packets;
    clip.notes.insert(clip.notes.end(), r.notes.begin(), r.notes.end());
  }

  // Whole GOPs copied, the partial ones at the edges re-encoded and spliced in.
  void splice(Muxer& mux, CutClip& clip, int64_t copy_first, int64_t copy_end) {
    const bool head = copy_first > clip.first_frame, tail = copy_end <= clip.last_frame;
    clip.mode = head || tail ? "smart" : "copy";
    AVStream* out = mux.add_copy(in_.stream());
    audio_.reset();
    if (o_.audio) audio_ = std::make_unique<AudioCopy>(in_.path, mux, base_, end_, in_.tb, clip.notes);
    mux.start();
    const CleanKey& first_key = in_.clean_keys.at(copy_first);
    if (head) encode_piece(mux, out, clip, clip.first_frame, copy_first - 1, gap(*first_key.key));
    // The decoder needs the stream's parameter sets again after re-encoded frames, and the
    // in-band ones it would have seen before this key when they came earlier.
    std::string sets;
    if (first_key.parameter_sets) {
      sets = *first_key.parameter_sets;
    } else if (head) {
      sets = in_.layout.parameter_sets;
    }
    copy_packets(mux, out, *first_key.key, copy_end < in_.index.size() ? in_.clean_keys.at(copy_end).key : nullptr, sets);
    clip.copied_frames = copy_end - copy_first;
    if (tail) encode_piece(mux, out, clip, copy_end, clip.last_frame, gap(*in_.clean_keys.at(copy_end).key));
    if (audio_) {
      audio_->pump(mux, end_);
      clip.audio_packets = audio_->packets();
    }
    mux.close();
  }

  static int64_t gap(const KeyPacket& k) { return k.dts != AV_NOPTS_VALUE ? std::max<int64_t>(k.pts - k.dts, 0) : 0; }

  // Frames first..last re-encoded as a spliceable piece whose decode times sit `gap` before its
  // presentation times, as the copied packets next to it do.
  void encode_piece(Muxer& mux, AVStream* out, CutClip& clip, int64_t first, int64_t last, int64_t gap) {
    std::unique_ptr<ClipEncoder> enc;
    UniqueAVPacket spliced = make_packet();
    const auto emit = [&](AVPacket* p) {
      const std::string bytes = h264::from_annex_b(p->data, p->size, in_.layout.nal_length_size);
      if (av_new_packet(spliced.get(), static_cast<int>(bytes.size())) < 0) throw std::bad_alloc();
      std::memcpy(spliced->data, bytes.data(), bytes.size());
      spliced->pts = p->pts;
      spliced->dts = p->pts - gap;
      spliced->flags = p->flags;
      spliced->duration = duration_at(p->pts + base_);
      write_video(mux, out, spliced.get());
    };
    decoder_.decode(first, last, [&](AVFrame* frame, int64_t i) {
      if (!enc) {
        enc = std::make_unique<ClipEncoder>(mux.path(), frame, in_.tb, stream_frame_rate(in_.stream()),
                                            ClipEncoderOptions{.crf = o_.crf, .preset = o_.preset, .threads = o_.threads,
                                                               .splice = true});
      }
      enc->encode(frame, in_.index[i].pts - base_, emit);
      ++clip.encoded_frames;
    });
    enc->finish(emit);
  }

  int64_t duration_at(int64_t pts) const {
    const int64_t i = in_.index.displayed_at(pts);
    if (i < 0) return 0;
    return i + 1 < in_.index.size() ? in_.index[i + 1].pts - in_.index[i].pts : in_.index[i].duration;
  }

  // The packets from key `from` up to key `to` (null: the end), shifted to the clip's clock, with
  // `sets` (parameter sets) in front of the first.
  void copy_packets(Muxer& mux, AVStream* out, const KeyPacket& from, const KeyPacket* to, const std::string& sets) {
    UniqueAVPacket pkt = make_packet();
    if (!seek_to_key(in_.demuxer, in_.video, in_.index, from, pkt.get())) {
      throw DecodeError(fmt::format("{}: stream {}: cannot find the key frame at {:.3f} s", in_.path, in_.video, in_.time_of(from.pts)));
    }
    bool first = true;
    do {
      if (to != nullptr && is_key_packet(pkt.get(), *to)) break;
      if (first) prepend_bytes(pkt.get(), sets);
      first = false;
      if (pkt->pts != AV_NOPTS_VALUE) pkt->pts -= base_;
      if (pkt->dts != AV_NOPTS_VALUE) pkt->dts -= base_;
      write_video(mux, out, pkt.get());
    } while (in_.demuxer.read(pkt.get(), in_.video));
  }

  void write_video(Muxer& mux, AVStream* out, AVPacket* p) {
    if (audio_) audio_->pump(mux, (p->dts != AV_NOPTS_VALUE ? p->dts : p->pts) + base_);
    mux.write(p, out, in_.tb);
  }

  Input& in_;
  const CutOptions& o_;
  RangeDecoder decoder_;
  std::unique_ptr<AudioCopy> audio_;
  int64_t base_ = 0, end_ = 0;  // the clip's first pts and end, input time base
};

}  // namespace

std::vector<CutRange> parse_cut_ranges(const std::string& text) {
  std::vector<CutRange> ranges;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const std::string part = trim(text.substr(at, comma - at));
    at = comma + 1;
    if (part.empty()) continue;
    const size_t dash = part.find('-');
    if (dash == std::string::npos || dash == 0) {
      throw InvalidArgument(fmt::format("ranges: '{}': expected A-B (frames, or seconds with a '.' or an 's')", part));
    }
    const std::string a = trim(part.substr(0, dash)), b = trim(part.substr(dash + 1));
    CutRange r;
    r.seconds = is_seconds(a) || is_seconds(b);
    const double lo = parse_number(a, part), hi = b.empty() ? -1 : parse_number(b, part);
    if (r.seconds) {
      r.start = lo;
      r.end = hi;
      if (hi >= 0 && hi <= lo) throw InvalidArgument(fmt::format("ranges: '{}': the end must come after the start", part));
    } else {
      if (lo != std::floor(lo) || (hi >= 0 && hi != std::floor(hi))) {
        throw InvalidArgument(fmt::format("ranges: '{}': frame numbers are whole numbers", part));
      }
      r.first = static_cast<int64_t>(lo);
      r.last = hi < 0 ? -1 : static_cast<int64_t>(hi);
      if (hi >= 0 && r.last < r.first) throw InvalidArgument(fmt::format("ranges: '{}': the last frame comes before the first", part));
    }
    ranges.push_back(r);
  }
  if (ranges.empty()) throw InvalidArgument("ranges: no range given");
  return ranges;
}

std::vector<CutClip> cut_clips(const std::string& in_path, const std::vector<CutRange>& ranges,
                               const std::vector<std::string>& out_paths, const CutOptions& options,
                               const std::function<void(const CutClip&)>& on_clip) {
  if (ranges.size() != out_paths.size()) {
    throw InvalidArgument(fmt::format("{}: {} ranges but {} output paths", in_path, ranges.size(), out_paths.size()));
  }
  Input in(in_path);
  const int64_t n = in.index.size();
  if (n == 0) throw DecodeError(fmt::format("{}: stream {}: no frames", in_path, in.video));
  // Frames of every range first, so a bad range fails before anything is written.
  std::vector<std::pair<int64_t, int64_t>> frames;
  for (const CutRange& r : ranges) {
    int64_t first = r.first, last = r.last < 0 ? n - 1 : r.last;
    std::string text = fmt::format("frames {}-{}", r.first, r.last < 0 ? "" : std::to_string(r.last));
    if (r.seconds) {
      text = fmt::format("{}-{} s", r.start, r.end < 0 ? "" : fmt::format("{}", r.end));
      const int64_t start_ts = in.to_ts(r.start);
      first = std::max<int64_t>(in.index.displayed_at(start_ts), 0);
      if (in.index[first].pts < start_ts) ++first;
      last = r.end < 0 ? n - 1 : in.index.displayed_at(in.to_ts(r.end) - 1);
    }
    if (first >= n || last < first || (!r.seconds && r.last >= n)) {
      throw InvalidArgument(fmt::format("{}: ranges: {}: no frame there (the file has {} frames, {:.3f} s)", in_path, text, n,
                                        in.time_of(end_pts(in.index, n - 1))));
    }
    frames.emplace_back(first, std::min(last, n - 1));
  }
  ClipCutter cutter(in, options);
  std::vector<CutClip> clips;
  for (size_t c = 0; c < frames.size(); ++c) {
    clips.push_back(cutter.cut(frames[c].first, frames[c].second, out_paths[c]));
    if (on_clip) on_clip(clips.back());
  }
  return clips;
}

}  // namespace vidrep::io
