// Retrieval metrics (retrieval/evaluate.h) on results whose values are worked out by hand.
#include "vidrep/retrieval/evaluate.h"

#include "vidrep/error.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/fixtures.h"

namespace vidrep {
namespace {

using retrieval::QueryResults;
using retrieval::ScoredRef;

TEST(RetrievalMetrics, RecallMapAndMicroApOnAWorkedExample) {
  const std::string dir = test::scratch_dir("retrieval_metrics");
  {
    std::ofstream t(dir + "/truth.tsv");
    t << "# query ref q_start q_end r_start r_end\n"
      << "q1.mp4 a.mp4 0 4 10 14\n"
      << "q2.mp4 b.mp4 0 5 0 5\n"
      << "q3.mp4 -\n";
  }
  const auto truth = retrieval::load_truth(dir + "/truth.tsv");
  ASSERT_EQ(truth.size(), 3u);
  EXPECT_TRUE(truth[2].ref.empty());
  const std::string q1 = dir + "/q1.mp4", q2 = dir + "/q2.mp4", q3 = dir + "/q3.mp4";
  const std::string a = dir + "/a.mp4", b = dir + "/b.mp4", c = dir + "/c.mp4";
  // q1: a first, its segment right. q2: b second (after c), its segment wrong. q3: c, a false positive.
  const std::vector<QueryResults> results = {
      {q1, {{a, 0.9, 0, 4, 10, 14}, {c, 0.3}}},
      {q2, {{c, 0.7}, {b, 0.6, 0, 5, 20, 25}}},
      {q3, {{c, 0.8}}},
  };
  const retrieval::RetrievalMetrics m = retrieval::evaluate_retrieval(results, truth);
  EXPECT_EQ(m.queries, 3);
  EXPECT_EQ(m.positive_queries, 2);
  EXPECT_EQ(m.true_pairs, 2);
  EXPECT_DOUBLE_EQ(m.recall_at_1, 0.5);
  EXPECT_DOUBLE_EQ(m.recall_at_5, 1.0);
  EXPECT_DOUBLE_EQ(m.map, (1.0 + 0.5) / 2);
  // Pooled by score: a 0.9 (true), c 0.8, c 0.7, b 0.6 (true), c 0.3 -> AP = (1/1 + 2/4) / 2.
  EXPECT_DOUBLE_EQ(m.micro_ap, (1.0 + 0.5) / 2);
  // b's reference segment misses the truth's: only a counts.
  EXPECT_DOUBLE_EQ(m.segment_ap, 0.5);
}

TEST(RetrievalMetrics, MalformedTruthNamesTheLine) {
  const std::string dir = test::scratch_dir("retrieval_truth_errors");
  {
    std::ofstream t(dir + "/bad.tsv");
    t << "q.mp4 r.mp4\nq2.mp4\n";
  }
  EXPECT_NE(test::error_message<ConfigError>([&] { retrieval::load_truth(dir + "/bad.tsv"); }).find("bad.tsv:2"),
            std::string::npos);
  EXPECT_THROW(retrieval::load_truth(dir + "/missing.tsv"), OpenError);
}

}  // namespace
}  // namespace vidrep
