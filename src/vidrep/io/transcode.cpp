#include "vidrep/io/transcode.h"

#include "vidrep/io/audio_copy.h"
#include "vidrep/io/cut_codec.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/frame_index.h"
#include "vidrep/io/muxer.h"

#include <algorithm>
#include <memory>
#include <optional>

namespace vidrep::io {

int64_t end_pts(const FrameIndex& index, int64_t last) {
  if (last + 1 < index.size()) return index[last + 1].pts;
  int64_t d = index[last].duration;
  if (d <= 0 && last > 0) d = index[last].pts - index[last - 1].pts;
  return index[last].pts + std::max<int64_t>(d, 1);
}

TranscodeResult transcode(Demuxer& demuxer, int video, const FrameIndex& index, int64_t first, int64_t last, Muxer& mux,
                          const TranscodeOptions& o) {
  TranscodeResult result;
  const AVStream* st = demuxer.stream(video);
  const AVRational tb = st->time_base;
  const AVRational rate = stream_frame_rate(st);
  const int64_t start = demuxer.format()->start_time;
  const int64_t origin = start != AV_NOPTS_VALUE ? av_rescale_q(start, AV_TIME_BASE_Q, tb) : 0;
  const int64_t base = o.keep_times ? std::min(origin, index[first].pts) : index[first].pts, end = end_pts(index, last);
  std::optional<RangeDecoder> own;
  if (o.decoder == nullptr) own.emplace(demuxer, video, index, o.threads);
  RangeDecoder& decoder = o.decoder != nullptr ? *o.decoder : *own;
  std::unique_ptr<ClipEncoder> enc;
  AVStream* out = nullptr;
  std::unique_ptr<AudioCopy> audio;
  const auto write = [&](AVPacket* p) {
    if (audio) audio->pump(mux, (p->dts != AV_NOPTS_VALUE ? p->dts : p->pts) + base);
    mux.write(p, out, tb);
  };
  const auto encode = [&](AVFrame* frame) {
    if (!enc) {  // opened on the first frame: its format is the decoder's (or the filter's)
      enc = std::make_unique<ClipEncoder>(mux.path(), frame, tb, rate,
                                          ClipEncoderOptions{.crf = o.crf, .preset = o.preset, .threads = o.threads,
                                                             .global_header = mux.global_header()});
      out = mux.add_stream(enc->context());
      if (o.audio) audio = std::make_unique<AudioCopy>(demuxer.path(), mux, base, end, tb, result.notes);
      mux.start();
    }
    enc->encode(frame, frame->pts, write);
    ++result.frames;
  };
  int64_t last_pts = INT64_MIN;
  decoder.decode(first, last, [&](AVFrame* frame, int64_t i) {
    frame->pts = std::max(last_pts + 1, index[i].pts - base);  // decode-order streams may repeat times
    last_pts = frame->pts;
    if (o.filter != nullptr) {
      o.filter->push(frame, encode);
    } else {
      encode(frame);
    }
  });
  if (o.filter != nullptr) o.filter->finish(encode);
  enc->finish(write);
  if (audio) {
    audio->pump(mux, end);
    result.audio_packets = audio->packets();
  }
  mux.close();
  return result;
}

}  // namespace vidrep::io
