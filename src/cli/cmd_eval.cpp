// vidrep eval --run RUN [--data DIR] [--split test] [--checkpoint best|last] [--json]
// vidrep eval retrieval --index IDX --truth T.tsv [--k K] [--json]
// vidrep eval track --truth GT.txt --result MOT.txt [--iou 0.5] [--json]
#include "cli_common.h"
#include "retrieval_cli.h"

#include "vidrep/error.h"
#include "vidrep/retrieval/evaluate.h"
#include "vidrep/track/mot_metrics.h"
#include "vidrep/train/evaluate.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace vidrep::cli {

namespace {

struct RetrievalArgs {
  std::string index;
  std::string truth;
  int64_t k = 10;
  bool json = false;
};

// Every query of the truth searched in the index, scored against it.
CLI::App* register_eval_retrieval(CLI::App* eval) {
  auto args = std::make_shared<RetrievalArgs>();
  CLI::App* cmd = eval->add_subcommand(
      "retrieval", "Copy detection and retrieval metrics of an index on a ground truth: recall@1/5/10, mAP, "
                   "VSC22 micro-AP, segment AP");
  cmd->add_option("--index", args->index, "Index folder (vidrep index build)")->required();
  cmd->add_option("--truth", args->truth,
                  "Ground truth: lines 'query ref [q_start q_end r_start r_end]', paths relative to the file, "
                  "'-' as ref for a query that copies nothing")
      ->required();
  cmd->add_option("--k", args->k, "Hits kept per query")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "One JSON object with the metrics");
  cmd->callback([args] {
    const retrieval::VideoIndex index = retrieval::VideoIndex::open(args->index);
    const std::vector<retrieval::TruthCopy> truth = retrieval::load_truth(args->truth);
    std::vector<std::string> queries;
    for (const auto& t : truth) {
      if (std::find(queries.begin(), queries.end(), t.query) == queries.end()) queries.push_back(t.query);
    }
    std::vector<retrieval::QueryResults> results;
    ProgressBar bar;
    for (size_t i = 0; i < queries.size(); ++i) {
      bar.update(static_cast<double>(i) / static_cast<double>(queries.size()),
                 fmt::format("searching {}/{}  {}", i + 1, queries.size(), queries[i]));
      retrieval::QueryResults r{queries[i], {}};
      retrieval::SearchOptions search;
      search.k = args->k;
      for (const auto& h : index.search(index.embed(queries[i]), search)) {
        r.refs.push_back({index.videos()[h.video].canonical, h.score, h.query_start, h.query_end, h.ref_start,
                          h.ref_end});
      }
      results.push_back(std::move(r));
    }
    bar.clear();
    const retrieval::RetrievalMetrics m = retrieval::evaluate_retrieval(results, truth);
    const nlohmann::json j = {{"index", args->index},         {"truth", args->truth},
                              {"queries", m.queries},         {"positive_queries", m.positive_queries},
                              {"true_pairs", m.true_pairs},   {"recall_at_1", m.recall_at_1},
                              {"recall_at_5", m.recall_at_5}, {"recall_at_10", m.recall_at_10},
                              {"map", m.map},                 {"micro_ap", m.micro_ap},
                              {"segment_ap", m.segment_ap}};
    if (args->json) {
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{} queries ({} with a copy in the index): recall@1 {:.3f}  recall@5 {:.3f}  recall@10 {:.3f}  "
                 "mAP {:.3f}  micro-AP {:.3f}  segment AP {:.3f}\n",
                 m.queries, m.positive_queries, m.recall_at_1, m.recall_at_5, m.recall_at_10, m.map, m.micro_ap,
                 m.segment_ap);
    }
  });
  return cmd;
}

struct TrackArgs {
  std::string truth, result;
  float iou = 0.5f;
  bool json = false;
};

// MOTChallenge metrics of a tracking result (vidrep track --mot) against a ground truth.
CLI::App* register_eval_track(CLI::App* eval) {
  auto args = std::make_shared<TrackArgs>();
  CLI::App* cmd = eval->add_subcommand("track", "Tracking metrics of MOTChallenge text against a ground truth: MOTA, "
                                                "MOTP, IDF1, misses, false positives, identity switches");
  cmd->add_option("--truth", args->truth, "Ground truth, MOTChallenge text (frame,id,x,y,w,h,...)")->required();
  cmd->add_option("--result", args->result, "Tracks, MOTChallenge text (vidrep track --mot)")->required();
  cmd->add_option("--iou", args->iou, "Least overlap of a match")->capture_default_str();
  cmd->add_flag("--json", args->json,
                "One JSON object: mota, motp, idf1, idp, idr, misses, false_positives, id_switches, matches, "
                "truth_boxes, result_boxes, truth_ids, result_ids");
  cmd->callback([args] {
    const track::MotMetrics m =
        track::evaluate_tracking(track::load_mot(args->truth), track::load_mot(args->result), args->iou);
    if (args->json) {
      fmt::print("{}\n", nlohmann::json{{"mota", m.mota}, {"motp", m.motp}, {"idf1", m.idf1}, {"idp", m.idp},
                                        {"idr", m.idr}, {"misses", m.misses}, {"false_positives", m.false_positives},
                                        {"id_switches", m.id_switches}, {"matches", m.matches},
                                        {"truth_boxes", m.truth_boxes}, {"result_boxes", m.result_boxes},
                                        {"truth_ids", m.truth_ids}, {"result_ids", m.result_ids}}
                             .dump());
      return;
    }
    fmt::print("MOTA {:.3f}  MOTP {:.3f}  IDF1 {:.3f} (IDP {:.3f}, IDR {:.3f})\n", m.mota, m.motp, m.idf1, m.idp, m.idr);
    fmt::print("{} truth boxes of {} objects, {} tracked boxes of {} tracks: {} misses, {} false positives, {} identity "
               "switches\n",
               m.truth_boxes, m.truth_ids, m.result_boxes, m.result_ids, m.misses, m.false_positives, m.id_switches);
  });
  return cmd;
}

}  // namespace

void register_eval(CLI::App& app) {
  auto args = std::make_shared<std::pair<std::string, EvalOptions>>();
  auto json = std::make_shared<bool>(false);
  EvalOptions& o = args->second;
  CLI::App* cmd = app.add_subcommand("eval", "Metrics of a trained run on a dataset split: top-1/top-5, per-class P/R/F1, confusion");
  cmd->add_option("--run", args->first, "Run folder written by vidrep train (required but for `eval retrieval` and `eval track`)");
  cmd->add_option("--data", o.data, "Dataset folder (default: the run's)");
  cmd->add_option("--split", o.split, "train | val | test")->capture_default_str();
  cmd->add_option("--checkpoint", o.checkpoint, "best | last")->capture_default_str();
  cmd->add_option("--threads", o.threads, "LibTorch threads (default: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--workers", o.workers, "Loader threads")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", *json, "One JSON object: accuracy, top5, macro_f1, micro_f1, per_class, confusion");
  CLI::App* retrieval = register_eval_retrieval(cmd);
  CLI::App* tracking = register_eval_track(cmd);
  cmd->callback([args, json, retrieval, tracking] {
    if (retrieval->parsed() || tracking->parsed()) return;
    if (args->first.empty()) throw InvalidArgument("eval: --run is required");
    const EvalResult r = evaluate_run(args->first, args->second);
    for (const auto& s : r.skipped) fmt::print(stderr, "vidrep: skipped unreadable file {}\n", s);
    if (*json) {
      nlohmann::json j = r.report;
      j["loss"] = r.loss;
      j["split"] = args->second.split;
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{} on the {} split\n{}", args->first, args->second.split, format_report(r.report));
    }
  });
}

}  // namespace vidrep::cli
