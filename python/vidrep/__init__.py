"""vidrep for Python: frame-exact video reading, clip sampling, transforms, spacetime tokens and
data loading, returning torch tensors over vidrep's own memory (no copies).

    import vidrep
    vidrep.probe("clip.mp4")["streams"][0]["frames"]
    reader = vidrep.VideoReader("clip.mp4", size=(112, 112))
    frames = reader.read_frames([0, 10, 20])          # uint8 [3,112,112,3]
    clips = vidrep.sample_clips(reader, kind="random", clips=8, length=16, seed=7)
    x = vidrep.read_clips(reader, clips)               # uint8 [8,16,112,112,3]
    y = vidrep.Transform("random_resized_crop=96,normalize=imagenet")(x[0], seed=1)

    vidrep.features("clip.mp4", kinds="color_hist,motion")["features"]   # float32 [clips, D]
    index = vidrep.Index.build(["a.mp4", "b.mp4"]); index.search("query.mp4", k=5)
    vidrep.curate(["raw/"], "curated/", client=dask_client)   # curation shards over Dask

    dataset = vidrep.VideoDataset("data/", size=112)   # a torch.utils.data.Dataset
    loader = torch.utils.data.DataLoader(dataset, batch_size=8, num_workers=2)

Errors are vidrep.Error and its subclasses (OpenError, DecodeError, InvalidArgument, ...), with
messages naming the file and the reason. Decoding releases the GIL.
"""

# The extension hands tensors over through torch.utils.dlpack and links the libtorch that torch
# loads: torch comes first.
import torch  # noqa: F401

from ._vidrep import (  # noqa: F401
    AudioReader,
    ConfigError,
    DataLoader,
    DecodeError,
    Error,
    Index,
    InvalidArgument,
    OpenError,
    Transform,
    VideoReader,
    WriteError,
    __version__,
    collect_videos,
    features,
    pack,
    patchify,
    probe,
    read_clips,
    sample_clips,
    unpack,
    unpatchify,
)
from .curation import curate  # noqa: F401,E402
from .data import VideoDataset  # noqa: F401,E402

__all__ = [
    "AudioReader", "ConfigError", "DataLoader", "DecodeError", "Error", "Index", "InvalidArgument", "OpenError",
    "Transform", "VideoDataset", "VideoReader", "WriteError", "collect_videos", "curate", "features", "pack", "patchify", "probe", "read_clips", "sample_clips", "unpack",
    "unpatchify",
]
