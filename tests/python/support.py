"""Fixtures for the Python module's tests, made by the ffmpeg CLI (the independent oracle) into
build/test-fixtures/python/, each under a temporary name then renamed."""

import os
import subprocess

import torch

FIXTURES = os.path.join(os.environ.get("VIDREP_TEST_FIXTURES", "/tmp/vidrep-test-fixtures"), "python")
# The vidrep executable beside the package's build (build/python -> build/bin/vidrep).
CLI = os.environ.get("VIDREP_CLI") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__import__("vidrep").__file__)))), "bin", "vidrep")


def ffmpeg(args, path):
    """`path`, made once by `ffmpeg <args> path`."""
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    root, ext = os.path.splitext(path)
    tmp = f"{root}.{os.getpid()}.tmp{ext}"
    subprocess.run(["ffmpeg", "-y", "-nostdin", "-v", "error", *args, tmp], check=True)
    os.replace(tmp, path)
    return path


def video(name, args):
    return ffmpeg(args, os.path.join(FIXTURES, name))


def testsrc(name="testsrc.mp4", size="96x64", frames=50):
    """H.264 with B-frames, a key frame every 12 frames."""
    return video(name, ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25", "-frames:v", str(frames),
                        "-c:v", "libx264", "-bf", "2", "-g", "12", "-pix_fmt", "yuv420p"])


def ffmpeg_frame(path, index, height, width, vf=""):
    """The ffmpeg CLI's frame `index` as uint8 [height, width, 3]."""
    select = f"select=eq(n\\,{index})" + ("," + vf if vf else "")
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-vf", select, "-fps_mode", "passthrough",
                          "-frames:v", "1", "-pix_fmt", "rgb24", "-f", "rawvideo", "-"], check=True, capture_output=True).stdout
    assert len(out) == height * width * 3, f"{path} frame {index}: {len(out)} bytes"
    return torch.frombuffer(bytearray(out), dtype=torch.uint8).reshape(height, width, 3)


def ffmpeg_audio(path, rate):
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"],
                         check=True, capture_output=True).stdout
    return torch.frombuffer(bytearray(out), dtype=torch.float32)


def class_folder(name, per_class=3):
    """DIR/train/<class>/<video>: `per_class` 2-s videos of two visibly different classes."""
    root = os.path.join(FIXTURES, name)
    sources = {"bars": "smptebars=size=64x48:rate=25", "life": "life=size=64x48:rate=25:ratio=0.3:seed={}"}
    for label, source in sources.items():
        for k in range(per_class):
            video(os.path.join(name, "train", label, f"{label}{k}.mp4"),
                  ["-f", "lavfi", "-i", source.format(k + 1) + ",trim=duration=2", "-c:v", "libx264", "-g", "25",
                   "-pix_fmt", "yuv420p"])
    return root
