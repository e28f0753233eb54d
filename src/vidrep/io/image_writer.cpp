#include "vidrep/io/image_writer.h"

#include "vidrep/error.h"
#include "vidrep/io/ffmpeg.h"
#include "vidrep/io/output_file.h"

#include <fmt/format.h>

#include <cstring>
#include <fstream>

namespace vidrep::io {

std::string encode_png(const uint8_t* rgb, int width, int height, const std::string& path) {
  if (width < 1 || height < 1 || width > 16384 || height > 16384) {
    throw InvalidArgument(fmt::format("{}: cannot write a {}x{} picture", path, width, height));
  }
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (codec == nullptr) throw WriteError(fmt::format("{}: FFmpeg has no PNG encoder", path));
  UniqueAVCodecContext ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw std::bad_alloc();
  ctx->width = width;
  ctx->height = height;
  ctx->pix_fmt = AV_PIX_FMT_RGB24;
  ctx->time_base = {1, 1};
  int ret = avcodec_open2(ctx.get(), codec, nullptr);
  if (ret < 0) throw WriteError(fmt::format("{}: cannot open the PNG encoder: {}", path, av_error_text(ret)));
  UniqueAVFrame frame = make_frame();
  frame->width = width;
  frame->height = height;
  frame->format = AV_PIX_FMT_RGB24;
  if (av_frame_get_buffer(frame.get(), 0) < 0) throw std::bad_alloc();
  for (int y = 0; y < height; ++y) {
    std::memcpy(frame->data[0] + static_cast<ptrdiff_t>(y) * frame->linesize[0], rgb + static_cast<ptrdiff_t>(y) * width * 3,
                static_cast<size_t>(width) * 3);
  }
  UniqueAVPacket pkt = make_packet();
  if ((ret = avcodec_send_frame(ctx.get(), frame.get())) < 0 || (ret = avcodec_send_frame(ctx.get(), nullptr)) < 0 ||
      (ret = avcodec_receive_packet(ctx.get(), pkt.get())) < 0) {
    throw WriteError(fmt::format("{}: PNG encoding failed: {}", path, av_error_text(ret)));
  }
  return {reinterpret_cast<const char*>(pkt->data), static_cast<size_t>(pkt->size)};
}

void write_png(const std::string& path, const uint8_t* rgb, int width, int height) {
  const std::string png = encode_png(rgb, width, height, path);
  OutputFile out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    f.write(png.data(), static_cast<std::streamsize>(png.size()));
    if (!f.flush()) throw WriteError(fmt::format("{}: cannot write", path));
  }
  out.commit();
}

}  // namespace vidrep::io
