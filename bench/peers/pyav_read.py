"""PyAV doing vidrep_bench_io's jobs, the way a PyAV user would.

  pyav_read.py all FILE WxH THREADS             decode every frame, to_ndarray(rgb24) at WxH
  pyav_read.py clips FILE WxH THREADS L S1,S2   per clip: seek to the key frame before it, decode forward
Prints "seconds=<wall> frames=<n>".
"""
import sys
import time

import av


def open_stream(path, threads):
    container = av.open(path)
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"  # frame + slice threads: PyAV's fastest setting
    stream.thread_count = threads
    return container, stream


def read_all(path, w, h, threads):
    container, stream = open_stream(path, threads)
    n = 0
    for frame in container.decode(stream):
        frame.to_ndarray(width=w, height=h, format="rgb24")
        n += 1
    container.close()
    return n


def read_clips(path, w, h, threads, length, starts):
    container, stream = open_stream(path, threads)
    tb = stream.time_base
    rate = stream.average_rate
    n = 0
    for start in starts:
        # Frame i of a constant-rate stream is shown at pts i / rate (in time-base units).
        first_pts = int(round(start / rate / tb))
        last_pts = int(round((start + length - 1) / rate / tb))
        container.seek(first_pts, stream=stream, backward=True, any_frame=False)
        done = False
        # An explicit demux loop: breaking out of container.decode() with frame threads on
        # leaves PyAV 10 deadlocked at interpreter exit.
        for packet in container.demux(stream):
            for frame in packet.decode():
                if frame.pts is None or frame.pts < first_pts:
                    continue
                if frame.pts > last_pts:
                    done = True
                    break
                frame.to_ndarray(width=w, height=h, format="rgb24")
                n += 1
            if done:
                break
    container.close()
    return n


def main():
    mode, path, size, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    w, h = (int(v) for v in size.split("x"))
    t0 = time.perf_counter()
    if mode == "all":
        n = read_all(path, w, h, threads)
    else:
        n = read_clips(path, w, h, threads, int(sys.argv[5]), [int(s) for s in sys.argv[6].split(",")])
    print(f"seconds={time.perf_counter() - t0:.4f} frames={n}")


if __name__ == "__main__":
    main()
