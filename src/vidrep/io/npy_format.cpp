#include "vidrep/io/npy_format.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <optional>
#include <set>

namespace vidrep::io {

namespace {

struct DtypeName {
  DType dtype;
  const char* descr;  // as numpy writes it
  int itemsize;
};
constexpr DtypeName kDtypes[] = {
    {DType::Bool, "|b1", 1},  {DType::Int8, "|i1", 1},    {DType::UInt8, "|u1", 1},
    {DType::Int16, "<i2", 2}, {DType::Int32, "<i4", 4},   {DType::Int64, "<i8", 8},
    {DType::Float32, "<f4", 4}, {DType::Float64, "<f8", 8},
};

const DtypeName& entry(DType dtype) {
  for (const auto& d : kDtypes) {
    if (d.dtype == dtype) return d;
  }
  throw InvalidArgument("unknown .npy dtype");
}

// A reader of the Python literal numpy writes as the header dict:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class DictParser {
 public:
  DictParser(std::string_view text, const std::string& where) : s_(text), where_(where) {}

  NpyHeader parse() {
    std::optional<DType> dtype;
    std::optional<bool> fortran;
    std::optional<std::vector<int64_t>> shape;
    expect('{');
    while (!peek('}')) {
      const std::string key = string();
      expect(':');
      if (key == "descr") {
        set_once(dtype, descr(string()), key);
      } else if (key == "fortran_order") {
        set_once(fortran, boolean(), key);
      } else if (key == "shape") {
        set_once(shape, tuple(), key);
      } else {
        fail(fmt::format("unknown key '{}'", printable(key)));
      }
      if (!peek('}')) expect(',');
    }
    expect('}');
    skip_space();
    if (pos_ != s_.size()) fail("text after the dict");
    if (!dtype || !fortran || !shape) fail("the dict lacks descr, fortran_order or shape");
    if (*fortran) throw InvalidArgument(fmt::format("{}: Fortran-ordered arrays are not supported", where_));
    return {*dtype, *shape, 0, 0};
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw InvalidArgument(fmt::format("{}: malformed .npy header: {}", where_, why));
  }
  static std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 40)) out += (c >= 32 && c < 127) ? c : '?';
    return out;
  }
  template <typename T>
  void set_once(std::optional<T>& slot, T value, const std::string& key) {
    if (slot) fail(fmt::format("'{}' given twice", key));
    slot = std::move(value);
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool peek(char c) {
    skip_space();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) fail(fmt::format("expected '{}'", c));
    ++pos_;
  }
  std::string string() {
    skip_space();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) fail("expected a quoted string");
    const char quote = s_[pos_++];
    const size_t end = s_.find(quote, pos_);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string out(s_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      const size_t n = std::strlen(word);
      if (s_.substr(pos_, n) == word) {
        pos_ += n;
        return value;
      }
    }
    fail("expected True or False");
  }
  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> dims;
    while (!peek(')')) {
      if (dims.size() == kMaxNpyDims) fail(fmt::format("more than {} dimensions", kMaxNpyDims));
      dims.push_back(integer());
      if (!peek(')')) expect(',');
    }
    expect(')');
    return dims;
  }
  int64_t integer() {
    skip_space();
    const size_t start = pos_;
    int64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      if (v > (int64_t{1} << 58)) fail("a dimension is too large");
      v = v * 10 + (s_[pos_++] - '0');
    }
    if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2's long suffix
    if (pos_ == start) fail("expected a dimension (a non-negative integer)");
    return v;
  }
  DType descr(const std::string& text) const {
    for (const auto& d : kDtypes) {
      // '|' (no byte order), '<' (little) and '=' (native, little here) all read the same.
      const std::string_view body = std::string_view(d.descr).substr(1);
      if (text.size() == 3 && std::string_view(text).substr(1) == body &&
          (text[0] == '<' || text[0] == '|' || text[0] == '=')) {
        return d.dtype;
      }
    }
    throw InvalidArgument(fmt::format("{}: unsupported .npy dtype '{}'", where_, printable(text)));
  }

  std::string_view s_;
  const std::string& where_;
  size_t pos_ = 0;
};

uint64_t little(std::string_view s, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

}  // namespace


uint64_t npy_header_size(std::string_view first, const std::string& where) {
  if (first.size() < 10 || first.substr(0, 6) != std::string_view("\x93NUMPY", 6)) {
    throw InvalidArgument(fmt::format("{}: not a .npy array", where));
  }
  const int major = static_cast<uint8_t>(first[6]);
  if (major < 1 || major > 3) throw InvalidArgument(fmt::format("{}: unknown .npy version {}", where, major));
  const uint64_t prefix = major == 1 ? 10 : 12;  // versions 2 and 3 have a 4-byte length
  if (first.size() < prefix) throw InvalidArgument(fmt::format("{}: truncated .npy header", where));
  const uint64_t dict = little(first, 8, major == 1 ? 2 : 4);
  if (prefix + dict > kMaxNpyHeaderBytes) {
    throw InvalidArgument(fmt::format("{}: .npy header of {} bytes is too large", where, prefix + dict));
  }
  return prefix + dict;
}

NpyHeader parse_npy_header(std::string_view header, const std::string& where) {
  const uint64_t size = npy_header_size(header, where);
  if (header.size() < size) throw InvalidArgument(fmt::format("{}: truncated .npy header", where));
  const uint64_t prefix = static_cast<uint8_t>(header[6]) == 1 ? 10 : 12;
  NpyHeader h = DictParser(header.substr(prefix, size - prefix), where).parse();
  h.header_bytes = size;
  uint64_t bytes = static_cast<uint64_t>(dtype_size(h.dtype));
  bool empty = false;
  for (int64_t d : h.shape) {
    if (d == 0) empty = true;
    if (!empty && static_cast<uint64_t>(d) > kMaxNpyDataBytes / bytes) {
      throw InvalidArgument(fmt::format("{}: .npy shape describes more than {} bytes", where, kMaxNpyDataBytes));
    }
    if (!empty) bytes *= static_cast<uint64_t>(d);
  }
  h.data_bytes = empty ? 0 : bytes;
  return h;
}

std::string npy_header_bytes(DType dtype, const std::vector<int64_t>& shape) {
  return npy_header_bytes(std::string_view(entry(dtype).descr), shape);
}

std::string npy_header_bytes(std::string_view descr, const std::vector<int64_t>& shape) {
  std::string dims;
  for (int64_t d : shape) dims += fmt::format("{}, ", d);
  if (shape.size() > 1) dims.resize(dims.size() - 2);  // "(3, 4)" but "(3,)" and "()"
  if (shape.size() == 1) dims.resize(dims.size() - 1);
  std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
  // Magic (6) + version (2) + length (2) + dict + '\n' is padded to a multiple of 64.
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict.push_back('\n');
  std::string header = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  header.push_back(static_cast<char>(dict.size() & 0xFF));
  header.push_back(static_cast<char>(dict.size() >> 8));
  return header + dict;
}

// --- CRC-32 (zip's polynomial), slice-by-8: ~2 GB/s, so checksumming is cheap next to the I/O.
// Written here rather than taken from zlib, which libvidrep does not link directly.
namespace {

using CrcTables = std::array<std::array<uint32_t, 256>, 8>;

const CrcTables& crc_tables() {
  static const CrcTables tables = [] {
    CrcTables t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (int k = 1; k < 8; ++k) {
      for (int i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
    }
    return t;
  }();
  return tables;
}


// Whether [offset, offset + n) lies within `size` bytes, without overflow.
bool within(uint64_t offset, uint64_t n, uint64_t size) { return n <= size && offset <= size - n; }

void check_member_name(const std::string& name, std::set<std::string>& seen, const std::string& where) {
  bool ok = !name.empty() && name.size() <= 255 && name != "." && name != ".." &&
            name.find_first_of("/\\") == std::string::npos;
  for (char c : name) ok = ok && static_cast<unsigned char>(c) >= 32 && c != 127;
  if (!ok) {
    std::string shown;
    for (char c : name.substr(0, 60)) shown += (static_cast<unsigned char>(c) >= 32 && c != 127) ? c : '?';
    throw InvalidArgument(fmt::format("{}: refused member name '{}' (empty, too long, a path or control characters)",
                                      where, shown));
  }
  if (!seen.insert(name).second) throw InvalidArgument(fmt::format("{}: member '{}' appears twice", where, name));
}

}  // namespace

uint32_t crc32_update(uint32_t crc, const void* data, size_t n) {
  const CrcTables& t = crc_tables();
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint32_t one, two;  // little-endian loads, like every platform vidrep builds on
    std::memcpy(&one, p, 4);
    std::memcpy(&two, p + 4, 4);
    one ^= crc;
    crc = t[7][one & 0xFF] ^ t[6][(one >> 8) & 0xFF] ^ t[5][(one >> 16) & 0xFF] ^ t[4][one >> 24] ^
          t[3][two & 0xFF] ^ t[2][(two >> 8) & 0xFF] ^ t[1][(two >> 16) & 0xFF] ^ t[0][two >> 24];
  }
  for (; n > 0; --n) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}

std::vector<ZipMember> read_zip_directory(uint64_t size, const ReadAt& read_at, const std::string& where) {
  auto bad = [&](const std::string& why) { return InvalidArgument(fmt::format("{}: not a readable .npz: {}", where, why)); };
  auto read = [&](uint64_t offset, uint64_t n) {
    if (!within(offset, n, size)) throw bad("a record points past the end of the file");
    return read_at(offset, n);
  };

  // The end record is the last 22 bytes, unless a zip comment (at most 64 KiB) follows it.
  if (size < 22) throw bad("no zip end record");
  const uint64_t tail_size = std::min<uint64_t>(size, 22 + 0xFFFF);
  const std::string tail = read(size - tail_size, tail_size);
  size_t e = tail.size() - 22;
  while (little(tail, e, 4) != kZipEndSig) {
    if (e == 0) throw bad("no zip end record");
    --e;
  }
  uint64_t count = little(tail, e + 10, 2), cd_size = little(tail, e + 12, 4), cd_offset = little(tail, e + 16, 4);
  if (e >= 20 && little(tail, e - 20, 4) == kZip64LocatorSig) {
    const std::string z = read(little(tail, e - 20 + 8, 8), 56);
    if (little(z, 0, 4) != kZip64EndSig) throw bad("broken ZIP64 end record");
    count = little(z, 32, 8);
    cd_size = little(z, 40, 8);
    cd_offset = little(z, 48, 8);
  }
  if (!within(cd_offset, cd_size, size)) throw bad("the central directory points past the end of the file");
  if (count > cd_size / 46) throw bad("more members than the central directory can hold");
  const std::string cd = read(cd_offset, cd_size);

  std::vector<ZipMember> members;
  std::set<std::string> seen;
  size_t p = 0;
  for (uint64_t i = 0; i < count; ++i) {
    if (!within(p, 46, cd.size()) || little(cd, p, 4) != kZipCentralSig) throw bad("broken central directory");
    const uint64_t method = little(cd, p + 10, 2), crc = little(cd, p + 16, 4);
    uint64_t member_size = little(cd, p + 24, 4), compressed = little(cd, p + 20, 4), offset = little(cd, p + 42, 4);
    const uint64_t name_len = little(cd, p + 28, 2), extra_len = little(cd, p + 30, 2);
    const uint64_t comment_len = little(cd, p + 32, 2);
    if (!within(p + 46, name_len + extra_len + comment_len, cd.size())) throw bad("broken central directory");
    std::string name = cd.substr(p + 46, name_len);
    // ZIP64: the fields saturated at 0xFFFFFFFF follow in the 0x0001 extra field, in this order.
    const size_t extra_end = p + 46 + name_len + extra_len;
    for (size_t x = p + 46 + name_len; x + 4 <= extra_end;) {
      const uint64_t id = little(cd, x, 2), len = little(cd, x + 2, 2);
      if (x + 4 + len > extra_end) throw bad("broken extra field");
      size_t v = x + 4;
      if (id == 0x0001) {
        for (uint64_t* field : {&member_size, &compressed, &offset}) {
          if (*field == kZipMax32 && v + 8 <= x + 4 + len) {
            *field = little(cd, v, 8);
            v += 8;
          }
        }
      }
      x += 4 + len;
    }
    p = extra_end + comment_len;
    check_member_name(name, seen, where);
    const std::string member = fmt::format("{}: member '{}'", where, name);
    if (method != 0 || compressed != member_size) {
      throw InvalidArgument(fmt::format("{}: compressed members (numpy.savez_compressed) are not supported", member));
    }
    const std::string local = read(offset, 30);
    if (little(local, 0, 4) != kZipLocalSig) throw bad("broken local header");
    const uint64_t data_offset = offset + 30 + little(local, 26, 2) + little(local, 28, 2);
    if (!within(data_offset, member_size, size)) throw bad(fmt::format("member '{}' runs past the end of the file", name));
    members.push_back({std::move(name), data_offset, member_size, static_cast<uint32_t>(crc)});
  }
  return members;
}

}  // namespace vidrep::io
