#include "vidrep/io/npz.h"

#include "vidrep/io/npy.h"
#include "vidrep/io/npy_format.h"

#include "vidrep/error.h"
#include "vidrep/io/output_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

namespace vidrep::io {

namespace {

// --- zip records (all little-endian).
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

struct Member {
  std::string name;    // in the archive, with ".npy"
  std::string header;  // the .npy header preceding the data
  Array data;
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

// UTF-8 to code points; a byte that does not start a valid sequence becomes U+DC80 + byte (as
// Python's surrogateescape), so any file name survives.
std::u32string utf32(const std::string& text) {
  std::u32string out;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    const int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    char32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
    bool valid = extra >= 0;
    for (int k = 1; valid && k <= extra; ++k) {
      if (i + k >= n || (s[i + k] & 0xC0) != 0x80) {
        valid = false;
      } else {
        cp = (cp << 6) | (s[i + k] & 0x3F);
      }
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8 either.
    constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (valid && (cp < kMin[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)) valid = false;
    if (!valid) {
      out.push_back(0xDC00 + c);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

}  // namespace

void save_npz(const std::string& path, const NpzArrays& arrays, NpzOptions options) {
  save_npz(path, arrays, {}, options);
}

void save_npz(const std::string& path, const NpzArrays& arrays, const NpzStrings& strings, NpzOptions options) {
  std::vector<Member> members;
  std::set<std::string> seen;
  const auto add = [&](const std::string& name, std::string header, Array data) {
    Member m{name + ".npy", std::move(header), std::move(data)};
    m.size = m.header.size() + m.data.nbytes();
    m.crc = crc32_update(crc32_update(0, m.header.data(), m.header.size()), m.data.bytes(), m.data.nbytes());
    members.push_back(std::move(m));
  };
  for (const auto& [name, array] : arrays) {
    check_name(name, seen);
    if (!array.defined()) throw InvalidArgument(fmt::format("npz member '{}': no array", name));
    add(name, npy_header_bytes(array.dtype(), array.shape()), array);
  }
  for (const auto& [name, values] : strings) {
    check_name(name, seen);
    std::vector<std::u32string> text;
    size_t width = 1;  // numpy's narrowest unicode dtype is <U1
    for (const std::string& v : values) width = std::max(width, text.emplace_back(utf32(v)).size());
    Array data(DType::UInt8, {static_cast<int64_t>(values.size() * width * 4)});
    std::memset(data.bytes(), 0, data.nbytes());
    for (size_t i = 0; i < text.size(); ++i) {
      for (size_t j = 0; j < text[i].size(); ++j) {
        const char32_t c = text[i][j];
        auto* out = data.data<uint8_t>() + (i * width + j) * 4;
        for (int b = 0; b < 4; ++b) out[b] = static_cast<uint8_t>((c >> (8 * b)) & 0xFF);
      }
    }
    add(name, npy_header_bytes(fmt::format("<U{}", width), {static_cast<int64_t>(values.size())}), data);
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
    m.zip64 = options.zip64 || m.size >= kZipMax32 || m.offset >= kZipMax32;
    Bytes h;
    h.u32(kZipLocalSig);
    h.u16(m.zip64 ? 45 : 20);  // version needed: 4.5 for ZIP64
    h.u16(0);                  // flags
    h.u16(0);                  // stored
    h.u16(0);
    h.u16(kDosDate1980);
    h.u32(m.crc);
    h.u32(m.zip64 ? kZipMax32 : m.size);
    h.u32(m.zip64 ? kZipMax32 : m.size);
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
    write(m.data.bytes(), m.data.nbytes());
  }
  const uint64_t cd_offset = pos;
  Bytes cd;
  for (const Member& m : members) {
    cd.u32(kZipCentralSig);
    cd.u16(m.zip64 ? 45 : 20);  // made by (MS-DOS attributes)
    cd.u16(m.zip64 ? 45 : 20);  // needed
    cd.u16(0);
    cd.u16(0);
    cd.u16(0);
    cd.u16(kDosDate1980);
    cd.u32(m.crc);
    cd.u32(m.zip64 ? kZipMax32 : m.size);
    cd.u32(m.zip64 ? kZipMax32 : m.size);
    cd.u16(m.name.size());
    cd.u16(m.zip64 ? 28 : 0);
    cd.u16(0);  // comment
    cd.u16(0);  // disk
    cd.u16(0);  // internal attributes
    cd.u32(0);  // external attributes
    cd.u32(m.zip64 ? kZipMax32 : m.offset);
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
  const bool zip64_end = options.zip64 || cd_offset >= kZipMax32 || cd.s.size() >= kZipMax32 || members.size() >= 0xFFFF;
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
  end.u32(kZipEndSig);
  end.u16(0);
  end.u16(0);
  end.u16(zip64_end ? 0xFFFF : members.size());
  end.u16(zip64_end ? 0xFFFF : members.size());
  end.u32(zip64_end ? kZipMax32 : cd.s.size());
  end.u32(zip64_end ? kZipMax32 : cd_offset);
  end.u16(0);
  write(end.s.data(), end.s.size());
  f.flush();
  if (!f) throw WriteError(fmt::format("{}: write failed (disk full?)", path));
  f.close();
  out.commit();
}

NpzArrays load_npz(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  if (!f || ec) throw OpenError(fmt::format("{}: cannot open", path));
  // Only called with ranges read_zip_directory has checked against the file size.
  const ReadAt read_at = [&](uint64_t offset, uint64_t n) {
    std::string s(static_cast<size_t>(n), '\0');
    f.seekg(static_cast<std::streamoff>(offset));
    if (!f.read(s.data(), static_cast<std::streamsize>(n))) {
      throw InvalidArgument(fmt::format("{}: not a readable .npz: read failed", path));
    }
    return s;
  };
  NpzArrays arrays;
  for (const ZipMember& m : read_zip_directory(file_size, read_at, path)) {
    const std::string where = fmt::format("{}: member '{}'", path, m.name);
    const uint64_t header_size = npy_header_size(read_at(m.data_offset, std::min<uint64_t>(m.size, 12)), where);
    if (header_size > m.size) throw InvalidArgument(fmt::format("{}: truncated .npy header", where));
    const std::string header = read_at(m.data_offset, header_size);
    const NpyHeader h = parse_npy_header(header, where);
    // The member's size (within the file) bounds what its shape may allocate.
    if (m.size - header_size != h.data_bytes) {
      throw InvalidArgument(fmt::format("{}: data size {} does not match its shape", where, m.size - header_size));
    }
    Array t(h.dtype, h.shape);
    f.seekg(static_cast<std::streamoff>(m.data_offset + header_size));
    if (!f.read(reinterpret_cast<char*>(t.bytes()), static_cast<std::streamsize>(t.nbytes()))) {
      throw InvalidArgument(fmt::format("{}: not a readable .npz: read failed", path));
    }
    if (crc32_update(crc32_update(0, header.data(), header.size()), t.bytes(), t.nbytes()) != m.crc) {
      throw InvalidArgument(fmt::format("{}: CRC-32 mismatch (corrupt file)", where));
    }
    std::string name = m.name;
    if (name.size() > 4 && name.ends_with(".npy")) name.resize(name.size() - 4);
    arrays.emplace_back(std::move(name), std::move(t));
  }
  return arrays;
}

}  // namespace vidrep::io
