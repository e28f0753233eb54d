// probe(), VideoReader and AudioReader for Python. Decoding and opening release the GIL; results
// are torch tensors over the readers' own buffers (no copy).
#include "bindings.h"
#include "reader.h"
#include "tensors.h"

#include "vidrep/error.h"
#include "vidrep/io/audio_reader.h"
#include "vidrep/io/probe.h"

#include <fmt/format.h>
#include <pybind11/stl.h>

#include <optional>

namespace py = pybind11;

namespace vidrep::python {
namespace {

py::dict stream_dict(const StreamInfo& s) {
  py::dict d;
  d["index"] = s.index;
  d["type"] = s.type;
  d["codec"] = s.codec;
  d["profile"] = s.profile;
  d["time_base"] = s.time_base;
  d["duration"] = s.duration;
  d["bit_rate"] = s.bit_rate;
  if (s.type == "video") {
    d["pix_fmt"] = s.pix_fmt;
    d["bit_depth"] = s.bit_depth;
    d["coded_width"] = s.coded_width;
    d["coded_height"] = s.coded_height;
    d["width"] = s.width;
    d["height"] = s.height;
    d["rotation"] = s.rotation;
    d["fps"] = s.fps;
    d["frames"] = s.frames;
  } else if (s.type == "audio") {
    d["sample_rate"] = s.sample_rate;
    d["channels"] = s.channels;
    d["sample_fmt"] = s.sample_fmt;
  }
  return d;
}

py::dict probe_dict(const std::string& path) {
  MediaInfo info;
  {
    py::gil_scoped_release unlocked;
    info = probe(path);
  }
  py::dict d;
  d["path"] = info.path;
  d["format"] = info.format;
  d["duration"] = info.duration;
  d["size_bytes"] = info.size_bytes;
  d["bit_rate"] = info.bit_rate;
  py::list streams;
  for (const StreamInfo& s : info.streams) streams.append(stream_dict(s));
  d["streams"] = streams;
  d["warnings"] = info.warnings;
  return d;
}

// `size`: None (native), an int N (N x N) or (height, width); one side 0 keeps the aspect.
std::pair<int, int> parse_size(const py::object& size) {
  if (size.is_none()) return {0, 0};
  if (py::isinstance<py::int_>(size)) {
    const int n = size.cast<int>();
    return {n, n};
  }
  try {
    const auto hw = size.cast<std::pair<int, int>>();
    return hw;
  } catch (const py::cast_error&) {
    throw InvalidArgument("size: expected an int or (height, width), got " + std::string(py::str(size)));
  }
}

template <class F>
py::object decode(LockedReader& r, F&& read) {
  Array frames;
  {
    py::gil_scoped_release unlocked;
    std::lock_guard lock(r.mutex);
    frames = read(r.reader);
  }
  return to_torch(frames);
}

int64_t frame_number(const LockedReader& r, int64_t index) {
  const int64_t n = r.reader.num_frames();
  if (index < -n || index >= n) {
    // IndexError, so that `for frame in reader` ends at the last frame.
    throw py::index_error(fmt::format("{}: frame {} out of range [0, {})", r.reader.path(), index, n));
  }
  return index < 0 ? index + n : index;
}

}  // namespace

void bind_io(py::module_& m) {
  m.def("probe", &probe_dict, py::arg("path"),
        "What a media file holds: container, duration and one dict per stream (exact frame counts from a packet scan).");

  py::class_<LockedReader>(m, "VideoReader", R"(Frame-exact random access to one video stream as RGB uint8 tensors [N,H,W,3].

VideoReader(path, size=None, short_side=0, stream=-1, threads=0, autorotate=True, strict=True)
  size: None (native), N (N x N) or (height, width), resized on decode; one side 0 keeps the aspect.
  short_side: when size is None, scale so that the shorter side is this.
  threads: decoder threads (0: one per core). strict: a corrupt frame is an error.)")
      .def(py::init([](const std::string& path, const py::object& size, int short_side, int stream, int threads,
                       bool autorotate, bool strict) {
             const auto [height, width] = parse_size(size);
             ReaderOptions o{.stream = stream, .width = width, .height = height, .short_side = short_side,
                             .autorotate = autorotate, .threads = threads, .strict = strict};
             py::gil_scoped_release unlocked;
             return std::make_unique<LockedReader>(path, o);
           }),
           py::arg("path"), py::arg("size") = py::none(), py::arg("short_side") = 0, py::arg("stream") = -1,
           py::arg("threads") = 0, py::arg("autorotate") = true, py::arg("strict") = true)
      .def_property_readonly("path", [](const LockedReader& r) { return r.reader.path(); })
      .def_property_readonly("stream_index", [](const LockedReader& r) { return r.reader.stream_index(); })
      .def_property_readonly("num_frames", [](const LockedReader& r) { return r.reader.num_frames(); })
      .def_property_readonly("width", [](const LockedReader& r) { return r.reader.width(); })
      .def_property_readonly("height", [](const LockedReader& r) { return r.reader.height(); })
      .def_property_readonly("native_width", [](const LockedReader& r) { return r.reader.native_width(); })
      .def_property_readonly("native_height", [](const LockedReader& r) { return r.reader.native_height(); })
      .def_property_readonly("rotation", [](const LockedReader& r) { return r.reader.rotation(); })
      .def_property_readonly("fps", [](const LockedReader& r) { return r.reader.fps(); })
      .def_property_readonly("duration", [](const LockedReader& r) { return r.reader.duration(); })
      .def("__len__", [](const LockedReader& r) { return r.reader.num_frames(); })
      .def("__repr__", [](const LockedReader& r) {
        return fmt::format("VideoReader('{}', {} frames, {}x{}, {:.3f} fps)", r.reader.path(), r.reader.num_frames(),
                           r.reader.width(), r.reader.height(), r.reader.fps());
      })
      .def("frame_time", [](const LockedReader& r, int64_t i) { return r.reader.frame_time(frame_number(r, i)); },
           py::arg("index"), "Seconds from the file's start to frame `index`.")
      .def("frame_at_time", [](const LockedReader& r, double s) { return r.reader.frame_at_time(s); }, py::arg("seconds"),
           "The index of the frame on screen at `seconds`.")
      .def("read_frames",
           [](LockedReader& r, const std::vector<int64_t>& indices) {
             return decode(r, [&](VideoReader& v) { return v.read_frames(indices); });
           },
           py::arg("indices"), "uint8 [N,H,W,3] in request order; each frame is decoded once.")
      .def("read_frames_at",
           [](LockedReader& r, const std::vector<double>& seconds) {
             return decode(r, [&](VideoReader& v) { return v.read_frames_at(seconds); });
           },
           py::arg("seconds"), "The frames on screen at these times: uint8 [N,H,W,3].")
      .def("read_range",
           [](LockedReader& r, int64_t begin, std::optional<int64_t> end, int64_t step) {
             return decode(r, [&](VideoReader& v) { return v.read_range(begin, end.value_or(v.num_frames()), step); });
           },
           py::arg("begin") = 0, py::arg("end") = py::none(), py::arg("step") = 1,
           "Every `step`-th frame of [begin, end) (end None: to the last frame).")
      .def("__getitem__",
           [](LockedReader& r, int64_t index) {
             const int64_t i = frame_number(r, index);
             return decode(r, [&](VideoReader& v) { return v.read_frames({i}).reshaped({v.height(), v.width(), 3}); });
           },
           py::arg("index"))
      .def("__getitem__",
           [](LockedReader& r, const py::slice& slice) {
             size_t start = 0, stop = 0, step = 0, length = 0;
             if (!slice.compute(r.reader.num_frames(), &start, &stop, &step, &length)) throw py::error_already_set();
             std::vector<int64_t> indices;
             for (size_t k = 0; k < length; ++k) indices.push_back(static_cast<int64_t>(start + k * step));
             return decode(r, [&](VideoReader& v) { return v.read_frames(indices); });
           },
           py::arg("slice"))
      .def_property_readonly("counters", [](const LockedReader& r) {
        const DecodeCounters c = r.reader.counters();
        py::dict d;
        d["packets_read"] = c.packets_read;
        d["packets_sent"] = c.packets_sent;
        d["frames_decoded"] = c.frames_decoded;
        d["frames_converted"] = c.frames_converted;
        d["seeks"] = c.seeks;
        return d;
      });

  py::class_<AudioReader>(m, "AudioReader", R"(Decoded audio as float32 [channels, samples].

AudioReader(path, sample_rate=0, mono=False, start=0.0, end=-1.0, stream=-1, strict=True)
  sample_rate: resample to this rate (0: native); mono: downmix as `ffmpeg -ac 1`;
  [start, end) in seconds (end -1: to the end of the stream).)")
      .def(py::init([](const std::string& path, int sample_rate, bool mono, double start, double end, int stream, bool strict) {
             AudioOptions o{.stream = stream, .sample_rate = sample_rate, .mono = mono, .start = start, .end = end, .strict = strict};
             py::gil_scoped_release unlocked;
             return std::make_unique<AudioReader>(path, o);
           }),
           py::arg("path"), py::arg("sample_rate") = 0, py::arg("mono") = false, py::arg("start") = 0.0,
           py::arg("end") = -1.0, py::arg("stream") = -1, py::arg("strict") = true)
      .def_property_readonly("path", &AudioReader::path)
      .def_property_readonly("stream_index", &AudioReader::stream_index)
      .def_property_readonly("sample_rate", &AudioReader::sample_rate)
      .def_property_readonly("channels", &AudioReader::channels)
      .def_property_readonly("native_rate", &AudioReader::native_rate)
      .def_property_readonly("native_channels", &AudioReader::native_channels)
      .def_property_readonly("duration", &AudioReader::duration)
      .def("read", [](AudioReader& a) {
        Array samples;
        {
          py::gil_scoped_release unlocked;
          samples = a.read();
        }
        return to_torch(samples);
      }, "float32 [channels, samples] of [start, end).");
}

}  // namespace vidrep::python
