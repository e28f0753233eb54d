"""OpenCV doing vidrep_bench_io's "all" job: read every frame, resize to WxH, convert to RGB.

  opencv_read.py all FILE WxH THREADS
Prints "seconds=<wall> frames=<n>".
"""
import sys
import time

import cv2


def main():
    _, path, size, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    w, h = (int(v) for v in size.split("x"))
    cv2.setNumThreads(threads)
    t0 = time.perf_counter()
    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    n = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        small = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
        cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
        n += 1
    print(f"seconds={time.perf_counter() - t0:.4f} frames={n}")


if __name__ == "__main__":
    main()
