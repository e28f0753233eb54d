#include "vidrep/io/tar_writer.h"

#include "vidrep/error.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace vidrep::io {
namespace {

constexpr size_t kBlock = 512;

// `value` as `width - 1` octal digits and a NUL, as ustar's numeric fields are.
void octal(char* field, size_t width, uint64_t value) {
  const std::string digits = fmt::format("{:0{}o}", value, width - 1);
  if (digits.size() > width - 1) throw InvalidArgument(fmt::format("tar: {} does not fit a {}-byte field", value, width));
  std::memcpy(field, digits.data(), width - 1);
  field[width - 1] = '\0';
}

}  // namespace

TarWriter::TarWriter(const std::string& path) : out_(path) {
  file_.open(out_.temp_path(), std::ios::binary | std::ios::trunc);
  if (!file_) throw WriteError(fmt::format("{}: cannot create the archive", path));
}

void TarWriter::put(std::string_view bytes) {
  file_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!file_) throw WriteError(fmt::format("{}: write failed (disk full?)", out_.path()));
  written_ += static_cast<int64_t>(bytes.size());
}

void TarWriter::add(const std::string& name, std::string_view bytes) {
  // ustar: the name in 100 bytes, or a prefix of up to 155 before a '/' and the rest in 100.
  std::string prefix, rest = name;
  if (name.size() > 100) {
    const size_t cut = name.rfind('/', std::min<size_t>(name.size() - 1, 155));
    if (cut == std::string::npos || name.size() - cut - 1 > 100 || cut == 0) {
      throw InvalidArgument(fmt::format("tar: member name '{}' is too long for ustar", name));
    }
    prefix = name.substr(0, cut);
    rest = name.substr(cut + 1);
  }
  if (rest.empty()) throw InvalidArgument("tar: empty member name");
  std::array<char, kBlock> h{};
  std::memcpy(h.data(), rest.data(), rest.size());
  octal(h.data() + 100, 8, 0644);                 // mode
  octal(h.data() + 108, 8, 0);                    // uid
  octal(h.data() + 116, 8, 0);                    // gid
  octal(h.data() + 124, 12, bytes.size());        // size
  octal(h.data() + 136, 12, 0);                   // mtime: none, so the bytes depend on the content alone
  std::memset(h.data() + 148, ' ', 8);            // checksum, counted as spaces
  h[156] = '0';                                   // regular file
  std::memcpy(h.data() + 257, "ustar\0" "00", 8);  // magic and version
  std::memcpy(h.data() + 345, prefix.data(), prefix.size());
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  const std::string check = fmt::format("{:06o}", sum);
  std::memcpy(h.data() + 148, check.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  put({h.data(), h.size()});
  put(bytes);
  const size_t pad = (kBlock - bytes.size() % kBlock) % kBlock;
  put(std::string(pad, '\0'));
}

void TarWriter::close() {
  if (closed_) return;
  put(std::string(2 * kBlock, '\0'));
  file_.close();
  if (!file_) throw WriteError(fmt::format("{}: cannot finish the archive", out_.path()));
  out_.commit();
  closed_ = true;
}

}  // namespace vidrep::io
