"""VideoDataset: a dataset folder (the layouts `vidrep train --data DIR` reads) as a
torch.utils.data.Dataset, for torch's own DataLoader and its worker processes.

    dataset = vidrep.VideoDataset("data/", split="train", clip_len=16, size=112,
                                  transform="random_resized_crop=112,normalize=imagenet")
    loader = torch.utils.data.DataLoader(dataset, batch_size=8, shuffle=True, num_workers=2)
    for batch in loader:
        batch["video"]    # float32 [8,3,16,112,112]
        batch["label"]    # int64 [8]

A sample's random draws (clip start, transform) come from torch's random generator, so
torch.manual_seed (and the DataLoader's per-worker seeding) makes runs repeatable. Each worker
process opens its own files; the dataset pickles as its arguments, so spawned workers work too.
For batches made by vidrep's own threads instead, use vidrep.DataLoader.
"""

import torch

from . import _vidrep


class VideoDataset(torch.utils.data.Dataset):
    """Samples of a dataset folder: dicts of video [3,T,H,W] (float32), audio, label, path,
    index and clip_start. Arguments as vidrep.DataLoader's (data, split, clip_len, frame_stride,
    size, random_clip, transform, video, audio, decoder_threads)."""

    def __init__(self, data, split="train", **options):
        self._args = (data, split)
        self._options = options
        self._samples = _vidrep.Samples(data, split, **options)

    def __len__(self):
        return len(self._samples)

    @property
    def classes(self):
        return self._samples.classes

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        seed = int(torch.randint(0, 2**62, (1,)).item())
        sample = self._samples.load(index, seed)
        # torch's default collate cannot batch None (no audio asked for, an unlabelled folder).
        return {key: value for key, value in sample.items() if value is not None}

    def __getstate__(self):
        return {"args": self._args, "options": self._options}

    def __setstate__(self, state):
        self._args, self._options = state["args"], state["options"]
        self._samples = _vidrep.Samples(*self._args, **self._options)
