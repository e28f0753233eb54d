// vidrep._vidrep: the library's readers, sampling, transforms, tokens, loaders, features and
// retrieval index for Python, returning torch tensors over vidrep's own memory. Import it through
// the `vidrep` package, which imports torch first (the tensors are made by torch.utils.dlpack).
#include "bindings.h"

PYBIND11_MODULE(_vidrep, m) {
  m.doc() = "vidrep's C++ library (use the `vidrep` package)";
  m.attr("__version__") = VIDREP_VERSION;
  vidrep::python::bind_errors(m);
  vidrep::python::bind_io(m);
  vidrep::python::bind_sample(m);
  vidrep::python::bind_data(m);
  vidrep::python::bind_represent(m);
  vidrep::python::bind_curate(m);
}
