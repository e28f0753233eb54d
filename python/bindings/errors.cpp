// vidrep's typed errors as Python exceptions: Error (a RuntimeError) and its subclasses
// OpenError, DecodeError, InvalidArgument (also a ValueError), WriteError and ConfigError (also a
// ValueError), so that `except ValueError` catches a bad option as Python users expect.
#include "bindings.h"

#include "vidrep/error.h"

#include <exception>

namespace py = pybind11;

namespace vidrep::python {
namespace {

struct Types {
  PyObject *error, *open, *decode, *invalid, *write, *config;
};

// Created once with the module and never freed (the module is never unloaded).
Types types;

PyObject* new_type(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  const std::string qualified = "vidrep." + std::string(name);
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::handle(type));
  return type;
}

}  // namespace

void bind_errors(py::module_& m) {
  py::handle runtime(PyExc_RuntimeError), value(PyExc_ValueError);
  types.error = new_type(m, "Error", py::make_tuple(runtime), "Any error vidrep reports; the message names the file and the reason.");
  py::handle error(types.error);
  types.open = new_type(m, "OpenError", py::make_tuple(error), "The input could not be opened or is not a readable media file.");
  types.decode = new_type(m, "DecodeError", py::make_tuple(error), "Bytes inside a file that opened could not be demuxed or decoded.");
  types.invalid = new_type(m, "InvalidArgument", py::make_tuple(error, value),
                           "Something impossible was asked: an index out of range, a bad size, an unknown option.");
  types.write = new_type(m, "WriteError", py::make_tuple(error), "An output could not be written.");
  types.config = new_type(m, "ConfigError", py::make_tuple(error, value), "A configuration file or value is malformed.");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const OpenError& e) {
      PyErr_SetString(types.open, e.what());
    } catch (const DecodeError& e) {
      PyErr_SetString(types.decode, e.what());
    } catch (const InvalidArgument& e) {
      PyErr_SetString(types.invalid, e.what());
    } catch (const WriteError& e) {
      PyErr_SetString(types.write, e.what());
    } catch (const ConfigError& e) {
      PyErr_SetString(types.config, e.what());
    } catch (const Error& e) {
      PyErr_SetString(types.error, e.what());
    }
  });
}

}  // namespace vidrep::python
