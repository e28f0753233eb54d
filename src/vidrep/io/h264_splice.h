// H.264 bitstream pieces a smart cut needs to splice re-encoded frames and copied packets into one
// stream: the stream's packet layout (length-prefixed NAL units as MP4/Matroska store them, or
// Annex B start codes as MPEG-TS does), its parameter sets (SPS/PPS) from the codec extradata,
// whether a packet holds an IDR picture (a clean place to start copying), and an encoder's Annex B
// packet rewritten into the stream's layout. Bytes come from files: every length is checked.
//
//   io::h264::Layout layout = io::h264::layout_of(extradata, size);
//   if (io::h264::has_idr(pkt->data, pkt->size, layout.nal_length_size)) ...
//   std::string bytes = io::h264::from_annex_b(encoded->data, encoded->size, layout.nal_length_size);
#pragma once

#include <cstdint>
#include <string>

namespace vidrep::io::h264 {

struct Layout {
  int nal_length_size = 0;     // bytes of each NAL unit's length prefix; 0: Annex B start codes
  std::string parameter_sets;  // the SPS and PPS units, laid out as the packets are; may be empty
};

// The layout an H.264 stream's packets use, from its extradata (an avcC record, Annex B parameter
// sets, or nothing). A malformed avcC record gives nal_length_size 4 and no parameter sets.
Layout layout_of(const uint8_t* extradata, int size);

// Whether the packet holds an IDR slice (NAL type 5). False for malformed packets.
bool has_idr(const uint8_t* data, int size, int nal_length_size);

// The SPS and PPS units a packet carries in-band (some encoders repeat or change them there),
// laid out as the packet is; empty for none.
std::string parameter_sets(const uint8_t* data, int size, int nal_length_size);

// An Annex B packet (as an encoder without global headers writes it) laid out with
// `nal_length_size`-byte prefixes; unchanged for 0.
std::string from_annex_b(const uint8_t* data, int size, int nal_length_size);

}  // namespace vidrep::io::h264
