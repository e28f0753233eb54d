// Fuzz target: bytes as a media file, through everything vidrep does with one before tensors:
// open and probe (libavformat over an in-memory AVIOContext), the packet-scan frame index, seeking
// back, decoding every video frame (up to a bound) and converting it to RGB at its own size and at
// an odd smaller one, guard bytes checked, and decoding the first audio stream. The index also goes
// through its cache form (FrameIndex::append_bytes / from_bytes) and must come back the same.
#include "vidrep/error.h"
#include "vidrep/io/demuxer.h"
#include "vidrep/io/frame_converter.h"
#include "vidrep/io/frame_index.h"
#include "vidrep/io/packet_decoder.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <vector>

namespace vidrep {
// The decoders run with one thread here (options below); runtime.cpp needs LibTorch.
int hardware_threads() { return 1; }
}  // namespace vidrep

namespace {

using namespace vidrep::io;

struct Memory {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
};

int read_packet(void* opaque, uint8_t* buf, int n) {
  auto* m = static_cast<Memory*>(opaque);
  const size_t left = m->size - m->pos;
  if (left == 0) return AVERROR_EOF;
  const size_t k = std::min(left, static_cast<size_t>(n));
  std::memcpy(buf, m->data + m->pos, k);
  m->pos += k;
  return static_cast<int>(k);
}

int64_t seek(void* opaque, int64_t offset, int whence) {
  auto* m = static_cast<Memory*>(opaque);
  if (whence == AVSEEK_SIZE) return static_cast<int64_t>(m->size);
  int64_t base = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = static_cast<int64_t>(m->pos); break;
    case SEEK_END: base = static_cast<int64_t>(m->size); break;
    default: return AVERROR(EINVAL);
  }
  if (offset > static_cast<int64_t>(m->size) || offset < -base) return AVERROR(EINVAL);
  const int64_t to = base + offset;
  if (to < 0 || to > static_cast<int64_t>(m->size)) return AVERROR(EINVAL);
  m->pos = static_cast<size_t>(to);
  return to;
}

struct AvioDeleter {
  void operator()(AVIOContext* p) const {
    av_freep(&p->buffer);
    avio_context_free(&p);
  }
};

// Decodes up to `limit` frames of stream `index` from the start, converting video ones.
void decode(Demuxer& demuxer, int index, int limit, bool video) {
  PacketDecoder decoder("fuzz", demuxer.stream(index), DecoderOptions{1, true});
  FrameConverter converter;
  UniqueAVPacket packet = make_packet();
  UniqueAVFrame frame = make_frame();
  std::vector<uint8_t> rgb;
  int frames = 0;
  bool draining = false;
  while (frames < limit) {
    const int ret = decoder.receive(frame.get());
    if (ret == AVERROR(EAGAIN)) {
      if (draining) break;
      if (!demuxer.read(packet.get(), index)) {
        draining = true;
        decoder.send(nullptr);
      } else if (decoder.send(packet.get()) < 0) {
        return;  // a rejected packet: what vidrep reports as a DecodeError
      }
      continue;
    }
    if (ret < 0) return;
    ++frames;
    if (!video || frame->width < 1 || frame->height < 1 || frame->width > 4096 || frame->height > 4096) continue;
    for (const auto& [w, h] : {std::pair{frame->width, frame->height}, std::pair{(frame->width + 2) / 3, 7}}) {
      const size_t bytes = static_cast<size_t>(w) * h * 3;
      rgb.assign(bytes + 64, 0x5A);
      converter.convert(frame.get(), w, h, rgb.data());
      for (size_t k = bytes; k < rgb.size(); ++k) {
        if (rgb[k] != 0x5A) std::abort();  // the converter wrote past its output
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Memory memory{data, size};
  constexpr int kBuffer = 4096;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kBuffer));
  if (buffer == nullptr) return 0;
  std::unique_ptr<AVIOContext, AvioDeleter> io(
      avio_alloc_context(buffer, kBuffer, 0, &memory, &read_packet, nullptr, &seek));
  if (!io) {
    av_free(buffer);
    return 0;
  }
  try {
    Demuxer demuxer("fuzz", DemuxerOptions{std::chrono::milliseconds(2000), io.get()});
    int video = -1;
    try {
      video = demuxer.select_stream(AVMEDIA_TYPE_VIDEO, -1);
    } catch (const vidrep::Error&) {
    }
    if (video >= 0) {
      const FrameIndex index(demuxer, video);
      // Every index a scan makes survives the cache's byte form unchanged.
      std::string bytes;
      index.append_bytes(bytes);
      size_t at = 0;
      const std::optional<FrameIndex> back = FrameIndex::from_bytes(bytes, at);
      if (!back || at != bytes.size() || back->size() != index.size() || back->keys().size() != index.keys().size())
        std::abort();
      std::string again;
      back->append_bytes(again);
      if (again != bytes) std::abort();
      const KeyPacket& first = index.keys().front();
      demuxer.seek(video, first.dts != AV_NOPTS_VALUE ? first.dts : first.pts);
      decode(demuxer, video, 16, true);
    }
    int audio = -1;
    try {
      audio = demuxer.select_stream(AVMEDIA_TYPE_AUDIO, -1);
    } catch (const vidrep::Error&) {
    }
    if (audio >= 0) {
      demuxer.seek(audio, 0);
      decode(demuxer, audio, 16, false);
    }
  } catch (const vidrep::Error&) {
    // A clear error is the right answer to bad bytes.
  } catch (const std::bad_alloc&) {
  }
  return 0;
}
