#include "tensors.h"

#include "vidrep/error.h"
#include "vidrep/tensor.h"

#include <ATen/DLConvertor.h>

namespace py = pybind11;

namespace vidrep::python {
namespace {

constexpr const char* kName = "dltensor";
constexpr const char* kUsedName = "used_dltensor";

// torch's functions, looked up once. Never freed: a static py::object would be released after the
// interpreter has finalised.
py::object& torch_attr(const char* module, const char* name) {
  return *new py::object(py::module_::import(module).attr(name));
}
py::object& from_dlpack() {
  static py::object& f = torch_attr("torch.utils.dlpack", "from_dlpack");
  return f;
}
py::object& to_dlpack() {
  static py::object& f = torch_attr("torch.utils.dlpack", "to_dlpack");
  return f;
}

// Frees a capsule nobody consumed (torch renames the ones it takes to "used_dltensor").
void delete_unused(PyObject* capsule) {
  if (PyCapsule_IsValid(capsule, kName) == 0) return;
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, kName));
  if (managed != nullptr && managed->deleter != nullptr) managed->deleter(managed);
}

}  // namespace

py::object to_torch(const at::Tensor& tensor) {
  if (!tensor.defined()) return py::none();
  // torch 1.13's DLPack has no bool: the bytes go over as uint8 and are viewed as bool again.
  const bool is_bool = tensor.scalar_type() == at::kBool;
  DLManagedTensor* managed = at::toDLPack(is_bool ? tensor.view(at::kByte) : tensor);
  PyObject* capsule = PyCapsule_New(managed, kName, delete_unused);
  if (capsule == nullptr) {
    managed->deleter(managed);
    throw py::error_already_set();
  }
  py::object out = from_dlpack()(py::reinterpret_steal<py::object>(capsule));
  if (is_bool) {
    static py::object& torch_bool = torch_attr("torch", "bool");
    out = out.attr("view")(torch_bool);
  }
  return out;
}

py::object to_torch(const Array& array) { return to_torch(to_tensor(array)); }

at::Tensor from_torch(py::handle object, const std::string& what) {
  static py::object& tensor_type = torch_attr("torch", "Tensor");
  if (!py::isinstance(object, tensor_type)) {
    throw InvalidArgument(what + ": expected a torch.Tensor, got " + std::string(py::str(object.get_type().attr("__name__"))));
  }
  if (std::string(py::str(object.attr("device").attr("type"))) != "cpu") {
    throw InvalidArgument(what + ": expected a CPU tensor, got one on " + std::string(py::str(object.attr("device"))));
  }
  py::object detached = object.attr("detach")();
  static py::object& torch_bool = torch_attr("torch", "bool");
  static py::object& torch_uint8 = torch_attr("torch", "uint8");
  const bool is_bool = py::object(detached.attr("dtype")).is(torch_bool);
  if (is_bool) detached = detached.attr("view")(torch_uint8);
  py::object capsule = to_dlpack()(detached);
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule.ptr(), kName));
  if (managed == nullptr) throw py::error_already_set();
  at::Tensor tensor = at::fromDLPack(managed);  // now owns `managed`
  PyCapsule_SetName(capsule.ptr(), kUsedName);
  return is_bool ? tensor.view(at::kBool) : tensor;
}

Array array_from_torch(py::handle object, const std::string& what) { return to_array(from_torch(object, what), what); }

}  // namespace vidrep::python
