#include "vidrep/train/metrics.h"

#include "vidrep/describe.h"
#include "vidrep/error.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace vidrep {
namespace {

double ratio(int64_t a, int64_t b) { return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0; }
double f1_of(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

// Counts per class: true positives, predicted positives, actual positives.
struct Counts {
  std::vector<int64_t> tp, predicted, actual;
  explicit Counts(int64_t k) : tp(k), predicted(k), actual(k) {}
};

void fill_per_class(ClassificationReport& r, const Counts& c, const std::vector<std::string>& classes) {
  const auto k = static_cast<int64_t>(classes.size());
  int64_t tp = 0, predicted = 0, actual = 0;
  double f1_sum = 0;
  for (int64_t i = 0; i < k; ++i) {
    ClassMetrics m;
    m.name = classes[i];
    m.precision = ratio(c.tp[i], c.predicted[i]);
    m.recall = ratio(c.tp[i], c.actual[i]);
    m.f1 = f1_of(m.precision, m.recall);
    m.support = c.actual[i];
    f1_sum += m.f1;
    tp += c.tp[i];
    predicted += c.predicted[i];
    actual += c.actual[i];
    r.per_class.push_back(m);
  }
  r.macro_f1 = k > 0 ? f1_sum / static_cast<double>(k) : 0.0;
  r.micro_f1 = f1_of(ratio(tp, predicted), ratio(tp, actual));
}

}  // namespace

ClassificationReport classification_report(const at::Tensor& scores, const at::Tensor& labels,
                                           const std::vector<std::string>& classes) {
  const auto k = static_cast<int64_t>(classes.size());
  if (scores.dim() != 2 || scores.size(1) != k)
    throw InvalidArgument(fmt::format("metrics: scores: expected [N,{}], got {}", k, describe(scores)));
  const int64_t n = scores.size(0);
  const bool multi = labels.dim() == 2;
  if (multi ? labels.sizes() != scores.sizes() : (labels.dim() != 1 || labels.size(0) != n))
    throw InvalidArgument(fmt::format("metrics: labels {} do not match scores {}", describe(labels), describe(scores)));

  ClassificationReport r;
  r.count = n;
  const at::Tensor s = scores.to(at::kFloat).contiguous();
  const int64_t topk = std::min<int64_t>(5, k);
  const at::Tensor top = n > 0 ? std::get<1>(s.topk(topk, 1)).contiguous() : at::zeros({0, topk}, at::kLong);
  const auto* top_p = top.data_ptr<int64_t>();
  Counts counts(k);
  int64_t hit1 = 0, hit5 = 0, exact = 0;

  if (!multi) {
    const at::Tensor y = labels.to(at::kLong).contiguous();
    const auto* y_p = y.data_ptr<int64_t>();
    r.confusion.assign(k, std::vector<int64_t>(k, 0));
    for (int64_t i = 0; i < n; ++i) {
      const int64_t truth = y_p[i];
      if (truth < 0 || truth >= k)
        throw InvalidArgument(fmt::format("metrics: label {} of sample {} outside [0,{})", truth, i, k));
      const int64_t pred = top_p[i * topk];
      ++r.confusion[truth][pred];
      ++counts.actual[truth];
      ++counts.predicted[pred];
      if (pred == truth) ++counts.tp[truth], ++hit1;
      for (int64_t j = 0; j < topk; ++j) hit5 += top_p[i * topk + j] == truth;
    }
    exact = hit1;
  } else {
    const at::Tensor y = (labels.to(at::kFloat) > 0.5).contiguous();
    const at::Tensor pred = (s >= 0.5).contiguous();
    const auto* y_p = y.data_ptr<bool>();
    const auto* p_p = pred.data_ptr<bool>();
    for (int64_t i = 0; i < n; ++i) {
      bool same = true;
      for (int64_t c = 0; c < k; ++c) {
        const bool t = y_p[i * k + c], p = p_p[i * k + c];
        counts.actual[c] += t;
        counts.predicted[c] += p;
        counts.tp[c] += t && p;
        same = same && t == p;
      }
      exact += same;
      bool any = false;
      for (int64_t j = 0; j < topk; ++j) any = any || y_p[i * k + top_p[i * topk + j]];
      hit5 += any;
    }
  }
  // Single-label: exact = top-1 hits. Multi-label: exact-set matches (top-1 hits are not reported).
  r.accuracy = ratio(exact, n);

  r.top5 = ratio(hit5, n);
  fill_per_class(r, counts, classes);
  return r;
}

std::string format_report(const ClassificationReport& r) {
  std::string out = fmt::format("samples   {}\ntop-1     {:.2f} %\ntop-5     {:.2f} %\nmacro F1  {:.4f}\nmicro F1  {:.4f}\n\n",
                                r.count, 100 * r.accuracy, 100 * r.top5, r.macro_f1, r.micro_f1);
  size_t width = 5;
  for (const auto& m : r.per_class) width = std::max(width, m.name.size());
  out += fmt::format("{:<{}}  precision  recall      f1  support\n", "class", width);
  for (const auto& m : r.per_class)
    out += fmt::format("{:<{}}  {:9.4f}  {:6.4f}  {:6.4f}  {:7}\n", m.name, width, m.precision, m.recall, m.f1, m.support);
  if (r.confusion.empty()) return out;
  const size_t label_width = width + 4;  // "12 name"
  out += fmt::format("\nconfusion (rows: true class, columns: predicted)\n{:<{}}", "", label_width);
  for (size_t j = 0; j < r.confusion.size(); ++j) out += fmt::format(" {:>5}", j);
  out += "\n";
  for (size_t i = 0; i < r.confusion.size(); ++i) {
    out += fmt::format("{:<{}}", fmt::format("{} {}", i, r.per_class[i].name), label_width);
    for (int64_t v : r.confusion[i]) out += fmt::format(" {:>5}", v);
    out += "\n";
  }
  return out;
}

void to_json(nlohmann::json& j, const ClassificationReport& r) {
  j = nlohmann::json{{"count", r.count}, {"accuracy", r.accuracy}, {"top5", r.top5},
                     {"macro_f1", r.macro_f1}, {"micro_f1", r.micro_f1}};
  auto per_class = nlohmann::json::array();
  for (const auto& m : r.per_class)
    per_class.push_back({{"name", m.name}, {"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1},
                         {"support", m.support}});
  j["per_class"] = per_class;
  j["confusion"] = r.confusion;
}

}  // namespace vidrep
