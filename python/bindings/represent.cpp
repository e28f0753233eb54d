// Representations for Python: the handcrafted features of a video (features/) and the retrieval
// index (retrieval/video_index.h: build, open, add, save, embed, search).
#include "bindings.h"
#include "reader.h"
#include "tensors.h"

#include "vidrep/error.h"
#include "vidrep/features/video_features.h"
#include "vidrep/retrieval/video_index.h"

#include <pybind11/stl.h>

#include <optional>

namespace py = pybind11;

namespace vidrep::python {
namespace {

py::dict features_of(const py::object& source, const std::string& kinds, const std::vector<int>& stpp,
                     const std::optional<std::vector<int>>& temporal, int64_t clip_length, int64_t stride, int short_side,
                     int64_t batch, int threads) {
  features::FeatureOptions options;
  options.kinds = features::parse_feature_kinds(kinds);
  options.stpp.spatial = stpp;
  // A spatial pyramid comes with a two-level temporal one unless told otherwise (as `vidrep features --stpp`).
  options.stpp.temporal = temporal ? *temporal : stpp == std::vector<int>{1} ? std::vector<int>{1} : std::vector<int>{1, 2};
  options.threads = threads;
  const features::FeatureExtractor extractor(options);
  features::VideoFeatures result;
  const features::VideoFeatureOptions video{.clip_length = clip_length, .stride = stride, .batch_clips = batch};
  if (py::isinstance<LockedReader>(source)) {
    LockedReader& r = source.cast<LockedReader&>();
    py::gil_scoped_release unlocked;
    std::lock_guard lock(r.mutex);
    result = features::extract_video_features(r.reader, extractor, video);
  } else {
    const std::string path = source.cast<std::string>();
    py::gil_scoped_release unlocked;
    VideoReader reader(path, {.short_side = short_side, .threads = threads});
    result = features::extract_video_features(reader, extractor, video);
  }
  py::dict out;
  out["features"] = to_torch(result.features);
  py::list clips;
  for (const auto& c : result.clips) clips.append(py::make_tuple(c.begin, c.end));
  out["clips"] = clips;
  py::list groups;
  for (const auto& g : extractor.layout()) {
    py::dict d;
    d["name"] = g.name;
    d["offset"] = g.offset;
    d["length"] = g.length;
    d["cells"] = g.cells;
    d["channels"] = g.channels;
    groups.append(d);
  }
  out["groups"] = groups;
  return out;
}

py::dict hit_dict(const retrieval::SearchHit& h) {
  py::dict d;
  d["path"] = h.path;
  d["score"] = h.score;
  d["query_start"] = h.query_start;
  d["query_end"] = h.query_end;
  d["ref_start"] = h.ref_start;
  d["ref_end"] = h.ref_end;
  return d;
}

py::list skipped_list(const std::vector<retrieval::SkippedVideo>& skipped) {
  py::list out;
  for (const auto& s : skipped) out.append(py::make_tuple(s.path, s.reason));
  return out;
}

// An index and the files its build left out.
struct PyIndex {
  retrieval::VideoIndex index;
  std::vector<retrieval::SkippedVideo> skipped;
};

}  // namespace

void bind_represent(py::module_& m) {
  m.def("features", &features_of, py::arg("source"), py::arg("kinds") = "all", py::arg("stpp") = std::vector<int>{1},
        py::arg("temporal") = py::none(), py::arg("clip_length") = 16, py::arg("stride") = 0, py::arg("short_side") = 112,
        py::arg("batch") = 8, py::arg("threads") = 0,
        R"(Handcrafted descriptors of consecutive clips of a video: a dict with features float32 [clips, D],
clips [(begin, end)] frame ranges and groups (the columns of each feature).
source: a path (read at `short_side`) or a VideoReader (read at its size).
kinds: comma-separated color_hist, color_moments, lbp, edges, motion, or all; stpp: spatial pyramid levels.)");

  py::class_<PyIndex>(m, "Index", R"(A persistent similarity index of videos (faiss), for search and copy detection.

Index.build(paths, method="features", type="flat", per_second=1.0, max_dim=256, threads=0)
Index.open(dir); index.add(paths); index.save(dir); index.search(query_path, k=10))")
      .def_static("build",
                  [](const std::vector<std::string>& paths, const std::string& method, const std::string& type, double per_second,
                     int64_t max_dim, int threads) {
                    retrieval::IndexOptions o;
                    o.embed = retrieval::EmbedConfig::parse(method, per_second);
                    o.embed.threads = threads;
                    o.type = retrieval::parse_index_type(type);
                    o.max_dim = max_dim;
                    std::vector<retrieval::SkippedVideo> skipped;
                    py::gil_scoped_release unlocked;
                    retrieval::VideoIndex index = retrieval::VideoIndex::build(paths, o, &skipped);
                    return std::make_unique<PyIndex>(PyIndex{std::move(index), std::move(skipped)});
                  },
                  py::arg("paths"), py::arg("method") = "features", py::arg("type") = "flat", py::arg("per_second") = 1.0,
                  py::arg("max_dim") = 256, py::arg("threads") = 0)
      .def_static("open",
                  [](const std::string& dir) {
                    py::gil_scoped_release unlocked;
                    return std::make_unique<PyIndex>(PyIndex{retrieval::VideoIndex::open(dir), {}});
                  },
                  py::arg("dir"))
      .def("add",
           [](PyIndex& i, const std::vector<std::string>& paths) {
             std::vector<retrieval::SkippedVideo> skipped;
             {
               py::gil_scoped_release unlocked;
               skipped = i.index.add(paths);
             }
             return skipped_list(skipped);
           },
           py::arg("paths"), "Adds the files not indexed yet; returns (path, reason) of those left out.")
      .def("save", [](const PyIndex& i, const std::string& dir) {
             py::gil_scoped_release unlocked;
             i.index.save(dir);
           }, py::arg("dir"))
      .def("search",
           [](const PyIndex& i, const std::string& query, int64_t k, bool exclude_query) {
             std::vector<retrieval::SearchHit> hits;
             {
               py::gil_scoped_release unlocked;
               retrieval::SearchOptions o;
               o.k = k;
               o.exclude_query = exclude_query;
               hits = i.index.search(i.index.embed(query), o);
             }
             py::list out;
             for (const auto& h : hits) out.append(hit_dict(h));
             return out;
           },
           py::arg("query"), py::arg("k") = 10, py::arg("exclude_query") = false,
           "The k best videos for a query file: dicts of path, score and the matched segment in seconds.")
      .def("embed",
           [](const PyIndex& i, const std::string& path) {
             retrieval::VideoDescriptors d;
             {
               py::gil_scoped_release unlocked;
               d = i.index.embed(path);
             }
             py::dict out;
             out["path"] = d.path;
             out["duration"] = d.duration;
             out["start"] = d.start;
             out["end"] = d.end;
             out["features"] = to_torch(d.features);
             return out;
           },
           py::arg("path"), "A file's descriptors as this index embeds them (before whitening).")
      .def("video_embedding", [](const PyIndex& i, int64_t video) { return to_torch(i.index.video_embedding(video)); }, py::arg("video"))
      .def_property_readonly("videos", [](const PyIndex& i) {
        py::list out;
        for (const auto& v : i.index.videos()) {
          py::dict d;
          d["path"] = v.path;
          d["duration"] = v.duration;
          d["rows"] = v.rows;
          out.append(d);
        }
        return out;
      })
      .def_property_readonly("skipped", [](const PyIndex& i) { return skipped_list(i.skipped); },
                             "(path, reason) of the files build() left out.")
      .def_property_readonly("rows", [](const PyIndex& i) { return i.index.rows(); })
      .def_property_readonly("dim", [](const PyIndex& i) { return i.index.dim(); })
      .def("__len__", [](const PyIndex& i) { return i.index.videos().size(); });
}

}  // namespace vidrep::python
