// Evaluation of retrieval and copy detection against a ground truth, with the metrics the field
// reports: recall@1/5/10 and mAP per query (video retrieval), VSC22's micro-AP over all queries'
// scored pairs pooled (copy detection: one threshold for every query), and a segment AP for
// localisation.
//
// Ground truth (load_truth): one line per copy, whitespace-separated,
//   query ref [q_start q_end r_start r_end]
// paths relative to the truth file's folder (or absolute), times in seconds; `-` as ref marks a
// query that copies nothing (its hits are false positives). Blank lines and '#' comments skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vidrep::retrieval {

struct TruthCopy {
  std::string query;  // as resolved from the file
  std::string ref;    // empty: the query copies nothing
  bool has_segment = false;
  double query_start = 0, query_end = 0, ref_start = 0, ref_end = 0;
};

// Throws OpenError for a missing file, ConfigError naming the line for a malformed one.
std::vector<TruthCopy> load_truth(const std::string& path);

// One scored reference for a query, as search gives it.
struct ScoredRef {
  std::string ref;
  double score = 0;
  double query_start = 0, query_end = 0, ref_start = 0, ref_end = 0;
};

struct QueryResults {
  std::string query;
  std::vector<ScoredRef> refs;  // best first
};

struct RetrievalMetrics {
  int64_t queries = 0;           // evaluated (in the truth)
  int64_t positive_queries = 0;  // with at least one true ref
  int64_t true_pairs = 0;
  double recall_at_1 = 0, recall_at_5 = 0, recall_at_10 = 0;  // over positive queries
  double map = 0;          // mean over positive queries of the AP of its ranked refs
  double micro_ap = 0;     // all (query, ref, score) pooled, ranked by score; recall over true_pairs
  double segment_ap = 0;   // the same, a pair counting only when its query and reference segments
                           // each overlap the truth's with IoU >= 0.5
};

// Paths are compared after resolving them (absolute, symlinks followed), so the truth and the
// results may name files differently. Results for queries absent from the truth are ignored; a
// query of the truth without results counts as found nothing.
RetrievalMetrics evaluate_retrieval(const std::vector<QueryResults>& results, const std::vector<TruthCopy>& truth);

}  // namespace vidrep::retrieval
