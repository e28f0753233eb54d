// Encoders: RGB frames and float audio into packets for a Muxer, the output side of
// PacketDecoder + FrameConverter. VideoWriter (io/video_writer.h) puts them together; a later
// `cut` re-encodes only partial GOPs with them while copying the rest (io/stream_copy.h).
//
//   io::Muxer mux("out.mp4");
//   io::VideoEncoder video(mux, 64, 48, {.fps = 24}, "libx264");
//   io::AudioEncoder audio(mux, {.audio_rate = 16000}, "aac");
//   mux.start();
//   video.encode(rgb_rows);            // packed uint8 rows, height x width x 3
//   audio.encode(planes, samples);     // float planes at audio_rate
//   video.finish(); audio.finish(); mux.close();
#pragma once

#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/muxer.h"
#include "vidrep/io/video_writer.h"  // WriterOptions

#include <cstdint>
#include <string>

namespace vidrep {

namespace io {

class VideoEncoder {
 public:
  // Opens options.codec (or `default_codec`) for width x height at options.fps and adds its
  // stream to `muxer` (before muxer.start()). An odd size is encoded as yuv444p where the codec
  // allows it. Throws InvalidArgument for a codec the container cannot hold or a size it cannot
  // encode, WriteError when FFmpeg has no such encoder or it does not open.
  VideoEncoder(Muxer& muxer, int width, int height, const WriterOptions& options, const std::string& default_codec);

  // Encodes one frame of packed RGB rows (height x width x 3 bytes) and writes the packets ready.
  void encode(const uint8_t* rgb);
  // Drains the encoder into the muxer.
  void finish();
  int64_t frames() const { return frames_; }

 private:
  void send(const AVFrame* frame);

  Muxer& mux_;
  int width_, height_;
  UniqueAVCodecContext ctx_;
  AVStream* stream_ = nullptr;
  UniqueSwsContext sws_;
  UniqueAVFrame frame_;
  UniqueAVPacket pkt_ = make_packet();
  SwsImage staged_;  // one RGB frame, laid out for swscale to read
  int64_t frames_ = 0;
};

class AudioEncoder {
 public:
  // Opens `codec` for options.audio_channels at options.audio_rate (or the nearest rate the
  // encoder takes: the audio is resampled) and adds its stream to `muxer`.
  AudioEncoder(Muxer& muxer, const WriterOptions& options, const std::string& codec);

  // Encodes `n` samples of float planes (one per channel) at options.audio_rate.
  void encode(const float* const* planes, int n);
  // Encodes what is buffered (the last frame padded with silence when the encoder needs whole
  // frames) and drains the encoder.
  void finish();
  int64_t samples() const { return samples_in_; }  // per channel, at audio_rate

 private:
  void resample_into_fifo(const uint8_t* const* in, int n);
  void drain_fifo(bool final);
  void send(const AVFrame* frame);

  Muxer& mux_;
  int channels_;
  UniqueAVCodecContext ctx_;
  AVStream* stream_ = nullptr;
  UniqueSwrContext swr_;
  UniqueAVAudioFifo fifo_;
  UniqueAVPacket pkt_ = make_packet();
  int frame_size_ = 0;
  int64_t next_pts_ = 0;  // in encoder samples
  int64_t samples_in_ = 0;
};

}  // namespace io
}  // namespace vidrep
