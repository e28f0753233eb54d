// The pieces of the `vidrep._vidrep` extension module (python/vidrep/ is the package around it),
// one per library stage, each adding its classes and functions to the module.
#pragma once

#include <pybind11/pybind11.h>

namespace vidrep::python {

void bind_errors(pybind11::module_& m);  // errors.cpp
void bind_io(pybind11::module_& m);      // io.cpp: probe, VideoReader, AudioReader
void bind_sample(pybind11::module_& m);  // sample.cpp: sample_clips, Transform, patchify, pack
void bind_data(pybind11::module_& m);    // data.cpp: DataLoader, the samples of a dataset folder
void bind_represent(pybind11::module_& m);  // represent.cpp: features, Index
void bind_curate(pybind11::module_& m);     // curate.cpp: collect_videos, the halves of curation

}  // namespace vidrep::python
