// Fuzz target: bytes as a --transform spec, as text and as its JSON form. Either parses, and then
// its canonical text parses back to the same pipeline, or says which item is wrong and why.
#include "vidrep/error.h"
#include "vidrep/transform/pipeline.h"

#include <cstdlib>
#include <string>

using vidrep::transform::Pipeline;

namespace {

void round_trip(const Pipeline& p) {
  const std::string text = p.to_string();
  if (Pipeline::parse(text).to_string() != text) std::abort();
  if (Pipeline::from_json(p.to_json()).to_string() != text) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    round_trip(Pipeline::parse(text, "--transform"));
  } catch (const vidrep::Error&) {
  }
  try {
    round_trip(Pipeline::from_json(text, "transform.json"));
  } catch (const vidrep::Error&) {
  }
  return 0;
}
