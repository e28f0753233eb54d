// Classification metrics against hand-computed values.
#include "vidrep/error.h"
#include "vidrep/train/metrics.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vidrep {
namespace {

at::Tensor one_hot_scores(const std::vector<int64_t>& predicted, int64_t k) {
  at::Tensor s = at::zeros({static_cast<int64_t>(predicted.size()), k});
  for (size_t i = 0; i < predicted.size(); ++i) s[static_cast<int64_t>(i)][predicted[i]] = 1;
  return s;
}

TEST(TrainMetrics, SingleLabelMatchesHandComputedValues) {
  // truth:     0 0 0 1 1 2
  // predicted: 0 0 1 1 2 2
  const at::Tensor labels = at::tensor(std::vector<int64_t>{0, 0, 0, 1, 1, 2});
  const auto r = classification_report(one_hot_scores({0, 0, 1, 1, 2, 2}, 3), labels, {"a", "b", "c"});
  EXPECT_EQ(r.count, 6);
  EXPECT_NEAR(r.accuracy, 4.0 / 6, 1e-12);
  EXPECT_NEAR(r.micro_f1, 4.0 / 6, 1e-12);
  EXPECT_NEAR(r.per_class[0].precision, 1.0, 1e-12);
  EXPECT_NEAR(r.per_class[0].recall, 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.per_class[1].precision, 0.5, 1e-12);
  EXPECT_NEAR(r.per_class[1].recall, 0.5, 1e-12);
  EXPECT_NEAR(r.per_class[2].precision, 0.5, 1e-12);
  EXPECT_NEAR(r.per_class[2].recall, 1.0, 1e-12);
  const double f0 = 2 * 1.0 * (2.0 / 3) / (1.0 + 2.0 / 3), f1 = 0.5, f2 = 2 * 0.5 / 1.5;
  EXPECT_NEAR(r.macro_f1, (f0 + f1 + f2) / 3, 1e-12);
  EXPECT_EQ(r.per_class[0].support, 3);
  const std::vector<std::vector<int64_t>> confusion = {{2, 1, 0}, {0, 1, 1}, {0, 0, 1}};
  EXPECT_EQ(r.confusion, confusion);
  EXPECT_NEAR(r.top5, 1.0, 1e-12);  // 3 classes: every label is within the top 5
}

TEST(TrainMetrics, TopFiveCountsLabelsAmongTheFiveBest) {
  // 7 classes; scores descending with the class index, so the top 5 are 6,5,4,3,2.
  at::Tensor scores = at::arange(7, at::kFloat).repeat({3, 1});
  const at::Tensor labels = at::tensor(std::vector<int64_t>{6, 2, 1});
  const auto r = classification_report(scores, labels, {"0", "1", "2", "3", "4", "5", "6"});
  EXPECT_NEAR(r.accuracy, 1.0 / 3, 1e-12);
  EXPECT_NEAR(r.top5, 2.0 / 3, 1e-12);
}

TEST(TrainMetrics, MultiLabelUsesThresholdAndExactSets) {
  const at::Tensor labels = at::tensor(std::vector<float>{1, 0, 1, 0, 1, 0}).view({2, 3});
  const at::Tensor scores = at::tensor(std::vector<float>{0.9f, 0.2f, 0.7f, 0.6f, 0.8f, 0.1f}).view({2, 3});
  const auto r = classification_report(scores, labels, {"a", "b", "c"});
  EXPECT_NEAR(r.accuracy, 0.5, 1e-12);       // sample 0 exact, sample 1 has an extra 'a'
  EXPECT_NEAR(r.per_class[0].precision, 0.5, 1e-12);
  EXPECT_NEAR(r.micro_f1, 2 * 0.75 * 1.0 / 1.75, 1e-12);  // tp 3, predicted 4, actual 3
  EXPECT_TRUE(r.confusion.empty());
}

TEST(TrainMetrics, JsonHasTheDocumentedKeysAndTableNamesClasses) {
  const auto r = classification_report(one_hot_scores({1, 0}, 2), at::tensor(std::vector<int64_t>{1, 1}), {"left", "right"});
  const nlohmann::json j = r;
  for (const char* key : {"accuracy", "top5", "macro_f1", "micro_f1", "per_class", "confusion"}) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["confusion"][1][0], 1);
  const std::string table = format_report(r);
  EXPECT_NE(table.find("right"), std::string::npos);
  EXPECT_NE(table.find("50.00 %"), std::string::npos);
}

TEST(TrainMetrics, RejectsLabelsOutsideTheClasses) {
  EXPECT_THROW(classification_report(one_hot_scores({0}, 2), at::tensor(std::vector<int64_t>{2}), {"a", "b"}), InvalidArgument);
  EXPECT_THROW(classification_report(at::zeros({2, 3}), at::zeros({2}, at::kLong), {"a", "b"}), InvalidArgument);
}

}  // namespace
}  // namespace vidrep
