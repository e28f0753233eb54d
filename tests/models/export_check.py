"""Checks vidrep exports against the C++ outputs (run by tests/models/export_test.cpp).

    export_check.py PYTHON_DIR CASE_DIR...    (PYTHON_DIR: build/python, which holds the vidrep package)

Each CASE_DIR holds an export (model.json, weights.pt) and the C++ side's video.npy / audio.npy
inputs and logits.npy / embedding.npy outputs, or an autoencoder export (autoencoder.json) with
video.npy and the C++ latent.npy / reconstruction.npy. Prints one line per case; exit status 1 when any
output differs by 1e-4 or more, 3 when torch cannot be imported (the C++ test then skips).
"""

import os
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"cannot import torch/numpy: {e}")
    sys.exit(3)

sys.path.insert(0, sys.argv[1])
from vidrep import models  # noqa: E402

torch.set_num_threads(1)
failed = False
for case in sys.argv[2:]:
    net = models.load_export(case)

    def load(name):
        path = os.path.join(case, name)
        return torch.from_numpy(np.load(path)) if os.path.exists(path) else None

    if isinstance(net, models.CausalAutoencoder):
        with torch.no_grad():
            latent = net.encode(load("video.npy"))
            reconstruction = net.decode(latent)
        names, outputs = ("latent", "reconstruction"), (latent, reconstruction)
    else:
        with torch.no_grad():
            outputs = net(load("video.npy"), load("audio.npy"))
        names = ("logits", "embedding")
    diffs = [(out - load(f"{name}.npy")).abs().max().item() for name, out in zip(names, outputs)]
    ok = all(d < 1e-4 for d in diffs)
    failed |= not ok
    print(f"{'ok' if ok else 'BAD'} {os.path.basename(case)}: "
          + ", ".join(f"{name} {d:.2e}" for name, d in zip(names, diffs))
          + f" (|{names[0]}| up to {outputs[0].abs().max().item():.2f})")
sys.exit(1 if failed else 0)
