// Clip sampling, transforms and spacetime tokens for Python: sample_clips / read_clips,
// Transform (a transform::Pipeline), patchify / unpatchify and pack / unpack.
#include "bindings.h"
#include "reader.h"
#include "tensors.h"

#include "vidrep/error.h"
#include "vidrep/sample/clip_sampler.h"
#include "vidrep/tokens/pack.h"
#include "vidrep/tokens/patchify.h"
#include "vidrep/transform/pipeline.h"

#include <ATen/ATen.h>
#include <pybind11/stl.h>

#include <optional>

namespace py = pybind11;

namespace vidrep::python {
namespace {

std::vector<std::vector<int64_t>> sample_clips(const py::object& source, const std::string& kind, int64_t clips,
                                               int64_t length, int64_t stride, int64_t step, uint64_t seed,
                                               const std::string& policy, double start, std::optional<double> end) {
  const ClipSampler sampler({.kind = parse_sampler_kind(kind), .clips = clips, .length = length, .stride = stride,
                             .step = step, .seed = seed, .policy = parse_out_of_range(policy)});
  if (py::isinstance<LockedReader>(source)) {
    const LockedReader& r = source.cast<const LockedReader&>();
    return sampler.sample(frames_in_time(r.reader, start, end.value_or(-1)));
  }
  if (start != 0 || end) throw InvalidArgument("sample_clips: start/end need a VideoReader, not a frame count");
  return sampler.sample(source.cast<int64_t>());
}

PatchSize patch_size(const py::object& patch) {
  if (py::isinstance<py::str>(patch)) return parse_patch_size(patch.cast<std::string>());
  try {
    const auto [t, h, w] = patch.cast<std::tuple<int64_t, int64_t, int64_t>>();
    return {t, h, w};
  } catch (const py::cast_error&) {
    throw InvalidArgument("patch: expected (t, h, w) or 'TxHxW', got " + std::string(py::str(patch)));
  }
}

PadMode pad_mode(const std::string& pad) {
  if (pad == "none") return PadMode::None;
  if (pad == "replicate") return PadMode::Replicate;
  if (pad == "zero") return PadMode::Zero;
  throw InvalidArgument("pad: expected none, replicate or zero, got '" + pad + "'");
}

py::dict patches_dict(const Patches& p) {
  py::dict d;
  d["tokens"] = to_torch(p.tokens);
  d["positions"] = to_torch(p.positions);
  d["grid"] = py::make_tuple(p.grid[0], p.grid[1], p.grid[2]);
  d["patch"] = py::make_tuple(p.patch.t, p.patch.h, p.patch.w);
  d["channels"] = p.channels;
  d["original"] = py::make_tuple(p.original[0], p.original[1], p.original[2]);
  return d;
}

py::dict packed_dict(const Packed& p) {
  py::dict d;
  d["tokens"] = to_torch(p.tokens);
  d["positions"] = to_torch(p.positions);
  d["segments"] = to_torch(p.segments);
  d["mask"] = to_torch(p.mask);
  py::list slots;
  for (const PackedSlot& s : p.slots) slots.append(py::make_tuple(s.sequence, s.offset, s.length, s.segment));
  d["slots"] = slots;
  return d;
}

// A pipeline on one clip [T,H,W,C] or a batch [K,T,H,W,C], without the GIL.
py::object apply(const transform::Pipeline& p, const py::object& input, uint64_t seed, bool batch) {
  const at::Tensor x = from_torch(input, batch ? "clips" : "clip");
  at::Tensor y;
  {
    py::gil_scoped_release unlocked;
    y = batch ? p.apply_batch(x, seed) : p.apply(x, seed);
  }
  return to_torch(y);
}

std::vector<at::Tensor> tensors(const py::sequence& items, const std::string& what) {
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < items.size(); ++i) out.push_back(from_torch(items[i], what + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace

void bind_sample(py::module_& m) {
  m.def("sample_clips", &sample_clips, py::arg("source"), py::arg("kind") = "uniform", py::arg("clips") = 1,
        py::arg("length") = 16, py::arg("stride") = 1, py::arg("step") = 0, py::arg("seed") = 0,
        py::arg("policy") = "repeat", py::arg("start") = 0.0, py::arg("end") = py::none(),
        R"(Frame indices of each clip: a list of `clips` lists of `length` indices.

source: a frame count, or a VideoReader (then `start`/`end` seconds restrict the frames).
kind: uniform | random | regular | sliding; policy for short videos: repeat | wrap | shorten | error.)");
  m.def("read_clips",
        [](LockedReader& r, const std::vector<std::vector<int64_t>>& clips) {
          Array frames;
          {
            py::gil_scoped_release unlocked;
            std::lock_guard lock(r.mutex);
            frames = read_clips(r.reader, clips);
          }
          return to_torch(frames);
        },
        py::arg("reader"), py::arg("clips"), "Decodes the clips' frames in one request: uint8 [K,L,H,W,3].");

  py::class_<transform::Pipeline>(m, "Transform", R"(A chain of transforms written as text, applied with one seed.

Transform("resize_short=128,center_crop=112,normalize=imagenet")(clip, seed=0)
clip: [T,H,W,C] uint8 or float32; the result's shape and dtype are what the steps make.)")
      .def(py::init([](const std::string& text) { return transform::Pipeline::parse(text, "Transform"); }), py::arg("text"))
      .def_static("from_json", [](const std::string& json) { return transform::Pipeline::from_json(json, "Transform"); },
                  py::arg("json"))
      .def("__call__", [](const transform::Pipeline& p, const py::object& clip, uint64_t seed) { return apply(p, clip, seed, false); },
           py::arg("clip"), py::arg("seed") = 0)
      .def("apply_batch", [](const transform::Pipeline& p, const py::object& clips, uint64_t seed) { return apply(p, clips, seed, true); },
           py::arg("clips"), py::arg("seed") = 0, "[K,T,H,W,C]: clip k under its own seed derived from `seed`.")
      .def("to_json", &transform::Pipeline::to_json)
      .def("__str__", &transform::Pipeline::to_string)
      .def("__repr__", [](const transform::Pipeline& p) { return "Transform('" + p.to_string() + "')"; });

  m.def("patchify",
        [](const py::object& clip, const py::object& patch, const std::string& pad) {
          const Array x = array_from_torch(clip, "clip");
          return patches_dict(patchify(x, patch_size(patch), {pad_mode(pad)}));
        },
        py::arg("clip"), py::arg("patch") = py::make_tuple(1, 16, 16), py::arg("pad") = "none",
        R"(Spacetime patches of a clip [T,H,W,C]: a dict with tokens [N, pt*ph*pw*C], positions int32 [N,3]
((t,h,w) grid indices), grid, patch, channels and original (T,H,W). pad: none | replicate | zero.)");
  m.def("unpatchify",
        [](const py::dict& p) {
          const auto grid = p["grid"].cast<std::array<int64_t, 3>>();
          const auto original = p["original"].cast<std::array<int64_t, 3>>();
          return to_torch(unpatchify(array_from_torch(p["tokens"], "tokens"), grid, patch_size(p["patch"]),
                                     p["channels"].cast<int64_t>(), original));
        },
        py::arg("patches"), "The exact inverse of patchify (its dict, tokens possibly replaced): [T,H,W,C].");
  m.def("pack",
        [](const py::sequence& tokens, const std::optional<py::sequence>& positions, int64_t length, const std::string& algorithm,
           bool longest_first) {
          if (algorithm != "best_fit" && algorithm != "first_fit") {
            throw InvalidArgument("pack: algorithm is best_fit or first_fit, got '" + algorithm + "'");
          }
          const PackOptions o{.length = length,
                              .algorithm = algorithm == "best_fit" ? PackAlgorithm::BestFit : PackAlgorithm::FirstFit,
                              .longest_first = longest_first};
          return packed_dict(pack(tensors(tokens, "tokens"), positions ? tensors(*positions, "positions") : std::vector<at::Tensor>{}, o));
        },
        py::arg("tokens"), py::arg("positions") = py::none(), py::arg("length"), py::arg("algorithm") = "best_fit",
        py::arg("longest_first") = true,
        R"(NaViT packing of token sets [n_i, D] into sequences of `length`: a dict with tokens [S,L,D], positions,
segments int64 [S,L] (0 = padding), mask bool [S,L,L] and slots (sequence, offset, length, segment) per input.)");
  m.def("unpack",
        [](const py::object& packed, const std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t>>& slots) {
          std::vector<PackedSlot> s;
          for (const auto& [sequence, offset, length, segment] : slots) s.push_back({sequence, offset, length, segment});
          py::list out;
          for (const at::Tensor& t : unpack(from_torch(packed, "packed"), s)) out.append(to_torch(t));
          return out;
        },
        py::arg("packed"), py::arg("slots"), "Per-sample outputs [n_i, ...] of a packed [S,L,...] tensor.");
}

}  // namespace vidrep::python
