#!/usr/bin/env python3
# SPDX-License-Identifier: MIT

"""monitor.py — a live monitor of sensor_pipeline, in Python: it watches the
newest readings of the `processed` stream and the pipeline's counters while
the C processes run, then plots them to a PNG.

    shmgen generate segment.yaml --lang python -o gen      # writes gen/sensors.py
    PYTHONPATH=gen python3 monitor.py SHM_NAME -o sensors.png --seconds 10

attaches to a running pipeline's segment.  It never consumes anything: it
copies the newest readings with last_n (any number of readers may, beside
the processor and the analytics), so the pipeline cannot tell it is there.

    PYTHONPATH=gen python3 monitor.py --launch BINDIR -o sensors.png

creates the segment itself, starts the C collector, processor and analytics
from BINDIR, monitors until the processor is done, checks that every reading
it saw is a processed form of its sample, and writes the plot (the example's
ctest test).  Needs numpy and matplotlib (python3-numpy, python3-matplotlib).
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np

import sensors  # generated from segment.yaml

SENSORS = 4
WINDOW = 1024  # readings per snapshot: the whole `processed` ring


def newest_readings(seg, n=WINDOW):
    """The newest n readings, oldest first (a copy; nothing is consumed).  The
    one place that knows how the stream is stored: a ring today."""
    return seg.processed.last_n(n)


def counters(seg):
    """One sample of the pipeline's counters."""
    return (time.monotonic(), seg.samples_sent.load(), seg.samples_received.load(), seg.raw.dropped())


def sample_value(seq):
    """sample.c's signal: what a reading's raw value must be (vectorised)."""
    seq = np.asarray(seq, dtype=np.uint64)
    noise = ((seq * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)) >> np.uint64(24)
    return 20.0 * (seq % SENSORS) + (seq // SENSORS % 100) / 10.0 + noise / 256.0


def bad_readings(window):
    """How many readings of a window do not match their sample or break the order."""
    seq = window["seq"].astype(np.uint64)
    wrong = (window["sensor_id"] != seq % SENSORS) | (window["raw"] != sample_value(seq))
    return int(wrong.sum()) + int((np.diff(seq.astype(np.int64)) <= 0).sum())


def watch(seg, until, interval):
    """Snapshots and counters every interval until until() is true; returns
    (the window to show: the newest one with the most drops in it, the counter
    history, windows seen, bad readings)."""
    window, history, seen, bad = newest_readings(seg, 0), [], 0, 0
    while True:
        done = until()  # one more look after the end
        snap = newest_readings(seg)
        if len(snap):
            seen, bad = seen + 1, bad + bad_readings(snap)
            if snap["gap_before"].sum() >= window["gap_before"].sum():
                window = snap
        history.append(counters(seg))
        if done:
            return window, np.array(history, dtype=float), seen, bad
        time.sleep(interval)


def plot(window, history, title, path):
    """Two panels: the newest readings per sensor, and the pipeline's rates."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7.5), height_ratios=[3, 2], constrained_layout=True)
    colours = plt.get_cmap("tab10").colors
    for s in range(SENSORS):
        mine = window[window["sensor_id"] == s]
        top.scatter(mine["seq"], mine["raw"], s=7, color=colours[s], alpha=0.35, linewidths=0)
        top.plot(mine["seq"], mine["filtered"], color=colours[s], lw=1.6, label="sensor %d" % s)
    gaps = window["seq"][window["gap_before"]]
    top.plot(gaps, np.zeros(len(gaps)), "|", color="tab:red", ms=12, transform=top.get_xaxis_transform(),
             label="samples dropped before")
    top.set(xlabel="sample sequence number", ylabel="value",
            title="%d readings as the processor filtered them: filtered (lines), raw (dots), %d gaps (red ticks)"
            % (len(window), len(gaps)))
    top.set_ylim(top=top.get_ylim()[1] * 1.15)  # room for the legend above the data
    top.legend(loc="upper left", ncols=SENSORS + 1, framealpha=0.9)
    top.grid(alpha=0.3)

    t = history[:, 0] - history[0, 0]
    dt = np.maximum(np.diff(t), 1e-9)
    for col, label, colour in ((1, "sent by the collector", "tab:blue"), (2, "received by the processor", "tab:green"),
                               (3, "dropped by the raw ring", "tab:red")):
        bottom.plot(t[1:], np.diff(history[:, col]) / dt / 1000, label=label, color=colour, lw=1.4)
    bottom.set(xlabel="seconds since the monitor started", ylabel="thousand samples / s", title="pipeline rates")
    bottom.set_ylim(0, bottom.get_ylim()[1] * 1.3)
    bottom.legend(loc="upper right", ncols=3, framealpha=0.9)
    bottom.grid(alpha=0.3)
    fig.suptitle(title, fontsize=13)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def attach(args):
    with sensors.open(args.name) as seg:
        end = time.monotonic() + args.seconds
        window, history, seen, bad = watch(seg, lambda: time.monotonic() >= end or seg.processor_done.load(),
                                           args.interval)
    report(args, window, history, seen, bad)
    return 0


def launch(args):
    name = "/shmgen_ex_monitor_%d" % os.getpid()
    with sensors.create(name) as seg:
        roles = [subprocess.Popen([os.path.join(args.launch, role), name])
                 for role in ("sensors_analytics", "sensors_processor", "sensors_collector")]
        deadline = time.monotonic() + 60
        window, history, seen, bad = watch(seg, lambda: seg.processor_done.load() or time.monotonic() > deadline,
                                           args.interval)
        codes = [p.wait(30) for p in roles]
        sent, received, dropped = seg.samples_sent.load(), seg.samples_received.load(), seg.raw.dropped()
    report(args, window, history, seen, bad)
    problems = [msg for ok, msg in (
        (codes == [0, 0, 0], "a C role failed: exit codes %s" % codes),
        (seen > 0 and len(window) > 0, "no readings seen"),
        (bad == 0, "%d readings did not match their samples" % bad),
        (received + dropped == sent, "received %d + dropped %d != sent %d" % (received, dropped, sent)),
        (os.path.getsize(args.output) > 10000, "the plot is suspiciously small")) if not ok]
    for p in problems:
        print("FAIL:", p)
    print("monitor: %s" % ("FAILED" if problems else "OK, every reading seen matches its sample"))
    return 1 if problems else 0


def report(args, window, history, seen, bad):
    sent, received, dropped = history[-1, 1:]
    title = "sensor_pipeline: %d samples sent, %d processed, %d dropped (%.1f%%)" % (
        sent, received, dropped, 100.0 * dropped / max(sent, 1))
    plot(window, history, title, args.output)
    print("[monitor pid %d] %d snapshots of up to %d readings, %d not matching; plot: %s"
          % (os.getpid(), seen, WINDOW, bad, args.output))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", help="the running pipeline's segment, e.g. /sensors")
    parser.add_argument("--launch", metavar="BINDIR", help="run the pipeline's C roles from BINDIR")
    parser.add_argument("-o", "--output", default="sensors.png", help="the PNG to write")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to watch a running pipeline")
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between two looks")
    args = parser.parse_args()
    if bool(args.name) == bool(args.launch):
        parser.error("give either a segment name or --launch BINDIR")
    return launch(args) if args.launch else attach(args)


if __name__ == "__main__":
    sys.exit(main())
