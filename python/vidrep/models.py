"""vidrep.models: reference PyTorch definitions of vidrep's networks (src/vidrep/models/), for Python users of
`vidrep export` / vidrep::export_network().

Every module has the parameter and buffer names of its C++ network (VideoNet, Autoencoder), so the exported state dict
loads with load_state_dict(strict=True) and the outputs match the C++ ones to float rounding:

    from vidrep import models
    net = models.load_export("exported/")        # eval mode
    logits, embedding = net(video, audio)               # video [B,3,T,H,W], audio [B,F,M] float32

An exported autoencoder run (`vidrep export --run AE_RUN`) comes back as a CausalAutoencoder:

    ae = models.load_export("exported_ae/")
    latent = ae.encode(video)                           # [B,3,1+4k,H,W] in [0,1] -> [B,16,1+k,H/8,W/8]
    frames = ae.decode(latent)

Inputs the modality does not use may be None. The networks are plain nn.Modules: they can be
fine-tuned, or turned into TorchScript with torch.jit.trace (the trace is not tied to the batch size
it was traced with). This file requires torch >= 1.13 and nothing else (it also works copied alone).
"""

import json
import math
import os

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ModelConfig", "VideoNet", "build", "AutoencoderConfig", "CausalAutoencoder", "build_autoencoder", "load_export"]

# The defaults of vidrep::ModelConfig (src/vidrep/models/config.h).
DEFAULTS = {
    "arch": "c3d", "modality": "video", "fusion": "concat", "num_classes": 0, "multi_label": False, "in_channels": 3,
    "frames": 16, "height": 32, "width": 32, "mel_frames": 124, "mel_bins": 40,
    "channels": 16, "frame_pool": 2, "frame_diff": True, "hidden": 64, "rnn": "gru", "embed_dim": 64,
    "dropout": 0.2,
    "patch_t": 4, "patch_h": 4, "patch_w": 4, "depth": 2, "heads": 4,
    "positions": "learned", "pooling": "mean",
}


class _Config:
    """A config JSON object as attributes, with the C++ defaults; unknown keys are an error, as in C++."""

    what, defaults = "config", {}

    def __init__(self, **values):
        unknown = set(values) - set(self.defaults)
        if unknown:
            raise ValueError(f"{self.what}: unknown key(s) {sorted(unknown)}")
        for key, default in self.defaults.items():
            setattr(self, key, values.get(key, default))


class ModelConfig(_Config):
    """model.json (vidrep::ModelConfig)."""

    what, defaults = "model config", DEFAULTS


def make_rnn(kind, input_size, hidden):
    cls = nn.LSTM if kind == "lstm" else nn.GRU
    return cls(input_size, hidden, batch_first=True)


def run_rnn(rnn, sequence):
    """[B,T,input] -> (final hidden [B,hidden], outputs [B,T,hidden])."""
    outputs, state = rnn(sequence)
    h_n = state[0] if isinstance(rnn, nn.LSTM) else state
    return h_n[0], outputs


class Attention(nn.Module):
    """Multi-head attention with explicit q, k, v, out Linear layers (models/attention.h)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = 1.0 / math.sqrt(dim // heads)  # a Python float: torch.jit.trace keeps it constant
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, query, context):
        n, lq, dim = query.shape
        lk = context.shape[1]
        hd = dim // self.heads

        def split(x, length):
            return x.view(n, length, self.heads, hd).transpose(1, 2)

        q = split(self.q(query), lq) * self.scale
        k = split(self.k(context), lk)
        v = split(self.v(context), lk)
        weights = torch.softmax(torch.matmul(q, k.transpose(-2, -1)), -1)
        mixed = torch.matmul(weights, v).transpose(1, 2).reshape(n, lq, dim)
        return self.out(mixed)


# ---- per-frame 2D networks (models/frame2d.h, models/cnn_lstm.h) ----

class FrameCnn(nn.Module):
    def __init__(self, c, in_channels):
        super().__init__()
        layers, cin = [], in_channels
        for cout in (c.channels, 2 * c.channels, 4 * c.channels):
            layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
            cin = cout
        self.stages = nn.Sequential(*layers)
        self.pool = c.frame_pool
        self.proj = nn.Linear(cin * c.frame_pool * c.frame_pool, c.hidden)

    def forward(self, images):
        maps = F.adaptive_avg_pool2d(self.stages(images), (self.pool, self.pool))
        return F.relu(self.proj(maps.flatten(1)))


def per_frame(cnn, video):
    b, ch, t, h, w = video.shape
    frames = video.transpose(1, 2).reshape(b * t, ch, h, w)
    return cnn(frames).view(b, t, -1)


class Frame2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.cnn = FrameCnn(c, c.in_channels)

    def forward(self, video):
        tokens = per_frame(self.cnn, video)
        return tokens.mean(1), tokens


def with_frame_diff(video):
    """[B,C,T,H,W] -> [B,2C+2,T,H,W]: the frames, their differences from the previous one and the
    normal-flow products -It * grad I summed over channels (models/encoder.h)."""
    diff = torch.cat([torch.zeros_like(video[:, :, :1]), video[:, :, 1:] - video[:, :, :-1]], 2)

    def central(x, dim):
        n = x.shape[dim]
        g = torch.zeros_like(x)
        if n > 2:
            g.narrow(dim, 1, n - 2).copy_((x.narrow(dim, 2, n - 2) - x.narrow(dim, 0, n - 2)) * 0.5)
        return g

    flow_x = -(diff * central(video, 4)).sum(1, keepdim=True)
    flow_y = -(diff * central(video, 3)).sum(1, keepdim=True)
    return torch.cat([video, diff, flow_x, flow_y], 1)


class CnnLstm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.frame_diff = c.frame_diff
        self.cnn = FrameCnn(c, 2 * c.in_channels + 2 if c.frame_diff else c.in_channels)
        self.rnn = make_rnn(c.rnn, c.hidden, c.hidden)

    def forward(self, video):
        return run_rnn(self.rnn, per_frame(self.cnn, with_frame_diff(video) if self.frame_diff else video))


# ---- 3D CNN (models/c3d.h) ----

def conv3d_block(cin, cout, kernel, stride):
    return [nn.Conv3d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm3d(cout), nn.ReLU()]


class C3d(nn.Module):
    def __init__(self, c):
        super().__init__()
        ch, reduced = c.channels, max(1, c.channels // 2)
        self.frame_diff = c.frame_diff
        self.stem = nn.Sequential(*conv3d_block(2 * c.in_channels + 2 if c.frame_diff else c.in_channels, ch, 3, (1, 2, 2)))
        self.down1 = nn.Sequential(*conv3d_block(ch, 2 * ch, 3, 2))
        self.branch3 = nn.Sequential(*conv3d_block(2 * ch, ch, 3, 1))
        self.branch5 = nn.Sequential(*conv3d_block(2 * ch, reduced, 1, 1), *conv3d_block(reduced, ch, 5, 1))
        self.down2 = nn.Sequential(*conv3d_block(2 * ch, 4 * ch, 3, 2))
        self.down3 = nn.Sequential(*conv3d_block(4 * ch, 4 * ch, 3, 2))
        self.proj = nn.Linear(4 * ch, c.hidden)

    def forward(self, video):
        x = self.down1(self.stem(with_frame_diff(video) if self.frame_diff else video))
        x = x + torch.cat([self.branch3(x), self.branch5(x)], 1)
        x = self.down3(self.down2(x))
        tokens = self.proj(x.flatten(2).transpose(1, 2))
        return tokens.mean(1), tokens


# ---- spacetime transformer (models/vit.h) ----

def sinusoid_table(positions, dims):
    p = torch.arange(positions, dtype=torch.float64).unsqueeze(1)
    i = torch.arange(0, dims, 2, dtype=torch.float64)
    angle = p * torch.exp(i * (-math.log(10000.0) / dims))
    table = torch.zeros(positions, dims, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angle)
    table[:, 1::2] = torch.cos(angle)[:, : dims // 2]
    return table.float()


class DividedBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.temporal_attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.spatial_attn = Attention(dim, heads)
        self.norm3 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        b, t, s, d = x.shape
        h = self.norm1(x).transpose(1, 2).reshape(b * s, t, d)
        x = x + self.temporal_attn(h, h).view(b, s, t, d).transpose(1, 2)
        h = self.norm2(x).reshape(b * t, s, d)
        x = x + self.spatial_attn(h, h).view(b, t, s, d)
        return x + self.mlp(self.norm3(x))


class Vit(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c.hidden
        self.grid = (c.frames // c.patch_t, c.height // c.patch_h, c.width // c.patch_w)
        gt, gh, gw = self.grid
        patch = (c.patch_t, c.patch_h, c.patch_w)
        self.frame_diff = c.frame_diff
        self.patch_embed = nn.Conv3d(2 * c.in_channels + 2 if c.frame_diff else c.in_channels, d, patch, stride=patch)
        self.learned = c.positions == "learned"
        if self.learned:
            self.pos_t = nn.Parameter(torch.randn(gt, d) * 0.02)
            self.pos_h = nn.Parameter(torch.randn(gh, d) * 0.02)
            self.pos_w = nn.Parameter(torch.randn(gw, d) * 0.02)
        else:
            dh = dw = d // 3
            dt = d - dh - dw
            pos = torch.cat([sinusoid_table(gt, dt).view(gt, 1, 1, dt).expand(gt, gh, gw, dt),
                             sinusoid_table(gh, dh).view(1, gh, 1, dh).expand(gt, gh, gw, dh),
                             sinusoid_table(gw, dw).view(1, 1, gw, dw).expand(gt, gh, gw, dw)], 3)
            self.register_buffer("pos", pos.contiguous())
        self.blocks = nn.ModuleList([DividedBlock(d, c.heads) for _ in range(c.depth)])
        self.stpp = c.pooling == "stpp"
        if self.stpp:
            self.stpp_proj = nn.Linear(15 * d, d)

    def positions(self, gt, gh, gw):
        # The first gt x gh x gw of the grid built for: smaller clips (bucketed batches) take the
        # same position of each index.
        if not self.learned:
            return self.pos[:gt, :gh, :gw]
        return self.pos_t[:gt].view(gt, 1, 1, -1) + self.pos_h[:gh].view(1, gh, 1, -1) + self.pos_w[:gw].view(1, 1, gw, -1)

    def forward(self, video):
        b = video.shape[0]
        x = self.patch_embed(with_frame_diff(video) if self.frame_diff else video).permute(0, 2, 3, 4, 1)
        gt, gh, gw, d = x.shape[1:]
        x = (x + self.positions(gt, gh, gw)).reshape(b, gt, gh * gw, d)
        for block in self.blocks:
            x = block(x)
        tokens = x.view(b, -1, d)
        if not self.stpp:
            return tokens.mean(1), tokens
        grid = tokens.view(b, gt, gh, gw, d).permute(0, 4, 1, 2, 3)
        cells = [F.adaptive_avg_pool3d(grid, (lt, ls, ls)).flatten(1) for lt in (1, 2) for ls in (1, 2)]
        return self.stpp_proj(torch.cat(cells, 1)), tokens


# ---- audio (models/audio_encoder.h) and fusion (models/fusion.h) ----

class AudioEncoder(nn.Module):
    TIME_POOL = 4

    def __init__(self, c):
        super().__init__()
        self.norm = nn.BatchNorm1d(c.mel_bins)
        self.rnn = make_rnn(c.rnn, c.mel_bins, c.hidden)

    def forward(self, mel):
        x = self.norm(mel.transpose(1, 2))
        x = F.avg_pool1d(x, self.TIME_POOL, self.TIME_POOL, 0, ceil_mode=True)
        return run_rnn(self.rnn, x.transpose(1, 2).contiguous())


class Fusion(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c.hidden
        self.kind = c.fusion
        if self.kind == "concat":
            self.proj = nn.Linear(2 * h, h)
        elif self.kind == "mean":
            self.video_proj = nn.Linear(h, h)
            self.audio_proj = nn.Linear(h, h)
        elif self.kind == "gated":
            self.gate = nn.Linear(2 * h, h)
        else:
            self.norm_video = nn.LayerNorm(h)
            self.norm_audio = nn.LayerNorm(h)
            self.video_to_audio = Attention(h, c.heads)
            self.audio_to_video = Attention(h, c.heads)
            self.proj = nn.Linear(2 * h, h)

    def forward(self, video, audio):
        (v, vt), (a, at) = video, audio
        if self.kind == "concat":
            return F.relu(self.proj(torch.cat([v, a], 1)))
        if self.kind == "mean":
            return (self.video_proj(v) + self.audio_proj(a)) * 0.5
        if self.kind == "gated":
            g = torch.sigmoid(self.gate(torch.cat([v, a], 1)))
            return g * v + (1 - g) * a
        nv, na = self.norm_video(vt), self.norm_audio(at)
        v2 = (vt + self.video_to_audio(nv, na)).mean(1)
        a2 = (at + self.audio_to_video(na, nv)).mean(1)
        return F.relu(self.proj(torch.cat([v2, a2], 1)))


VIDEO_ENCODERS = {"frame2d": Frame2d, "cnn_lstm": CnnLstm, "c3d": C3d, "vit": Vit}


class VideoNet(nn.Module):
    """models/network.h: encoder(s), fusion, dropout + classifier, L2-normalized embedding."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        if c.modality != "audio":
            self.video = VIDEO_ENCODERS[c.arch](c)
        if c.modality != "video":
            self.audio = AudioEncoder(c)
        if c.modality == "av":
            self.fusion = Fusion(c)
        self.dropout = nn.Dropout(c.dropout)
        self.classifier = nn.Linear(c.hidden, c.num_classes)
        self.embed = nn.Linear(c.hidden, c.embed_dim)

    def forward(self, video=None, audio=None):
        modality = self.config.modality
        if modality == "video":
            feature = self.video(video)[0]
        elif modality == "audio":
            feature = self.audio(audio)[0]
        else:
            feature = self.fusion(self.video(video), self.audio(audio))
        logits = self.classifier(self.dropout(feature))
        embedding = F.normalize(self.embed(feature), p=2.0, dim=1, eps=1e-12)
        return logits, embedding


def build(config):
    """A VideoNet from a ModelConfig, a dict (model.json's content) or keyword values."""
    if isinstance(config, dict):
        config = ModelConfig(**config)
    if config.arch not in VIDEO_ENCODERS:
        raise ValueError(f"model config: arch {config.arch!r} is not one of {sorted(VIDEO_ENCODERS)}")
    return VideoNet(config)


def load_export(directory, map_location="cpu"):
    """The network exported to `directory` (model.json or autoencoder.json, + weights.pt), in eval mode:
    a VideoNet, or a CausalAutoencoder for an autoencoder run."""
    autoencoder = os.path.join(directory, "autoencoder.json")
    if os.path.exists(autoencoder):
        with open(autoencoder) as f:
            net = build_autoencoder(json.load(f))
    else:
        with open(os.path.join(directory, "model.json")) as f:
            net = build(json.load(f))
    state = torch.load(os.path.join(directory, "weights.pt"), map_location=map_location)
    net.load_state_dict(state, strict=True)
    return net.eval()


# ---- the causal 3D autoencoder (models/autoencoder.h, models/autoencoder_config.h) ----

AUTOENCODER_DEFAULTS = {
    "compress_t": 4, "compress_h": 8, "compress_w": 8, "latent_channels": 16, "patch": 2, "channels": 32,
    "max_channels": 64, "res_blocks": 1, "kl_weight": 0.0, "loss": "mse", "frames": 9, "height": 32, "width": 32,
}


class AutoencoderConfig(_Config):
    """The "autoencoder" object of an autoencoder run's config.json (autoencoder.json in an export)."""

    what, defaults = "autoencoder config", AUTOENCODER_DEFAULTS

    def halvings(self):
        log2 = lambda v: max(0, (v - 1).bit_length())  # noqa: E731
        return log2(self.compress_t), log2(self.compress_h // self.patch), log2(self.compress_w // self.patch)


def fold(x, ft, fh, fw):
    """[B,C,T,H,W] -> [B,C*ft*fh*fw,T/ft,H/fh,W/fw], channel order (c, dt, dy, dx)."""
    b, c, t, h, w = x.shape
    x = x.reshape(b, c, t // ft, ft, h // fh, fh, w // fw, fw).permute(0, 1, 3, 5, 7, 2, 4, 6)
    return x.reshape(b, c * ft * fh * fw, t // ft, h // fh, w // fw)


def unfold(x, ft, fh, fw):
    b, c, t, h, w = x.shape
    c //= ft * fh * fw
    x = x.reshape(b, c, ft, fh, fw, t, h, w).permute(0, 1, 5, 2, 6, 3, 7, 4)
    return x.reshape(b, c, t * ft, h * fh, w * fw)


def pad_first_frame(x, frames):
    return torch.cat([x[:, :, :1].expand(-1, -1, frames, -1, -1), x], 2) if frames else x


def resize_channels(x, out):
    """Parameter-free: duplicate channels (out > in) or average consecutive groups (out < in)."""
    cin = x.shape[1]
    if out == cin:
        return x
    if out > cin:
        return x.index_select(1, torch.arange(out) * cin // out)
    if cin % out == 0:
        return x.reshape(x.shape[0], out, cin // out, *x.shape[2:]).mean(2)
    group = torch.arange(cin) * out // cin
    m = torch.zeros(out, cin, dtype=x.dtype)
    m[group, torch.arange(cin)] = 1
    m = m / m.sum(1, keepdim=True)
    return torch.matmul(m, x.flatten(2)).reshape(x.shape[0], out, *x.shape[2:])


class CausalConv3d(nn.Module):
    def __init__(self, cin, cout, kernel, stride=(1, 1, 1)):
        super().__init__()
        self.past = kernel - 1
        self.conv = nn.Conv3d(cin, cout, kernel, stride=stride, padding=(0, kernel // 2, kernel // 2))

    def forward(self, x):
        return self.conv(pad_first_frame(x, self.past))


class FrameNorm(nn.Module):
    """LayerNorm over the channels of each pixel of each frame."""

    def __init__(self, channels):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x):
        return self.norm(x.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3)


class ResBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.norm1, self.conv1 = FrameNorm(channels), CausalConv3d(channels, channels, 3)
        self.norm2, self.conv2 = FrameNorm(channels), CausalConv3d(channels, channels, 3)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        return x + self.conv2(F.silu(self.norm2(h)))


class DownBlock(nn.Module):
    def __init__(self, cin, cout, factors):
        super().__init__()
        self.factors, self.out = factors, cout
        self.conv = CausalConv3d(cin, cout, 3, factors)

    def forward(self, x):
        shortcut = fold(pad_first_frame(x, self.factors[0] - 1), *self.factors)
        return self.conv(x) + resize_channels(shortcut, self.out)


class UpBlock(nn.Module):
    def __init__(self, cin, cout, factors):
        super().__init__()
        self.factors, self.out = factors, cout
        self.conv = CausalConv3d(cin, cout, 3)

    def forward(self, x):
        ft, fh, fw = self.factors
        up = x.repeat_interleave(ft, 2).repeat_interleave(fh, 3).repeat_interleave(fw, 4)
        shortcut = unfold(resize_channels(x, self.out * ft * fh * fw), ft, fh, fw)
        return self.conv(up[:, :, ft - 1:]) + shortcut[:, :, ft - 1:]


def plan_stages(c):
    """(widths of stages 0..n, the n resampling factors): each axis halves in its last stages."""
    halvings = c.halvings()
    n = max(halvings)
    widths = [min(c.channels << i, max(c.channels, c.max_channels)) for i in range(n + 1)]
    factors = [tuple(2 if i >= n - d else 1 for d in halvings) for i in range(n)]
    return widths, factors


class CausalEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        widths, factors = plan_stages(c)
        self.patch, self.latent = c.patch, c.latent_channels
        self.conv_in = CausalConv3d(3 * c.patch * c.patch, widths[0], 3)
        body = []
        for i, f in enumerate(factors):
            body += [ResBlock(widths[i]) for _ in range(c.res_blocks)]
            body.append(DownBlock(widths[i], widths[i + 1], f))
        body.append(ResBlock(widths[-1]))
        self.body = nn.Sequential(*body)
        self.norm_out = FrameNorm(widths[-1])
        self.conv_out = CausalConv3d(widths[-1], 2 * self.latent if c.kl_weight > 0 else self.latent, 3)

    def forward(self, video):
        """[B,3,T,H,W] in [0,1] -> the latent mean [B,C,t,h,w] (and, for a VAE, the log-variance)."""
        x = fold(video * 2 - 1, 1, self.patch, self.patch)
        h = self.conv_in(x)
        h = self.body(h + resize_channels(x, h.shape[1]))
        out = self.conv_out(F.silu(self.norm_out(h)))
        mean = out[:, :self.latent] + resize_channels(h, self.latent)
        return mean, (out[:, self.latent:] if out.shape[1] > self.latent else None)


class CausalDecoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        widths, factors = plan_stages(c)
        self.patch = c.patch
        self.conv_in = CausalConv3d(c.latent_channels, widths[-1], 3)
        body = [ResBlock(widths[-1])]
        for i in reversed(range(len(factors))):
            body.append(UpBlock(widths[i + 1], widths[i], factors[i]))
            body += [ResBlock(widths[i]) for _ in range(c.res_blocks)]
        self.body = nn.Sequential(*body)
        self.norm_out = FrameNorm(widths[0])
        self.conv_out = CausalConv3d(widths[0], 3 * c.patch * c.patch, 3)

    def forward(self, latent):
        h = self.conv_in(latent)
        h = self.body(h + resize_channels(latent, h.shape[1]))
        out = self.conv_out(F.silu(self.norm_out(h)))
        out = out + resize_channels(h, out.shape[1])
        return (unfold(out, 1, self.patch, self.patch) + 1) / 2


class CausalAutoencoder(nn.Module):
    """vidrep::Autoencoder: encode [B,3,T,H,W] in [0,1] (T = 1 + k * compress_t) -> [B,C,t,h,w], decode back."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.encoder = CausalEncoder(c)
        self.decoder = CausalDecoder(c)

    def encode(self, video):
        return self.encoder(video)[0]

    def decode(self, latent):
        return self.decoder(latent)

    def forward(self, video):
        """The reconstruction (of the latent mean; a VAE's training sample is left to the caller)."""
        return self.decode(self.encode(video))


def build_autoencoder(config):
    """A CausalAutoencoder from an AutoencoderConfig, a dict or keyword values."""
    if isinstance(config, dict):
        config = AutoencoderConfig(**config)
    return CausalAutoencoder(config)
