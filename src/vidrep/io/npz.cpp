#include "vidrep/io/npz.h"

#include "vidrep/io/npy.h"

#include "vidrep/error.h"
#include "vidrep/io/output_file.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

namespace vidrep::io {

namespace {

// --- CRC-32 (zip's polynomial), slice-by-8: ~2 GB/s, so checksumming is cheap next to the write.
// Written here rather than taken from zlib, which libvidrep does not link directly.
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

// --- zip records (all little-endian).
constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr uint64_t kMax32 = 0xFFFFFFFFu;
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01: reproducible archives

struct Bytes {
  std::string s;
  void u16(uint64_t v) { put(v, 2); }
  void u32(uint64_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
};

uint64_t get(const std::string& s, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

struct Member {
  std::string name;    // in the archive, with ".npy"
  std::string header;  // the .npy header preceding the data
  at::Tensor data;     // contiguous
  uint64_t size = 0;   // header + data bytes
  uint64_t offset = 0;
  uint32_t crc = 0;
  bool zip64 = false;
};

void check_name(const std::string& name, std::set<std::string>& seen) {
  if (name.empty() || name.find_first_of("/\\") != std::string::npos) {
    throw InvalidArgument(fmt::format("npz member name: expected a non-empty name without '/', got '{}'", name));
  }
  if (!seen.insert(name).second) throw InvalidArgument(fmt::format("npz member name '{}' is given twice", name));
}

}  // namespace

void save_npz(const std::string& path, const NpzArrays& arrays, NpzOptions options) {
  std::vector<Member> members;
  std::set<std::string> seen;
  for (const auto& [name, tensor] : arrays) {
    check_name(name, seen);
    Member m{name + ".npy", npy_header(tensor, fmt::format("npz member '{}'", name)), tensor.contiguous()};
    m.size = m.header.size() + m.data.nbytes();
    m.crc = crc32_update(crc32_update(0, m.header.data(), m.header.size()), m.data.data_ptr(), m.data.nbytes());
    members.push_back(std::move(m));
  }

  OutputFile out(path);
  std::ofstream f(out.temp_path(), std::ios::binary);
  uint64_t pos = 0;
  auto write = [&](const void* data, uint64_t n) {
    f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
    pos += n;
  };
  for (Member& m : members) {
    m.offset = pos;
    m.zip64 = options.zip64 || m.size >= kMax32 || m.offset >= kMax32;
    Bytes h;
    h.u32(kLocalSig);
    h.u16(m.zip64 ? 45 : 20);  // version needed: 4.5 for ZIP64
    h.u16(0);                  // flags
    h.u16(0);                  // stored
    h.u16(0);
    h.u16(kDosDate1980);
    h.u32(m.crc);
    h.u32(m.zip64 ? kMax32 : m.size);
    h.u32(m.zip64 ? kMax32 : m.size);
    h.u16(m.name.size());
    h.u16(m.zip64 ? 20 : 0);
    h.s += m.name;
    if (m.zip64) {
      h.u16(0x0001);
      h.u16(16);
      h.u64(m.size);
      h.u64(m.size);
    }
    write(h.s.data(), h.s.size());
    write(m.header.data(), m.header.size());
    write(m.data.data_ptr(), m.data.nbytes());
  }
  const uint64_t cd_offset = pos;
  Bytes cd;
  for (const Member& m : members) {
    cd.u32(kCentralSig);
    cd.u16(m.zip64 ? 45 : 20);  // made by (MS-DOS attributes)
    cd.u16(m.zip64 ? 45 : 20);  // needed
    cd.u16(0);
    cd.u16(0);
    cd.u16(0);
    cd.u16(kDosDate1980);
    cd.u32(m.crc);
    cd.u32(m.zip64 ? kMax32 : m.size);
    cd.u32(m.zip64 ? kMax32 : m.size);
    cd.u16(m.name.size());
    cd.u16(m.zip64 ? 28 : 0);
    cd.u16(0);  // comment
    cd.u16(0);  // disk
    cd.u16(0);  // internal attributes
    cd.u32(0);  // external attributes
    cd.u32(m.zip64 ? kMax32 : m.offset);
    cd.s += m.name;
    if (m.zip64) {
      cd.u16(0x0001);
      cd.u16(24);
      cd.u64(m.size);
      cd.u64(m.size);
      cd.u64(m.offset);
    }
  }
  write(cd.s.data(), cd.s.size());
  const uint64_t end_offset = pos;
  const bool zip64_end = options.zip64 || cd_offset >= kMax32 || cd.s.size() >= kMax32 || members.size() >= 0xFFFF;
  Bytes end;
  if (zip64_end) {
    end.u32(kZip64EndSig);
    end.u64(44);  // bytes after this field
    end.u16(45);
    end.u16(45);
    end.u32(0);
    end.u32(0);
    end.u64(members.size());
    end.u64(members.size());
    end.u64(cd.s.size());
    end.u64(cd_offset);
    end.u32(kZip64LocatorSig);
    end.u32(0);
    end.u64(end_offset);
    end.u32(1);
  }
  end.u32(kEndSig);
  end.u16(0);
  end.u16(0);
  end.u16(zip64_end ? 0xFFFF : members.size());
  end.u16(zip64_end ? 0xFFFF : members.size());
  end.u32(zip64_end ? kMax32 : cd.s.size());
  end.u32(zip64_end ? kMax32 : cd_offset);
  end.u16(0);
  write(end.s.data(), end.s.size());
  f.flush();
  if (!f) throw WriteError(fmt::format("{}: write failed (disk full?)", path));
  f.close();
  out.commit();
}

NpzArrays load_npz(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw OpenError(fmt::format("{}: cannot open", path));
  const uint64_t file_size = std::filesystem::file_size(path);
  auto bad = [&](const std::string& why) { return InvalidArgument(fmt::format("{}: not a readable .npz: {}", path, why)); };
  auto read_at = [&](uint64_t offset, uint64_t n) {
    if (offset + n > file_size) throw bad("a record points past the end of the file");
    std::string s(n, '\0');
    f.seekg(static_cast<std::streamoff>(offset));
    if (!f.read(s.data(), static_cast<std::streamsize>(n))) throw bad("read failed");
    return s;
  };

  // The end record is the last 22 bytes, unless a zip comment (at most 64 KiB) follows it.
  const uint64_t tail_size = std::min<uint64_t>(file_size, 22 + 0xFFFF);
  const std::string tail = read_at(file_size - tail_size, tail_size);
  size_t e = tail.size() < 22 ? std::string::npos : tail.size() - 22;
  while (e != std::string::npos && get(tail, e, 4) != kEndSig) e = e == 0 ? std::string::npos : e - 1;
  if (e == std::string::npos) throw bad("no zip end record");
  uint64_t count = get(tail, e + 10, 2), cd_size = get(tail, e + 12, 4), cd_offset = get(tail, e + 16, 4);
  if (e >= 20 && get(tail, e - 20, 4) == kZip64LocatorSig) {
    const std::string z = read_at(get(tail, e - 20 + 8, 8), 56);
    if (get(z, 0, 4) != kZip64EndSig) throw bad("broken ZIP64 end record");
    count = get(z, 32, 8);
    cd_size = get(z, 40, 8);
    cd_offset = get(z, 48, 8);
  }
  const std::string cd = read_at(cd_offset, cd_size);

  NpzArrays arrays;
  size_t p = 0;
  for (uint64_t i = 0; i < count; ++i) {
    if (p + 46 > cd.size() || get(cd, p, 4) != kCentralSig) throw bad("broken central directory");
    const uint64_t method = get(cd, p + 10, 2), crc = get(cd, p + 16, 4);
    uint64_t size = get(cd, p + 24, 4), compressed = get(cd, p + 20, 4), offset = get(cd, p + 42, 4);
    const uint64_t name_len = get(cd, p + 28, 2), extra_len = get(cd, p + 30, 2), comment_len = get(cd, p + 32, 2);
    if (p + 46 + name_len + extra_len > cd.size()) throw bad("broken central directory");
    std::string name = cd.substr(p + 46, name_len);
    // ZIP64: the fields saturated at 0xFFFFFFFF follow in the 0x0001 extra field, in this order.
    for (size_t x = p + 46 + name_len; x + 4 <= p + 46 + name_len + extra_len;) {
      const uint64_t id = get(cd, x, 2), len = get(cd, x + 2, 2);
      size_t v = x + 4;
      if (id == 0x0001) {
        for (uint64_t* field : {&size, &compressed, &offset}) {
          if (*field == kMax32 && v + 8 <= x + 4 + len) {
            *field = get(cd, v, 8);
            v += 8;
          }
        }
      }
      x += 4 + len;
    }
    p += 46 + name_len + extra_len + comment_len;
    const std::string where = fmt::format("{}: member '{}'", path, name);
    if (method != 0 || compressed != size) {
      throw InvalidArgument(fmt::format("{}: compressed members (numpy.savez_compressed) are not supported", where));
    }
    const std::string local = read_at(offset, 30);
    if (get(local, 0, 4) != kLocalSig) throw bad("broken local header");
    const uint64_t data_offset = offset + 30 + get(local, 26, 2) + get(local, 28, 2);
    const std::string preamble = read_at(data_offset, std::min<uint64_t>(size, 12));
    if (preamble.size() < 10 || preamble.compare(0, 6, "\x93NUMPY") != 0) {
      throw InvalidArgument(fmt::format("{}: not a .npy array", where));
    }
    const uint64_t prefix = preamble[6] == 1 ? 10 : 12;
    const uint64_t dict_len = preamble[6] == 1 ? get(preamble, 8, 2) : get(preamble, 8, 4);
    if (prefix + dict_len > size) throw InvalidArgument(fmt::format("{}: truncated .npy header", where));
    const std::string header = read_at(data_offset, prefix + dict_len);
    const auto [dtype, shape] = parse_npy_header(header.substr(prefix), where);
    at::Tensor t = at::empty(shape, dtype);
    if (prefix + dict_len + t.nbytes() != size) {
      throw InvalidArgument(fmt::format("{}: data size {} does not match its shape", where, size - prefix - dict_len));
    }
    f.seekg(static_cast<std::streamoff>(data_offset + prefix + dict_len));
    if (!f.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()))) throw bad("read failed");
    if (crc32_update(crc32_update(0, header.data(), header.size()), t.data_ptr(), t.nbytes()) != crc) {
      throw InvalidArgument(fmt::format("{}: CRC-32 mismatch (corrupt file)", where));
    }
    if (name.size() > 4 && name.ends_with(".npy")) name.resize(name.size() - 4);
    arrays.emplace_back(std::move(name), std::move(t));
  }
  return arrays;
}

}  // namespace vidrep::io
