"""Curation from Python, in this process or over a Dask cluster.

    import vidrep
    stats = vidrep.curate(["raw/"], "curated/")                     # like `vidrep curate raw/ --out curated/`

    from dask.distributed import Client
    with Client("scheduler:8786") as client:                          # or Client(LocalCluster(...))
        stats = vidrep.curate(["raw/"], "curated/", client=client)   # one shard per worker

With a client, each shard of the videos (every N-th from I, as `vidrep curate --shard I/N`) is
staged by a Dask task on a worker, then the outputs are finished here (`vidrep curate merge`). The
outputs are byte for byte those of the CLI: staging is per video and finishing reads every
shard's work units in the order of their paths. OUT must be a folder every worker and this
process see (a shared file system across machines). A failed or killed run continues where it
stopped when called again.
"""

import json
import os

from . import _vidrep


def _config_text(config):
    if config is None:
        return ""
    if isinstance(config, dict):
        return json.dumps(config)
    with open(os.fspath(config), encoding="utf-8") as f:  # a config file's path
        return f.read()


def _stage_shard(index, *, videos, out, config, ae, count, threads):
    """One Dask task: stage shard index/count (runs on a worker)."""
    result = _vidrep._curate_stage(videos, out, config, ae, index, count, threads)
    result["pid"] = os.getpid()
    return result


def curate(paths, out, *, config=None, ae=None, client=None, shards=None, threads=0):
    """Curates the videos of `paths` (files, folders, list files) into folder `out`.

    config: a curate config (a dict, or the path of its JSON file; None: the defaults).
    ae: an autoencoder run whose latents go into the shards.
    client: a dask.distributed.Client; None runs here, on `threads` threads (0: one per core).
    shards: with a client, how many tasks (default: one per worker); each stages its videos on
    `threads` threads (0: 1, the cluster's workers being the parallelism).
    Returns the statistics `vidrep curate --json` prints (videos, accepted, rejected, clips, ...);
    with a client also staged_by, the process ids of the workers that staged the shards.
    """
    videos = _vidrep.collect_videos([os.fspath(p) for p in paths])
    if not videos:
        raise _vidrep.InvalidArgument("curate: no video files in the paths given")
    out = os.fspath(out)
    config_text = _config_text(config)
    ae = os.fspath(ae) if ae else ""
    if client is None:
        return _vidrep._curate_stage(videos, out, config_text, ae, 0, 1, threads)
    count = shards or max(1, len(client.scheduler_info()["workers"]))
    futures = client.map(_stage_shard, range(count), videos=videos, out=out, config=config_text, ae=ae, count=count,
                         threads=threads or 1, pure=False)
    staged = client.gather(futures)
    result = _vidrep._curate_finish(out, config_text, ae)
    for key in ("videos", "resumed", "input_seconds"):
        result[key] = sum(s[key] for s in staged)
    result["staged_by"] = sorted({s["pid"] for s in staged})  # the worker processes that staged
    return result
