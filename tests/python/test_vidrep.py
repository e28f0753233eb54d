"""The Python module: frames equal to the ffmpeg CLI's, metadata, audio, clip sampling,
transforms, tokens, features equal to the CLI's, the retrieval index, both loaders (vidrep's and torch's DataLoader with worker processes), typed
errors, and reading from several threads at once."""

import json
import os
import pickle
import subprocess
import threading
import unittest

import numpy
import torch

import vidrep
from support import CLI, class_folder, ffmpeg_audio, ffmpeg_frame, testsrc, video


class Reading(unittest.TestCase):
    def test_probe(self):
        info = vidrep.probe(testsrc())
        v = [s for s in info["streams"] if s["type"] == "video"][0]
        self.assertEqual((v["frames"], v["width"], v["height"], v["codec"]), (50, 96, 64, "h264"))
        self.assertAlmostEqual(v["fps"], 25.0, places=3)
        self.assertAlmostEqual(info["duration"], 2.0, places=1)

    def test_frames_equal_ffmpeg(self):
        path = testsrc()
        reader = vidrep.VideoReader(path, threads=1)
        self.assertEqual((len(reader), reader.num_frames, reader.width, reader.height), (50, 50, 96, 64))
        frames = reader.read_frames([49, 0, 17, 17])
        self.assertEqual(frames.dtype, torch.uint8)
        self.assertEqual(tuple(frames.shape), (4, 64, 96, 3))
        for k, i in enumerate([49, 0, 17, 17]):
            self.assertTrue(torch.equal(frames[k], ffmpeg_frame(path, i, 64, 96)), f"frame {i}")
        self.assertTrue(torch.equal(reader[-1], frames[0]))
        self.assertTrue(torch.equal(reader[10:20:3], reader.read_range(10, 20, 3)))
        self.assertEqual(reader.read_range().shape[0], 50)
        self.assertEqual(sum(1 for _ in reader), 50)  # iteration stops at IndexError

    def test_resized_and_timed(self):
        path = testsrc()
        reader = vidrep.VideoReader(path, size=(32, 48), threads=1)
        self.assertEqual((reader.width, reader.height, reader.native_width), (48, 32, 96))
        reference = ffmpeg_frame(path, 30, 32, 48, "scale=48:32:flags=area")
        self.assertLessEqual((reader.read_frames([30])[0].int() - reference.int()).abs().max().item(), 1)
        self.assertAlmostEqual(reader.frame_time(30), 1.2, places=6)
        self.assertEqual(reader.frame_at_time(1.23), 30)
        self.assertTrue(torch.equal(reader.read_frames_at([1.23])[0], reader.read_frames([30])[0]))
        self.assertEqual(vidrep.VideoReader(path, short_side=32).width, 48)

    def test_audio_equals_ffmpeg(self):
        path = video("tone.mp4", ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=1.5",
                                  "-c:a", "aac"])
        audio = vidrep.AudioReader(path, sample_rate=16000, mono=True)
        samples = audio.read()
        self.assertEqual((audio.channels, audio.sample_rate, audio.native_rate), (1, 16000, 44100))
        self.assertEqual(samples.dtype, torch.float32)
        reference = ffmpeg_audio(path, 16000)
        n = min(samples.shape[1], reference.shape[0])
        self.assertGreater(n, 23000)
        self.assertGreater(torch.corrcoef(torch.stack([samples[0, :n], reference[:n]]))[0, 1].item(), 0.99)

    def test_threads_share_a_reader(self):
        path = testsrc()
        reader = vidrep.VideoReader(path, threads=1)
        expected = {i: ffmpeg_frame(path, i, 64, 96) for i in (3, 29, 44)}
        errors = []

        def read(i):
            for _ in range(5):
                if not torch.equal(reader.read_frames([i])[0], expected[i]):
                    errors.append(i)

        threads = [threading.Thread(target=read, args=(i,)) for i in expected]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])


class Errors(unittest.TestCase):
    def test_typed_errors_name_the_file(self):
        with self.assertRaises(vidrep.OpenError) as e:
            vidrep.VideoReader("/nonexistent/cam.mp4")
        self.assertIn("/nonexistent/cam.mp4", str(e.exception))
        self.assertTrue(issubclass(vidrep.OpenError, vidrep.Error))
        text = os.path.join(os.path.dirname(testsrc()), "not_a_video.mp4")
        with open(text, "w") as f:
            f.write("this is not a video")
        with self.assertRaises(vidrep.Error):
            vidrep.probe(text)
        reader = vidrep.VideoReader(testsrc())
        with self.assertRaises(vidrep.InvalidArgument) as e:
            reader.read_frames([50])
        self.assertIn("50", str(e.exception))
        with self.assertRaises(IndexError):
            reader[50]
        with self.assertRaises(ValueError):  # InvalidArgument is a ValueError too
            vidrep.Transform("center_crop=500")(torch.zeros(2, 8, 8, 3, dtype=torch.uint8))
        with self.assertRaises(vidrep.InvalidArgument):
            vidrep.sample_clips(10, kind="sideways")
        with self.assertRaises(vidrep.InvalidArgument):
            vidrep.patchify([1, 2, 3])


class SamplingAndTokens(unittest.TestCase):
    def test_sample_and_read_clips(self):
        reader = vidrep.VideoReader(testsrc(), size=32)
        self.assertEqual(vidrep.sample_clips(50, clips=2, length=4, stride=2)[0], [0, 2, 4, 6])
        a = vidrep.sample_clips(reader, kind="random", clips=3, length=8, seed=7)
        self.assertEqual(a, vidrep.sample_clips(reader, kind="random", clips=3, length=8, seed=7))
        self.assertNotEqual(a, vidrep.sample_clips(reader, kind="random", clips=3, length=8, seed=8))
        timed = vidrep.sample_clips(reader, clips=1, length=4, start=1.0, end=1.4)  # frames 25..34
        self.assertEqual(timed, [[28, 29, 30, 31]])  # one uniform clip is the centred one
        clips = vidrep.read_clips(reader, a)
        self.assertEqual(tuple(clips.shape), (3, 8, 32, 32, 3))
        self.assertTrue(torch.equal(clips[1, 3], reader.read_frames([a[1][3]])[0]))

    def test_transform(self):
        clip = torch.randint(0, 256, (4, 20, 30, 3), dtype=torch.uint8)
        crop = vidrep.Transform("center_crop=10x8")
        self.assertTrue(torch.equal(crop(clip), clip[:, 6:14, 10:20]))
        self.assertEqual(str(vidrep.Transform("resize_short=16, normalize=imagenet")), "resize_short=16,normalize=imagenet")
        y = vidrep.Transform("random_resized_crop=12,normalize=0.5:0.25")(clip, seed=3)
        self.assertEqual((tuple(y.shape), y.dtype), ((4, 12, 12, 3), torch.float32))
        self.assertTrue(torch.equal(y, vidrep.Transform("random_resized_crop=12,normalize=0.5:0.25")(clip, seed=3)))
        strided = clip.permute(0, 2, 1, 3).contiguous().permute(0, 2, 1, 3)
        self.assertFalse(strided.is_contiguous())
        self.assertTrue(torch.equal(crop(strided), crop(clip)))

    def test_patchify_pack_round_trip(self):
        clip = torch.randint(0, 256, (4, 32, 48, 3), dtype=torch.uint8)
        p = vidrep.patchify(clip, patch=(2, 16, 16))
        self.assertEqual(tuple(p["tokens"].shape), (2 * 2 * 3, 2 * 16 * 16 * 3))
        self.assertEqual(p["positions"][-1].tolist(), [1, 1, 2])
        self.assertTrue(torch.equal(p["tokens"][0].reshape(2, 16, 16, 3), clip[:2, :16, :16]))
        self.assertTrue(torch.equal(vidrep.unpatchify(p), clip))
        odd = vidrep.patchify(clip[:3, :30], patch="2x16x16", pad="replicate")
        self.assertTrue(torch.equal(vidrep.unpatchify(odd), clip[:3, :30]))
        sets = [torch.randn(n, 5) for n in (7, 3, 6)]
        packed = vidrep.pack(sets, length=10)
        self.assertEqual(packed["tokens"].shape[1:], (10, 5))
        for a, b in zip(vidrep.unpack(packed["tokens"], packed["slots"]), sets):
            self.assertTrue(torch.equal(a, b))
        self.assertEqual(packed["mask"].dtype, torch.bool)
        self.assertEqual(tuple(packed["mask"].shape[1:]), (10, 10))
        s = packed["segments"]
        same = (s[:, :, None] == s[:, None, :]) & (s[:, :, None] > 0)
        padding_self = torch.eye(10, dtype=torch.bool) & (s[:, :, None] == 0)  # a padding query attends to itself
        self.assertTrue(torch.equal(packed["mask"], same | padding_self))


class Representations(unittest.TestCase):
    def test_features_equal_the_cli(self):
        path = testsrc()
        f = vidrep.features(path, kinds="color_hist,edges")
        self.assertEqual(f["clips"], [(0, 16), (16, 32), (32, 48)])
        self.assertEqual(f["features"].shape, (3, sum(g["length"] for g in f["groups"])))
        out = os.path.join(os.path.dirname(path), "features_cli.npy")
        subprocess.run([CLI, "features", path, "--kinds", "color_hist,edges", "--out", out], check=True)
        self.assertTrue(torch.equal(f["features"], torch.from_numpy(numpy.load(out))))

    def test_index_finds_a_reencoded_copy(self):
        sources = [video(f"index_{name}.mp4", ["-f", "lavfi", "-i", f"{src},trim=duration=6", "-c:v", "libx264", "-pix_fmt", "yuv420p"])
                   for name, src in (("bars", "testsrc2=size=160x120:rate=25"),
                                     ("life", "life=size=160x120:rate=25:ratio=0.3:seed=5:mold=10"),
                                     ("mandel", "mandelbrot=size=160x120:rate=25"))]
        query = video("index_query.mp4", ["-i", sources[1], "-vf", "crop=140:100:10:10", "-c:v", "libx264", "-crf", "35"])
        index = vidrep.Index.build(sources[:2])
        self.assertEqual(len(index), 2)
        self.assertEqual(index.add([sources[2], sources[0]]), [(sources[0], "already indexed")])
        hits = index.search(query, k=3)
        self.assertEqual(hits[0]["path"], sources[1])
        self.assertGreater(hits[0]["ref_end"], hits[0]["ref_start"])
        folder = os.path.join(os.path.dirname(query), "python_index")
        index.save(folder)
        self.assertEqual([h["path"] for h in vidrep.Index.open(folder).search(query, k=3)], [h["path"] for h in hits])
        with self.assertRaises(vidrep.OpenError):
            vidrep.Index.open(os.path.dirname(folder) + "/no_index_here")


class Loading(unittest.TestCase):
    def test_vidrep_dataloader(self):
        data = class_folder("classes")
        loader = vidrep.DataLoader(data, batch_size=4, workers=2, clip_len=8, size=32, seed=1)
        self.assertEqual(loader.classes, ["bars", "life"])
        epochs = [[(b["path"], b["video"].clone()) for b in loader] for _ in range(2)]
        for batches in epochs:
            self.assertEqual(sum(len(p) for p, _ in batches), 5)  # 6 videos, a tenth held out as val
            self.assertEqual(tuple(batches[0][1].shape[1:]), (3, 8, 32, 32))
        self.assertNotEqual([p for p, _ in epochs[0]], [p for p, _ in epochs[1]])  # a new shuffle each epoch
        batch = next(iter(loader))
        self.assertEqual(batch["label"].tolist(), [0 if "/bars/" in p else 1 for p in batch["path"]])

    def test_torch_dataloader_with_workers_matches_vidrep(self):
        data = class_folder("classes")
        options = dict(clip_len=8, size=(24, 32), random_clip=False, transform="normalize=0.5:0.25")
        dataset = vidrep.VideoDataset(data, **options)
        self.assertEqual(len(dataset), 5)
        loader = torch.utils.data.DataLoader(dataset, batch_size=2, num_workers=2)
        ours = vidrep.DataLoader(data, batch_size=2, shuffle=False, workers=1, **options)
        for a, b in zip(loader, ours):
            self.assertEqual(tuple(a["video"].shape[1:]), (3, 8, 24, 32))
            self.assertEqual(a["path"], b["path"])
            self.assertTrue(torch.equal(a["label"], b["label"]))
            self.assertTrue(torch.equal(a["video"], b["video"]))
        self.assertEqual(len(list(loader)), 3)
        # Spawned workers get the dataset pickled: it travels as its arguments.
        again = pickle.loads(pickle.dumps(dataset))
        self.assertEqual(again.classes, dataset.classes)
        self.assertTrue(torch.equal(again[3]["video"], dataset[3]["video"]))

    def test_models_load(self):
        import vidrep.models

        net = vidrep.models.build({"arch": "c3d", "num_classes": 3, "frames": 8, "height": 32, "width": 32})
        logits, _ = net(torch.zeros(1, 3, 8, 32, 32), None)
        self.assertEqual(tuple(logits.shape), (1, 3))


def _tree(folder):
    """{relative path: bytes} of the curated outputs (not the work units)."""
    files = {}
    for base, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(base, name)
            rel = os.path.relpath(path, folder)
            if not rel.startswith("work" + os.sep):
                with open(path, "rb") as f:
                    files[rel] = f.read()
    return files


class Curation(unittest.TestCase):
    def raw(self):
        """Two good videos, a re-encode of the first (its clips duplicates), a black one (rejected)."""
        a = video("curate_raw/a_testsrc.mp4", ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3",
                                               "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        video("curate_raw/b_life.mp4", ["-f", "lavfi", "-i", "life=size=160x120:rate=25:mold=10:ratio=0.3:seed=3,trim=duration=3",
                                        "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        video("curate_raw/c_copy.mp4", ["-i", a, "-vf", "scale=128:96", "-c:v", "libx264", "-crf", "30", "-pix_fmt", "yuv420p"])
        video("curate_raw/d_black.mp4", ["-f", "lavfi", "-i", "color=black:size=160x120:rate=25:duration=3",
                                         "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        return os.path.dirname(a)

    def test_dask_cluster_gives_the_cli_outputs(self):
        from dask.distributed import Client, LocalCluster

        raw = self.raw()
        root = os.path.join(os.path.dirname(raw), f"curate_{os.getpid()}")
        config = {"shard_clips": 1}
        with open(root + "_config.json", "w") as f:
            json.dump(config, f)
        subprocess.run([CLI, "curate", raw, "--out", root + "_cli", "--config", root + "_config.json"], check=True,
                       capture_output=True)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            stats = vidrep.curate([raw], root + "_dask", config=config, client=client)
        self.assertEqual(stats["videos"], 4)
        self.assertTrue(stats["staged_by"])
        self.assertNotIn(os.getpid(), stats["staged_by"], "the shards were staged on the cluster's workers")
        self.assertEqual((stats["accepted"], stats["rejected"]), (3, 1))
        self.assertGreater(stats["duplicates"], 0)
        cli, dask = _tree(root + "_cli"), _tree(root + "_dask")
        self.assertIn("manifest.jsonl", cli)
        self.assertGreater(len([p for p in cli if p.startswith("shards")]), 1)
        self.assertEqual(sorted(cli), sorted(dask))
        for name in cli:
            self.assertEqual(cli[name], dask[name], name)
        # In this process, with a config file: the same again.
        here = vidrep.curate([raw], root + "_here", config=root + "_config.json")
        self.assertTrue(here["finished"])
        self.assertEqual(_tree(root + "_here"), cli)
        os.makedirs(root + "_empty", exist_ok=True)
        with self.assertRaises(vidrep.InvalidArgument):
            vidrep.curate([root + "_empty"], root + "_none")
        with self.assertRaises(vidrep.OpenError):
            vidrep.curate([root + "_missing"], root + "_none")


if __name__ == "__main__":
    unittest.main()
