#!/usr/bin/env bash
# Builds and runs one fuzz target for SECONDS, then prints how many inputs it ran and what it found.
#   scripts/fuzz.sh TARGET SECONDS     TARGET: media | index_cache | npy | h264 | config | dataset | transform
# Every target is a libFuzzer target (clang-14 with ASan and UBSan); transform also builds the main
# library first (its steps call tensor code compiled by GCC). Seeds are made here
# (small files from the ffmpeg CLI, headers and configs written by hand); the corpus grows in
# build-fuzz/corpus-TARGET and survives between runs. A crashing input is kept in
# build-fuzz/crashes-TARGET; copy it to tests/fuzz_inputs/ as a regression (see that folder's
# README) once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}

build=build-fuzz
case "$target" in
  media|index_cache|npy|h264|config|dataset|transform) ;;
  *) echo "fuzz: unknown target '$target' (media, index_cache, npy, h264, config, dataset, transform)" >&2; exit 2 ;;
esac

packages=(clang-14 libclang-rt-14-dev cmake ninja-build pkg-config libavformat-dev libavcodec-dev
          libavutil-dev libswscale-dev libfmt-dev nlohmann-json3-dev ffmpeg)
[ "$target" = transform ] && packages+=(libtorch-dev)
scripts/apt_install.sh "${packages[@]}"

library=""
if [ "$target" = transform ]; then
  [ -f build/CMakeCache.txt ] || cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build --target vidrep
  library="-DVIDREP_LIBRARY=$PWD/build/src/libvidrep.a"
fi
cmake -S fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 $library >/dev/null
cmake --build "$build" --target "fuzz_$target"

seeds="$build/seeds-$target"
corpus="$build/corpus-$target"
crashes="$build/crashes-$target"
mkdir -p "$seeds" "$corpus" "$crashes"
ff() { ffmpeg -y -nostdin -hide_banner -loglevel error "$@"; }
src="-f lavfi -i testsrc2=size=24x18:rate=10:duration=0.4"
if [ -z "$(ls -A "$seeds")" ]; then
  case "$target" in
    media)
      ff $src -c:v libx264 -bf 2 -g 2 -pix_fmt yuv420p "$seeds/h264.mp4"
      ff $src -f lavfi -i sine=duration=0.4 -c:v libx264 -pix_fmt yuv420p -c:a aac "$seeds/av.mp4"
      ff $src -c:v libvpx-vp9 -deadline realtime "$seeds/vp9.webm"
      ff $src -c:v mpeg4 -bf 1 "$seeds/mpeg4.avi"
      ff $src -c:v mjpeg -pix_fmt yuvj420p "$seeds/mjpeg.avi"
      ff $src -c:v mpeg2video "$seeds/mpeg2.ts"
      ff $src -c:v ffv1 "$seeds/ffv1.mkv"
      ff $src -c:v rawvideo -pix_fmt pal8 "$seeds/pal8.nut"
      ff $src -c:v libtheora "$seeds/theora.ogv"
      ff -f lavfi -i sine=duration=0.3 -c:a libmp3lame "$seeds/audio.mp3" ;;
    index_cache)
      # One file's index in the cache's format (native int64s): 3 frames, 1 key, 1 warning.
      /usr/bin/python3 - "$seeds" <<'PY'
import struct, sys
q = lambda *v: struct.pack("=%dq" % len(v), *v)
path = b"/data/a.mp4"
index = q(0, 3, 3, 0, 512, 0, 512, 512, 0, 1024, 512, 0) + q(1, 48, 0, -512, 0, 0) + q(1, 4) + b"note"
with open(sys.argv[1] + "/one.bin", "wb") as f:
    f.write(b"vidrep frame index cache 1\n" + q(0x0102030405060708, 1, len(path)) + path + q(0, 1000, 7) + index)
PY
      ;;
    npy)
      /usr/bin/python3 - "$seeds" <<'PY'
import sys, numpy as np
np.savez(sys.argv[1] + "/a.npz", tokens=np.zeros((2, 3), np.float32), grid=np.arange(4, dtype=np.int64))
np.save(sys.argv[1] + "/b.npy", np.ones((1, 2, 2), np.uint8))
np.save(sys.argv[1] + "/c.npy", np.zeros((0,), np.float64))
PY
      ;;
    h264)
      # An avcC record and packets from a real encode, in both layouts.
      ff $src -c:v libx264 -bf 2 -g 2 -pix_fmt yuv420p "$seeds/clip.mp4"
      ff -i "$seeds/clip.mp4" -c copy -bsf:v h264_mp4toannexb -f h264 "$seeds/annexb.h264"
      ff -i "$seeds/clip.mp4" -c copy -f rawvideo "$seeds/avcc.raw"
      rm "$seeds/clip.mp4" ;;
    config)
      echo '{"model": {"arch": "c3d", "frames": 8}, "epochs": 3, "lr": 0.001, "transform": "resize_short=64"}' > "$seeds/train.json"
      echo '{"compress": "4x8x8", "latent_channels": 16}' > "$seeds/ae.json"
      echo '{"buckets": [{"name": "240p", "area": 76800, "frames": [16, 32], "aspect_ratios": ["16:9", "4:3"], "batch_size": 8}], "multiple_of": 16}' > "$seeds/buckets.json" ;;
    dataset)
      printf '\x00a/b.mp4 cat\nc/d.mp4 dog\n# comment\n\ne.mp4 cat,dog\n' > "$seeds/list"
      printf '\x01path,label,start,end\nx.mp4,run,0.5,2\n"y z.mp4","a,b",,\n' > "$seeds/csv" ;;
    transform)
      echo -n 'resize_short=128,random_resized_crop=112:0.2-1,hflip,color_jitter=0.4:0.4,normalize=imagenet' > "$seeds/text"
      echo -n '[{"name":"resize","value":"64x48"},{"name":"gaussian_blur","value":"0.5-2"}]' > "$seeds/json" ;;
  esac
fi
# Seeds added since a target's seed folder was first made.
if [ "$target" = config ] && [ ! -f "$seeds/zones.json" ]; then
  echo '{"units": "fraction", "min_seconds": 0.2, "zones": [{"name": "door", "polygon": [[0.5,0],[1,0],[1,1],[0.5,1]], "intrusion": true, "loiter_seconds": 1}, {"direction": [-1, 0], "max_speed": 0.1}]}' > "$seeds/zones.json"
fi

log="$build/fuzz-$target.log"
# -rss_limit_mb bounds memory per input (a leak or an unbounded allocation fails the run).
set +e
"$build/fuzz_$target" "$corpus" "$seeds" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
status=$?
set -e
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
found=$(find "$crashes" -type f | wc -l)
echo "fuzz $target: $runs executions in $seconds s, $found crashing or hanging inputs in $crashes"
[ "$found" -eq 0 ] && [ "$status" -eq 0 ]
