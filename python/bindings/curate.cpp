// Curation for Python (curate/curate.h): staging one shard of the videos and finishing from every
// shard's work units, the two halves that python/vidrep/curation.py maps over a Dask cluster.
#include "bindings.h"

#include "vidrep/apps/autoencoder.h"
#include "vidrep/curate/curate.h"
#include "vidrep/video_files.h"

#include <pybind11/stl.h>

namespace py = pybind11;

namespace vidrep::python {
namespace {

// The config as `vidrep curate` takes it: a JSON text ("" for the defaults), then `ae` over it.
curate::CurateConfig config_of(const std::string& json, const std::string& ae) {
  curate::CurateConfig c = json.empty() ? curate::CurateConfig{} : curate::CurateConfig::from_json(json);
  if (!ae.empty()) c.ae = ae;
  return c;
}

py::dict result_dict(const curate::CurateResult& r) {
  py::dict d;
  d["videos"] = r.videos;
  d["resumed"] = r.resumed;
  d["finished"] = r.finished;
  d["accepted"] = r.accepted;
  d["rejected"] = r.rejected;
  d["clips"] = r.clips;
  d["duplicates"] = r.duplicates;
  d["shards"] = r.shards;
  d["input_seconds"] = r.input_seconds;
  d["seconds"] = r.stage_seconds;
  return d;
}

}  // namespace

void bind_curate(py::module_& m) {
  m.def("collect_videos", &collect_videos, py::arg("paths"),
        "The video files of paths: files, folders (recursively, sorted) and list files, as the CLI takes them");
  m.def(
      "_curate_stage",
      [](const std::vector<std::string>& videos, const std::string& out, const std::string& config, const std::string& ae,
         int shard_index, int shard_count, int threads) {
        curate::CurateOptions o;
        o.inputs = videos;
        o.out_dir = out;
        o.config = config_of(config, ae);
        o.shard_index = shard_index;
        o.shard_count = shard_count;
        o.threads = threads;
        o.latents = &curation_latents;
        curate::CurateResult r;
        {
          py::gil_scoped_release unlocked;
          r = curate::curate(o);
        }
        return result_dict(r);
      },
      py::arg("videos"), py::arg("out"), py::arg("config"), py::arg("ae"), py::arg("shard_index"), py::arg("shard_count"),
      py::arg("threads"));
  m.def(
      "_curate_finish",
      [](const std::string& out, const std::string& config, const std::string& ae) {
        const curate::CurateConfig c = config_of(config, ae);
        curate::CurateResult r;
        {
          py::gil_scoped_release unlocked;
          r = curate::finish(out, c);
        }
        return result_dict(r);
      },
      py::arg("out"), py::arg("config"), py::arg("ae"));
}

}  // namespace vidrep::python
