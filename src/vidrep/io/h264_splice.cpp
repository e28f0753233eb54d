#include "vidrep/io/h264_splice.h"

#include <algorithm>
#include <functional>

namespace vidrep::io::h264 {
namespace {

constexpr int kIdrSlice = 5;
constexpr int kSps = 7;
constexpr int kPps = 8;

// Calls `unit` for each NAL unit of a length-prefixed packet; stops at the first bad length.
void for_each_prefixed(const uint8_t* data, int size, int prefix, const std::function<void(const uint8_t*, int)>& unit) {
  int at = 0;
  while (prefix > 0 && at + prefix <= size) {
    int64_t n = 0;
    for (int i = 0; i < prefix; ++i) n = (n << 8) | data[at + i];
    at += prefix;
    if (n <= 0 || n > size - at) return;
    unit(data + at, static_cast<int>(n));
    at += static_cast<int>(n);
  }
}

// The offset just past the next start code (00 00 01) at or after `from`, or -1.
int next_start(const uint8_t* data, int size, int from) {
  for (int i = from; i + 2 < size; ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) return i + 3;
  }
  return -1;
}

// Calls `unit` for each NAL unit between Annex B start codes (trailing zero bytes dropped).
void for_each_annex_b(const uint8_t* data, int size, const std::function<void(const uint8_t*, int)>& unit) {
  int begin = next_start(data, size, 0);
  while (begin >= 0) {
    const int next = next_start(data, size, begin);
    int end = next < 0 ? size : next - 3;
    while (end > begin && data[end - 1] == 0) --end;
    if (end > begin) unit(data + begin, end - begin);
    begin = next;
  }
}

void for_each_unit(const uint8_t* data, int size, int prefix, const std::function<void(const uint8_t*, int)>& unit) {
  if (data == nullptr || size <= 0) return;
  if (prefix == 0) {
    for_each_annex_b(data, size, unit);
  } else {
    for_each_prefixed(data, size, prefix, unit);
  }
}

void append_unit(std::string& out, const uint8_t* unit, int n, int prefix) {
  if (prefix == 0) {
    out.append("\0\0\0\1", 4);
  } else {
    for (int i = prefix - 1; i >= 0; --i) out.push_back(static_cast<char>((static_cast<int64_t>(n) >> (8 * i)) & 0xff));
  }
  out.append(reinterpret_cast<const char*>(unit), static_cast<size_t>(n));
}

// The SPS and PPS units of an avcC record (ISO/IEC 14496-15), length-prefixed; false if malformed.
bool avcc_parameter_sets(const uint8_t* d, int size, int prefix, std::string& out) {
  if (size < 6) return false;
  int at = 5;
  for (int group = 0; group < 2; ++group) {  // SPS list (count in the low 5 bits), then PPS list
    if (at >= size) return false;
    const int count = group == 0 ? (d[at] & 0x1f) : d[at];
    ++at;
    for (int i = 0; i < count; ++i) {
      if (at + 2 > size) return false;
      const int n = (d[at] << 8) | d[at + 1];
      at += 2;
      if (n == 0 || n > size - at) return false;
      append_unit(out, d + at, n, prefix);
      at += n;
    }
  }
  return true;
}

}  // namespace

Layout layout_of(const uint8_t* extradata, int size) {
  Layout layout;
  if (extradata == nullptr || size <= 0) return layout;
  if (extradata[0] == 1) {  // avcC
    layout.nal_length_size = size >= 5 ? (extradata[4] & 3) + 1 : 4;
    if (!avcc_parameter_sets(extradata, size, layout.nal_length_size, layout.parameter_sets)) {
      layout.nal_length_size = 4;
      layout.parameter_sets.clear();
    }
    return layout;
  }
  for_each_annex_b(extradata, size, [&](const uint8_t* unit, int n) { append_unit(layout.parameter_sets, unit, n, 0); });
  return layout;
}

bool has_idr(const uint8_t* data, int size, int nal_length_size) {
  bool idr = false;
  for_each_unit(data, size, nal_length_size, [&](const uint8_t* unit, int) { idr = idr || (unit[0] & 0x1f) == kIdrSlice; });
  return idr;
}

std::string parameter_sets(const uint8_t* data, int size, int nal_length_size) {
  std::string out;
  for_each_unit(data, size, nal_length_size, [&](const uint8_t* unit, int n) {
    const int type = unit[0] & 0x1f;
    if (type == kSps || type == kPps) append_unit(out, unit, n, nal_length_size);
  });
  return out;
}

std::string from_annex_b(const uint8_t* data, int size, int nal_length_size) {
  if (nal_length_size == 0) return {reinterpret_cast<const char*>(data), static_cast<size_t>(std::max(size, 0))};
  std::string out;
  for_each_annex_b(data, size, [&](const uint8_t* unit, int n) { append_unit(out, unit, n, nal_length_size); });
  return out;
}

}  // namespace vidrep::io::h264
