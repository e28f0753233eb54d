// The loaders for Python: DataLoader (vidrep's threaded loader: batches of dicts of tensors) and
// Samples (one sample at a time, what the package's torch Dataset adapter calls from torch's own
// DataLoader workers). Both read a dataset folder as `vidrep train --data DIR` does (data/dataset.h).
#include "bindings.h"
#include "tensors.h"

#include "vidrep/data/loader.h"
#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <pybind11/stl.h>

#include <optional>

namespace py = pybind11;

namespace vidrep::python {
namespace {

const LoaderOptions kDefaults{};

// What both loaders take, over the library's defaults.
LoaderOptions options(int64_t clip_len, int64_t frame_stride, const py::object& size, bool random_clip,
                      const std::string& transform, bool video, bool audio, uint64_t seed, int decoder_threads) {
  LoaderOptions o;
  o.clip_len = clip_len;
  o.frame_stride = frame_stride;
  if (py::isinstance<py::int_>(size)) {
    o.width = o.height = size.cast<int>();
  } else if (!size.is_none()) {
    try {
      std::tie(o.height, o.width) = size.cast<std::pair<int, int>>();
    } catch (const py::cast_error&) {
      throw InvalidArgument("size: expected an int or (height, width), got " + std::string(py::str(size)));
    }
  }
  o.random_clip = random_clip;
  o.transform = transform;
  o.video = video;
  o.audio = audio;
  o.seed = seed;
  o.decoder_threads = decoder_threads;
  return o;
}

py::object label_of(const Dataset& d, const Sample& s) {
  if (!d.labelled) return py::none();
  if (!d.multi_label) return py::int_(s.labels.at(0));
  at::Tensor hot = at::zeros({static_cast<int64_t>(d.classes.size())}, at::kFloat);
  for (int64_t label : s.labels) hot[label] = 1.0f;
  return to_torch(hot);
}

py::dict batch_dict(const Dataset& d, const Batch& b) {
  py::dict out;
  out["video"] = to_torch(b.video);
  out["audio"] = to_torch(b.audio);
  out["label"] = to_torch(b.labels);
  py::list paths;
  for (int64_t i : b.indices) paths.append(d.samples[static_cast<size_t>(i)].path);
  out["path"] = paths;
  out["index"] = to_torch(at::tensor(b.indices, at::kLong));
  out["clip_start"] = to_torch(at::tensor(b.clip_starts, at::kDouble));
  return out;
}

struct PyLoader {
  PyLoader(Dataset dataset, LoaderOptions options) : loader(std::move(dataset), std::move(options)) {}
  DataLoader loader;
  int64_t epoch = 0;
  bool running = false;
};

struct Samples {
  Dataset dataset;
  LoaderOptions options;
};

#define VIDREP_LOADER_ARGS                                                                                       \
  py::arg("clip_len") = kDefaults.clip_len, py::arg("frame_stride") = kDefaults.frame_stride,                   \
      py::arg("size") = py::make_tuple(kDefaults.height, kDefaults.width), py::arg("random_clip") = kDefaults.random_clip, \
      py::arg("transform") = kDefaults.transform, py::arg("video") = kDefaults.video, py::arg("audio") = kDefaults.audio, \
      py::arg("seed") = kDefaults.seed, py::arg("decoder_threads") = kDefaults.decoder_threads

}  // namespace

void bind_data(py::module_& m) {
  py::class_<PyLoader>(m, "DataLoader", R"(Batches of decoded, transformed clips from a dataset folder, made by worker threads.

DataLoader(data, split="train", batch_size=16, workers=2, prefetch=4, shuffle=True, drop_last=False,
           clip_len=16, frame_stride=1, size=(32, 32), random_clip=True, transform="", video=True,
           audio=False, seed=0, decoder_threads=1)
Each `for batch in loader` is one epoch (the next epoch's shuffle each time); a batch is a dict with
video float32 [B,3,T,H,W], audio [B,frames,bins] or None, label, path, index and clip_start.)")
      .def(py::init([](const std::string& data, const std::string& split, int64_t batch_size, int workers, int prefetch,
                       bool shuffle, bool drop_last, int64_t clip_len, int64_t frame_stride, const py::object& size,
                       bool random_clip, const std::string& transform, bool video, bool audio, uint64_t seed,
                       int decoder_threads) {
             LoaderOptions o = options(clip_len, frame_stride, size, random_clip, transform, video, audio, seed, decoder_threads);
             o.batch_size = batch_size;
             o.workers = workers;
             o.prefetch = prefetch;
             o.shuffle = shuffle;
             o.drop_last = drop_last;
             py::gil_scoped_release unlocked;
             return std::make_unique<PyLoader>(load_dataset(data, split), o);
           }),
           py::arg("data"), py::arg("split") = "train", py::arg("batch_size") = kDefaults.batch_size,
           py::arg("workers") = kDefaults.workers, py::arg("prefetch") = kDefaults.prefetch, py::arg("shuffle") = kDefaults.shuffle,
           py::arg("drop_last") = kDefaults.drop_last, VIDREP_LOADER_ARGS)
      .def("__len__", [](const PyLoader& l) { return l.loader.batches_per_epoch(); })
      .def("__iter__", [](PyLoader& l) -> PyLoader& {
        {
          py::gil_scoped_release unlocked;
          l.loader.start_epoch(l.epoch);
        }
        ++l.epoch;
        l.running = true;
        return l;
      })
      .def("__next__", [](PyLoader& l) {
        if (!l.running) throw py::stop_iteration();
        std::optional<Batch> batch;
        {
          py::gil_scoped_release unlocked;
          batch = l.loader.next();
        }
        if (!batch) {
          l.running = false;
          throw py::stop_iteration();
        }
        return batch_dict(l.loader.dataset(), *batch);
      })
      .def_property_readonly("classes", [](const PyLoader& l) { return l.loader.dataset().classes; })
      .def_property_readonly("skipped", [](const PyLoader& l) { return l.loader.skipped(); },
                             "'path: reason' of every file left out so far.");

  py::class_<Samples>(m, "Samples", "The samples of a dataset folder, loaded one at a time (see vidrep.VideoDataset).")
      .def(py::init([](const std::string& data, const std::string& split, int64_t clip_len, int64_t frame_stride,
                       const py::object& size, bool random_clip, const std::string& transform, bool video, bool audio,
                       uint64_t seed, int decoder_threads) {
             const LoaderOptions o = options(clip_len, frame_stride, size, random_clip, transform, video, audio, seed, decoder_threads);
             py::gil_scoped_release unlocked;
             return Samples{load_dataset(data, split), o};
           }),
           py::arg("data"), py::arg("split") = "train", VIDREP_LOADER_ARGS)
      .def("__len__", [](const Samples& s) { return s.dataset.samples.size(); })
      .def_property_readonly("classes", [](const Samples& s) { return s.dataset.classes; })
      .def("load",
           [](const Samples& s, int64_t index, uint64_t seed) {
             const int64_t n = static_cast<int64_t>(s.dataset.samples.size());
             if (index < 0 || index >= n) throw py::index_error("sample " + std::to_string(index) + " out of range [0, " + std::to_string(n) + ")");
             const Sample& sample = s.dataset.samples[static_cast<size_t>(index)];
             SampleTensors t;
             {
               py::gil_scoped_release unlocked;
               t = load_sample(sample, s.options, seed);
             }
             py::dict out;
             out["video"] = to_torch(t.video);
             out["audio"] = to_torch(t.audio);
             out["label"] = label_of(s.dataset, sample);
             out["path"] = sample.path;
             out["index"] = index;
             out["clip_start"] = t.clip_start;
             return out;
           },
           py::arg("index"), py::arg("seed"),
           "Sample `index` with its random draws from `seed`: video float32 [3,T,H,W], audio, label, path, clip_start.");
}

}  // namespace vidrep::python
