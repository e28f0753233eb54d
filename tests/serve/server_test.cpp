// The web app's server (serve/server.h) through its HTTP API, as the page and other clients use
// it: videos of an index listed, thumbnails, byte ranges and previews of files a browser cannot
// play, neighbours and an uploaded clip ranking their source first, run reports, a watch's alert
// log followed; no path outside its roots readable, bad requests answered with 4xx while it
// keeps serving, uploads bounded.
#include "vidrep/serve/server.h"

#include "vidrep/error.h"
#include "vidrep/io/probe.h"
#include "vidrep/retrieval/video_index.h"
#include "vidrep/track/watch.h"
#include "vidrep/train/run.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "support/fixtures.h"

namespace vidrep {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// Three unrelated 6-second videos, a fourth in AVI (MPEG-4 Part 2, which browsers do not play),
// and seconds 1-5 of the first, smaller and at a lower quality: its near-duplicate.
std::vector<std::string> videos() {
  const std::string common = " -pix_fmt yuv420p -c:v libx264 -preset veryfast";
  const std::string mandelbrot = test::make_video("serve_mandelbrot.mp4", "-f lavfi -i mandelbrot=size=160x120:rate=10,hue=h=t*40 -t 6" + common);
  return {
      mandelbrot,
      test::make_video("serve_life.mp4", "-f lavfi -i life=size=160x120:rate=10:mold=10:ratio=0.2:life_color=#40ff80 -t 6" + common),
      test::make_video("serve_testsrc.mp4", "-f lavfi -i testsrc2=size=160x120:rate=10 -t 6" + common),
      test::make_video("serve_cellauto.avi", "-f lavfi -i cellauto=size=160x120:rate=10:rule=30 -t 6 -c:v mpeg4 -q:v 4"),
      test::make_video("serve_mandelbrot_copy.mp4", "-ss 1 -t 4 -i " + mandelbrot + " -vf scale=128:96 -an -crf 35" + common),
  };
}

std::string index_dir() {
  return test::made_folder("serve_index", [](const std::string& folder) {
    retrieval::VideoIndex::build(videos(), {}).save(folder);
  });
}

// A classifier run folder with two epochs of metrics (no checkpoint: reported as curves only).
std::string runs_dir() {
  return test::made_folder("serve_runs", [](const std::string& folder) {
    RunInfo run;
    run.dir = (fs::path(folder) / "c3d-small").string();
    run.config = default_train_config(Task::Classify);
    run.config.model.num_classes = 2;
    run.classes = {"left", "right"};
    save_run_info(run);
    std::ofstream(run.metrics_path()) << R"({"epoch":1,"lr":0.001,"train_loss":0.9,"val_loss":1.1,"val_accuracy":0.5})" "\n"
                                      << R"({"epoch":2,"lr":0.0005,"train_loss":0.6,"val_loss":0.8,"val_accuracy":0.75})" "\n";
    fs::create_directories(fs::path(folder) / "not-a-run");
  });
}

// A server on a free port of 127.0.0.1, serving in a thread of its own.
struct Running {
  serve::Server server;
  int port;
  std::thread thread;
  explicit Running(const serve::ServeOptions& o) : server(o), port(server.bind()), thread([this] { server.run(); }) {}
  ~Running() {
    server.stop();
    thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(120);
    return c;
  }
};

serve::ServeOptions options(const std::string& alerts = "") {
  serve::ServeOptions o;
  o.index = index_dir();
  o.runs = runs_dir();
  o.alerts = alerts;
  o.port = 0;
  o.threads = 2;
  return o;
}

json get_json(const httplib::Client& c, const std::string& path, int status = 200) {
  auto r = const_cast<httplib::Client&>(c).Get(path.c_str());
  EXPECT_TRUE(r) << path;
  if (!r) return {};
  EXPECT_EQ(r->status, status) << path << ": " << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << path;
  return json::parse(r->body);
}

httplib::Result upload(httplib::Client& c, const std::string& bytes, const std::string& filename, const std::string& field = "clip") {
  httplib::MultipartFormDataItems items = {{field, bytes, filename, "video/mp4"}};
  return c.Post("/api/search", items);
}

TEST(Serve, ServesThePageAndListsWhatItServes) {
  Running s(options());
  auto c = s.client();
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<title>vidrep</title>"), std::string::npos);
  const json info = get_json(c, "/api/info");
  EXPECT_EQ(info["index"]["videos"], 5);
  EXPECT_EQ(info["index"]["method"], "features");
  const json list = get_json(c, "/api/videos");
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[0]["name"], "serve_mandelbrot.mp4");
  EXPECT_NEAR(list[0]["duration"].get<double>(), 6.0, 0.05);
  const json one = get_json(c, "/api/videos/3");
  EXPECT_EQ(one["codec"], "mpeg4");
  EXPECT_EQ(one["frames"], 60);
  EXPECT_FALSE(one["playable"].get<bool>());
  EXPECT_TRUE(get_json(c, "/api/videos/0")["playable"].get<bool>());
}

TEST(Serve, ThumbnailsArePngsOfTheAskedFrame) {
  Running s(options());
  auto c = s.client();
  auto middle = c.Get("/api/videos/2/thumbnail.png");
  auto early = c.Get("/api/videos/2/thumbnail.png?t=0.5");
  ASSERT_TRUE(middle && early);
  ASSERT_EQ(middle->status, 200);
  EXPECT_EQ(middle->get_header_value("Content-Type"), "image/png");
  ASSERT_GT(middle->body.size(), 24u);
  EXPECT_EQ(middle->body.substr(1, 3), "PNG");
  // IHDR: width and height, big-endian, at bytes 16 and 20: the video's own 160x120.
  const auto be32 = [](const std::string& b, size_t at) {
    return (static_cast<uint8_t>(b[at]) << 24) | (static_cast<uint8_t>(b[at + 1]) << 16) | (static_cast<uint8_t>(b[at + 2]) << 8) |
           static_cast<uint8_t>(b[at + 3]);
  };
  EXPECT_EQ(be32(middle->body, 16), 160u);
  EXPECT_EQ(be32(middle->body, 20), 120u);
  // testsrc2 moves: another second, another picture.
  EXPECT_NE(middle->body, early->body);
}

TEST(Serve, VideosPlayWithByteRangesAndUnplayableOnesArePreviewed) {
  Running s(options());
  auto c = s.client();
  const std::string file = test::read_bytes(videos()[0]);
  auto whole = c.Get("/api/videos/0/video");
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->get_header_value("Content-Type"), "video/mp4");
  EXPECT_EQ(whole->body, file);
  auto part = c.Get("/api/videos/0/video", {{"Range", "bytes=100-1099"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, file.substr(100, 1000));

  auto preview = c.Get("/api/videos/3/video");
  ASSERT_TRUE(preview);
  ASSERT_EQ(preview->status, 200) << preview->body;
  EXPECT_EQ(preview->get_header_value("Content-Type"), "video/mp4");
  const std::string saved = test::scratch_dir("serve_preview") + "/preview.mp4";
  std::ofstream(saved, std::ios::binary) << preview->body;
  const MediaInfo m = probe(saved);
  ASSERT_FALSE(m.streams.empty());
  EXPECT_EQ(m.streams[0].codec, "h264");
  EXPECT_EQ(m.streams[0].frames, 60);
}

TEST(Serve, NeighboursAndAnUploadedExcerptRankTheirSourceFirst) {
  serve::ServeOptions o = options();
  o.cache = test::scratch_dir("serve_upload_cache");
  Running s(o);
  auto c = s.client();
  // The copy is the mandelbrot video's nearest neighbour, matched at its seconds 1-5; unrelated
  // videos match no segment and are not listed.
  const json neighbours = get_json(c, "/api/videos/0/neighbours?k=3");
  ASSERT_FALSE(neighbours.empty());
  EXPECT_EQ(neighbours[0]["id"], 4);
  EXPECT_EQ(neighbours[0]["name"], "serve_mandelbrot_copy.mp4");
  EXPECT_NEAR(neighbours[0]["query_start"].get<double>(), 1.0, 1.01);
  EXPECT_NEAR(neighbours[0]["ref_end"].get<double>(), 4.0, 1.01);
  for (const json& h : neighbours) EXPECT_NE(h["id"], 0) << "a video is not its own neighbour";

  // Seconds 2-5 of the testsrc video, mirrored and re-encoded smaller.
  const std::string excerpt = test::make_video("serve_excerpt.mp4", "-ss 2 -t 3 -i " + videos()[2] +
                                                                        " -vf hflip,scale=128:96 -an -c:v libx264 -preset veryfast");
  auto r = upload(c, test::read_bytes(excerpt), "my clip.mp4");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json result = json::parse(r->body);
  EXPECT_EQ(result["query"], "my clip.mp4");
  ASSERT_FALSE(result["hits"].empty());
  const json& best = result["hits"][0];
  EXPECT_EQ(best["id"], 2);
  EXPECT_EQ(best["name"], "serve_testsrc.mp4");
  EXPECT_NEAR(best["ref_start"].get<double>(), 2.0, 1.01);
  EXPECT_NEAR(best["ref_end"].get<double>(), 5.0, 1.01);
  // The upload is not kept.
  EXPECT_TRUE(fs::is_empty(o.cache));
}

TEST(Serve, RefusesPathsOutsideItsRoots) {
  const std::string alerts = test::scratch_dir("serve_alerts_roots");
  std::ofstream(alerts + "/000001-intrusion.png") << "png";
  Running s(options(alerts));
  auto c = s.client();
  for (const char* path : {"/alerts/../../../../etc/passwd", "/alerts/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/alerts/%2Fetc%2Fpasswd",
                           "/alerts/000001-intrusion.txt", "/alerts/alerts.jsonl", "/../../etc/passwd",
                           "/report?run=..", "/report?run=../../../etc", "/report?run=%2Fetc", "/report?run=not-a-run",
                           "/api/videos/5/video", "/api/videos/-1/thumbnail.png", "/api/videos/1e3", "/api/videos/0x1",
                           "/api/videos/99999999999999999999999/video", "/api/videos/..%2F..%2Fetc%2Fpasswd/video"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_GE(r->status, 400) << path;
    EXPECT_LT(r->status, 500) << path;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << path;
  }
  auto ok = c.Get("/alerts/000001-intrusion.png");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "png");
}

TEST(Serve, BadRequestsGet4xxAndItKeepsServing) {
  serve::ServeOptions o = options();
  o.max_upload = 4096;
  Running s(o);
  auto c = s.client();
  EXPECT_EQ(get_json(c, "/no/such/page", 404)["error"], "no such page: /no/such/page");
  EXPECT_NE(get_json(c, "/api/videos/0/neighbours?k=0", 400)["error"].get<std::string>().find("k: expected"), std::string::npos);
  EXPECT_NE(get_json(c, "/api/videos/0/thumbnail.png?t=abc", 400)["error"].get<std::string>().find("t:"), std::string::npos);
  EXPECT_NE(get_json(c, "/api/videos/0/thumbnail.png?t=1e9", 400)["error"].get<std::string>().find("t:"), std::string::npos);

  auto not_video = upload(c, std::string(2000, 'x'), "notes.mp4");
  ASSERT_TRUE(not_video);
  EXPECT_EQ(not_video->status, 422);
  const std::string why = json::parse(not_video->body)["error"];
  EXPECT_NE(why.find("notes.mp4"), std::string::npos) << why;
  EXPECT_EQ(why.find("upload-"), std::string::npos) << "names the upload, not the server's file: " << why;

  auto too_big = upload(c, std::string(10000, 'x'), "big.mp4");
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);
  auto wrong_field = upload(c, "abc", "a.mp4", "file");
  ASSERT_TRUE(wrong_field);
  EXPECT_EQ(wrong_field->status, 400);
  auto empty = upload(c, "", "a.mp4");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  auto not_form = c.Post("/api/search", "hello", "text/plain");
  ASSERT_TRUE(not_form);
  EXPECT_EQ(not_form->status, 400);
  auto wrong_method = c.Delete("/api/videos");
  ASSERT_TRUE(wrong_method);
  EXPECT_GE(wrong_method->status, 400);

  EXPECT_EQ(get_json(c, "/api/info")["index"]["videos"], 5);
}

TEST(Serve, RunsAndTheirReports) {
  Running s(options());
  auto c = s.client();
  const json runs = get_json(c, "/api/runs");
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_EQ(runs[0]["name"], "c3d-small");
  EXPECT_EQ(runs[0]["task"], "classify");
  EXPECT_EQ(runs[0]["epochs"], 2);
  EXPECT_EQ(runs[0]["classes"], 2);
  auto page = c.Get("/report?run=c3d-small");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("id=\"report-data\""), std::string::npos);
  EXPECT_NE(page->body.find("0.75"), std::string::npos) << "the metrics' numbers are in the page";
  // Evaluated: this run's dataset is not there, which the page says (as `vidrep report` does).
  auto evaluated = c.Get("/report?run=c3d-small&eval=1");
  ASSERT_TRUE(evaluated);
  EXPECT_EQ(evaluated->status, 200);
  EXPECT_NE(evaluated->body.find("not evaluated"), std::string::npos);
}

TEST(Serve, AlertsFollowTheWatchLog) {
  const std::string alerts = test::scratch_dir("serve_alerts");
  Running s(options(alerts));
  auto c = s.client();
  EXPECT_EQ(get_json(c, "/api/alerts")["count"], 0);
  const std::string log = (fs::path(alerts) / track::kAlertLog).string();
  std::ofstream(alerts + "/000001-intrusion.png") << "png";
  {
    std::ofstream out(log, std::ios::app);
    out << json{{"kind", "alert"}, {"type", "intrusion"}, {"start", 1.5}, {"end", 1.5}, {"score", 1},
                {"clip", alerts + "/000001-intrusion.mp4"}, {"thumbnail", alerts + "/000001-intrusion.png"}}.dump() << "\n";
    out << R"({"kind": "alert", "type": "loitering", "sta)";  // still being written
  }
  json now = get_json(c, "/api/alerts");
  ASSERT_EQ(now["count"], 1);
  EXPECT_EQ(now["alerts"][0]["type"], "intrusion");
  EXPECT_EQ(now["alerts"][0]["number"], 1);
  EXPECT_EQ(now["alerts"][0]["thumbnail_url"], "/alerts/000001-intrusion.png");
  EXPECT_TRUE(now["alerts"][0]["clip_url"].is_null()) << "the clip is still recording";
  std::ofstream(alerts + "/000001-intrusion.mp4") << "mp4";
  std::ofstream(log, std::ios::app) << R"(rt": 4, "end": 9, "score": 2.1, "clip": "", "thumbnail": ""})" "\n";
  now = get_json(c, "/api/alerts");
  ASSERT_EQ(now["count"], 2);
  EXPECT_EQ(now["alerts"][0]["clip_url"], "/alerts/000001-intrusion.mp4");
  EXPECT_EQ(now["alerts"][1]["type"], "loitering");
  EXPECT_TRUE(now["alerts"][1]["thumbnail_url"].is_null());
}

TEST(Serve, RefusesWhatItCannotServe) {
  serve::ServeOptions o = options();
  o.index = test::scratch_dir("serve_not_an_index");
  EXPECT_NE(test::error_message<OpenError>([&] { serve::Server s(o); }).find("serve_not_an_index"), std::string::npos);
  o = options();
  o.runs = "/no/such/runs";
  EXPECT_NE(test::error_message<OpenError>([&] { serve::Server s(o); }).find("/no/such/runs"), std::string::npos);
  // A port in use.
  Running first(options());
  o = options();
  o.port = first.port;
  serve::Server second(o);
  EXPECT_NE(test::error_message<OpenError>([&] { second.bind(); }).find("cannot listen"), std::string::npos);
}

}  // namespace
}  // namespace vidrep
