#include "vidrep/io/npy.h"

#include "vidrep/error.h"
#include "vidrep/io/npy_format.h"
#include "vidrep/io/output_file.h"

#include <fmt/format.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

namespace vidrep::io {

void save_npy(const std::string& path, const Array& array) {
  if (!array.defined()) throw InvalidArgument(fmt::format("{}: no array to write", path));
  const std::string header = npy_header_bytes(array.dtype(), array.shape());
  OutputFile out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(reinterpret_cast<const char*>(array.bytes()), static_cast<std::streamsize>(array.nbytes()));
    f.flush();
    if (!f) throw WriteError(fmt::format("{}: write failed (disk full?)", path));
  }
  out.commit();
}

Array load_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  if (!f || ec) throw OpenError(fmt::format("{}: cannot open", path));
  std::string first(static_cast<size_t>(std::min<uint64_t>(file_size, 12)), '\0');
  f.read(first.data(), static_cast<std::streamsize>(first.size()));
  const uint64_t header_size = npy_header_size(first, path);
  if (header_size > file_size) throw InvalidArgument(fmt::format("{}: truncated .npy header", path));
  std::string header(static_cast<size_t>(header_size), '\0');
  f.seekg(0);
  if (!f.read(header.data(), static_cast<std::streamsize>(header.size()))) {
    throw InvalidArgument(fmt::format("{}: truncated .npy header", path));
  }
  const NpyHeader h = parse_npy_header(header, path);
  // The shape is checked against the file before anything is allocated from it.
  if (file_size - header_size != h.data_bytes) {
    throw InvalidArgument(fmt::format("{}: .npy data is {} bytes, its shape says {}", path,
                                      file_size - header_size, h.data_bytes));
  }
  Array t(h.dtype, h.shape);
  if (!f.read(reinterpret_cast<char*>(t.bytes()), static_cast<std::streamsize>(t.nbytes()))) {
    throw InvalidArgument(fmt::format("{}: .npy data shorter than its shape says", path));
  }
  return t;
}

struct NpyWriter::Impl {
  Impl(const std::string& path, DType dtype, const std::vector<int64_t>& shape)
      : out(path), dtype(dtype), total(Array::wrap(dtype, shape, nullptr, nullptr).nbytes()) {
    file.open(out.temp_path(), std::ios::binary | std::ios::trunc);
    const std::string header = npy_header_bytes(dtype, shape);
    file.write(header.data(), static_cast<std::streamsize>(header.size()));
    if (!file) throw WriteError(fmt::format("{}: cannot write", path));
    thread = std::thread([this] { loop(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mu);
      stopping = true;
      parts.clear();  // abandoned: the temporary file is removed anyway
    }
    cv.notify_all();
    thread.join();
  }

  void loop() {
    std::unique_lock lock(mu);
    while (true) {
      cv.wait(lock, [&] { return stopping || !parts.empty(); });
      if (parts.empty()) return;
      Array part = std::move(parts.front());
      parts.pop_front();
      busy = true;
      const bool skip = error != nullptr;
      lock.unlock();
      cv.notify_all();
      bool ok = true;
      if (!skip) {
        file.write(reinterpret_cast<const char*>(part.bytes()), static_cast<std::streamsize>(part.nbytes()));
        ok = static_cast<bool>(file);
      }
      part = Array();  // its memory goes back before the next wait
      lock.lock();
      if (!ok && !error) {
        error = std::make_exception_ptr(WriteError(fmt::format("{}: write failed (disk full?)", out.path())));
      }
      busy = false;
      cv.notify_all();
    }
  }

  // Waits for the queued parts; rethrows a failed write.
  void wait() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return parts.empty() && !busy; });
    if (error) std::rethrow_exception(error);
  }

  OutputFile out;
  std::ofstream file;  // written only by the thread once it runs
  DType dtype;
  size_t total;       // bytes of the whole array
  size_t queued = 0;  // bytes given to append()
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Array> parts;
  bool busy = false, stopping = false;
  std::exception_ptr error;
  std::thread thread;  // last: starts once everything above exists
};

NpyWriter::NpyWriter(const std::string& path, DType dtype, std::vector<int64_t> shape)
    : impl_(std::make_unique<Impl>(path, dtype, shape)) {}

NpyWriter::~NpyWriter() = default;

void NpyWriter::append(Array part) {
  Impl& m = *impl_;
  if (!part.defined() || part.dtype() != m.dtype || m.queued + part.nbytes() > m.total) {
    throw InvalidArgument(fmt::format("{}: cannot append {} to a {} array of {} bytes ({} written)", m.out.path(),
                                      describe(part), dtype_name(m.dtype), m.total, m.queued));
  }
  std::unique_lock lock(m.mu);
  m.cv.wait(lock, [&] { return m.parts.size() < 2 || m.error; });
  if (m.error) std::rethrow_exception(m.error);
  m.queued += part.nbytes();
  m.parts.push_back(std::move(part));
  m.cv.notify_all();
}

void NpyWriter::commit() {
  Impl& m = *impl_;
  m.wait();
  if (m.queued != m.total) {
    throw InvalidArgument(fmt::format("{}: incomplete array: {} of {} bytes given", m.out.path(), m.queued, m.total));
  }
  m.file.flush();
  m.file.close();
  if (!m.file) throw WriteError(fmt::format("{}: write failed (disk full?)", m.out.path()));
  m.out.commit();
}

}  // namespace vidrep::io
