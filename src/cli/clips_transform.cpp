// `clips --transform/--layout` in vidrep-torch: the transform pipeline and layout, applied with
// LibTorch to the clips the I/O core decoded.
#include "cli_common.h"

#include "vidrep/runtime.h"
#include "vidrep/tensor.h"
#include "vidrep/transform/convert.h"
#include "vidrep/transform/pipeline.h"

#include <memory>

namespace vidrep::cli {

ClipTransform parse_clip_transform(const std::string& spec, const std::string& layout_text, int threads) {
  const transform::Layout layout = transform::parse_layout(layout_text);
  auto pipeline = std::make_shared<transform::Pipeline>();
  if (spec.starts_with('@')) {
    *pipeline = transform::Pipeline::load_json(spec.substr(1));
  } else if (!spec.empty()) {
    *pipeline = transform::Pipeline::parse(spec, "--transform");
  }
  set_num_threads(threads);
  return {pipeline->to_string(), [pipeline, layout](const Array& clips, uint64_t seed) {
            at::Tensor x = to_tensor(clips);
            if (!pipeline->empty()) x = pipeline->apply_batch(x, seed);
            return to_array(transform::to_layout(x, layout), "clips");
          }};
}

}  // namespace vidrep::cli
