// Classification metrics from scores and labels: top-1 / top-5 accuracy, per-class precision,
// recall and F1, macro and micro F1 and the confusion matrix. Pure functions over tensors.
//
//   ClassificationReport r = classification_report(scores, labels, classes);
//   r.accuracy; r.macro_f1; r.confusion[true_class][predicted_class];
//   std::cout << format_report(r);   // a table; to_json(r) for machines
//
// Single-label: scores [N,K] (logits or probabilities), labels int64 [N]; micro F1 equals
// accuracy. Multi-label: labels float [N,K] multi-hot and a class is predicted when its score
// (a probability, after sigmoid) is >= 0.5; accuracy is exact-set match, top-5 counts a hit
// when one of the 5 best classes is a true label, confusion is empty.
#pragma once

#include <ATen/core/Tensor.h>
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep {

struct ClassMetrics {
  std::string name;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;  // true samples of the class
};

struct ClassificationReport {
  int64_t count = 0;
  double accuracy = 0;
  double top5 = 0;
  double macro_f1 = 0;
  double micro_f1 = 0;
  std::vector<ClassMetrics> per_class;
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted]; empty for multi-label
};

// Throws InvalidArgument for mismatched shapes or labels outside [0, K).
ClassificationReport classification_report(const at::Tensor& scores, const at::Tensor& labels,
                                           const std::vector<std::string>& classes);

// Human-readable: summary lines, a per-class table and the confusion matrix.
std::string format_report(const ClassificationReport& report);
// {"count", "accuracy", "top5", "macro_f1", "micro_f1", "per_class": [{name, precision, recall,
// f1, support}], "confusion": [[...]]}
void to_json(nlohmann::json& j, const ClassificationReport& report);

}  // namespace vidrep
