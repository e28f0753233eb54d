// FrameIndex: every frame of one video stream, found by scanning packets (no decoding). Frame i
// is the i-th in presentation order (sorted pts), which is what the decoder outputs and what the
// ffmpeg CLI numbers, so random access is exact whatever the headers claim: B-frames, variable
// frame rate and edit lists (packets flagged discard are decoded but not frames) included.
// Streams whose packets carry no presentation times (packed-bitstream AVI), or whose timestamps
// repeat or go backwards, are indexed in decode order instead: frame i is the decoder's i-th
// output, as the ffmpeg CLI counts them.
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct AVPacket;
struct AVStream;

namespace vidrep::io {

class Demuxer;
struct ScannedPacket;

// The cache's byte form (FrameIndex::append_bytes, FrameIndexCache's file): int64s as this
// machine stores them. read_int64 returns false when the bytes run out.
void append_int64(std::string& out, int64_t v);
bool read_int64(std::string_view bytes, size_t& at, int64_t& v);

struct IndexedFrame {
  int64_t pts = 0;        // stream time base
  int64_t duration = 0;   // stream time base; 0 when the container does not say
  int64_t key = 0;        // entry in FrameIndex::keys() to start decoding from for this frame
};

// A packet decoding may start from, in decode order.
struct KeyPacket {
  int64_t pos = -1;       // byte offset in the file, -1 when unknown
  int64_t pts = 0;
  int64_t dts = 0;
  int64_t decode_pos = 0; // ordinal among the stream's packets (discarded ones included)
  int64_t first_frame = 0; // shown packets before this one (its frame's index in decode order)
};

class FrameIndex {
 public:
  // Reads every packet of `stream_index` from the demuxer's current position (open files start at
  // the beginning). Throws DecodeError for truncated or unreadable files.
  FrameIndex(Demuxer& demuxer, int stream_index);

  int64_t size() const { return static_cast<int64_t>(frames_.size()); }
  const IndexedFrame& operator[](int64_t i) const { return frames_[static_cast<size_t>(i)]; }
  const std::vector<KeyPacket>& keys() const { return keys_; }
  // True when frames are identified by their order out of the decoder, not by timestamps; then
  // frame i's `pts` is only its time (non-decreasing, perhaps repeated).
  bool decode_order() const { return decode_order_; }
  // Things about the stream a user should know that did not stop it being read exactly (e.g. a
  // sample table listing more packets than the file holds).
  const std::vector<std::string>& warnings() const { return warnings_; }

  // The frame on screen at `pts`: the last one whose pts <= `pts`; -1 before the first frame.
  int64_t displayed_at(int64_t pts) const;

  // The index as bytes (FrameIndexCache's file), and back: from_bytes reads one index at `at` and
  // moves `at` past it; nullopt for bytes that are cut short or do not describe a valid index
  // (counts beyond the bytes left, key references out of range, times out of order).
  void append_bytes(std::string& out) const;
  static std::optional<FrameIndex> from_bytes(std::string_view bytes, size_t& at);

 private:
  FrameIndex() = default;
  // Why presentation timestamps cannot number the frames; empty when they can.
  static std::string timestamps_disagree(const AVStream* st, const std::vector<ScannedPacket>& shown);
  void index_decode_order(const AVStream* st, const std::vector<ScannedPacket>& shown);
  void index_presentation_order(std::vector<ScannedPacket>& shown);

  std::vector<IndexedFrame> frames_;
  bool decode_order_ = false;
  std::vector<std::string> warnings_;
  std::vector<KeyPacket> keys_;
  int64_t packets_ = 0;
};

// Whether `p` is key packet `k`: the same file position, or without positions the same timestamps.
bool is_key_packet(const AVPacket* p, const KeyPacket& k);

// Leaves `pkt` holding key packet `key` of `stream`, with the demuxer positioned after it: seeks to
// its timestamp; if the demuxer lands past it, to before the stream's first key frame; where that
// fails too (Matroska without cues), reads the file again from its start. False when the packet is
// not in the file.
bool seek_to_key(Demuxer& demuxer, int stream, const FrameIndex& index, const KeyPacket& key, AVPacket* pkt);

}  // namespace vidrep::io
