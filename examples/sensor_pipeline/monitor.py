#!/usr/bin/env python3
# SPDX-License-Identifier: MIT

"""monitor.py — a live monitor of sensor_pipeline, in Python: it watches the
newest readings of the `processed` stream, the `raw` topic's subscribers and
the pipeline's counters while the C processes run, then plots them to a PNG.

    shmgen generate segment.yaml --lang python -o gen      # writes gen/sensors.py
    PYTHONPATH=gen python3 monitor.py SHM_NAME -o sensors.png --seconds 10

attaches to a running pipeline's segment.  It never consumes anything: it
copies the newest readings with last_n (any number of readers may, beside
the processor and the analytics) and lists the topic's subscribers, so the
pipeline cannot tell it is there.

    PYTHONPATH=gen python3 monitor.py --launch BINDIR -o sensors.png

creates the segment itself, subscribes to the `raw` topic as its "monitor"
(in place of the C sensors_monitor), starts the C processor, analytics and
collector from BINDIR, and monitors until the processor is done: it takes
every sample it can (a lap topic: what it is too slow for, the topic counts
as lost), checks each one and each calibration it loads, checks that
received + lost = published and that every reading it saw is a processed
form of its sample, and writes the plot (the example's ctest test).  Needs
numpy and matplotlib (python3-numpy, python3-matplotlib).
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
PROCESSOR = 0  # the processor's index in `books` (sample.h)
MASK64 = (1 << 64) - 1


def calibration_whole(c):
    """sample.c's calibration check: whether c was stored whole."""
    h = 1469598103934665603 ^ int(c["revision"])
    for i in range(SENSORS):
        h = ((h ^ (int(c["offset"][i] * 1000.0) & MASK64) ^ ((int(c["gain"][i] * 1000.0) << 20) & MASK64))
             * 1099511628211) & MASK64
    return h == int(c["check"])


class Listener:
    """This monitor as the "monitor" subscriber of the `raw` topic: takes every
    sample it can, checks each, and loads each new calibration."""

    def __init__(self, seg):
        self.seg, self.sub = seg, seg.raw.subscribe("monitor")
        self.first, self.received, self.bad, self.next_seq = self.sub.position(), 0, 0, 0
        self.gaps, self.calibrations, self.version = 0, [], 0

    def drain(self):
        """Takes what is unread now (a copy each: take()), and the calibration if it moved."""
        while (s := self.sub.take()) is not None:
            seq = int(s["seq"])
            self.gaps += max(0, seq - self.next_seq)
            self.bad += (s["sensor_id"] != seq % SENSORS or s["value"] != sample_value(seq) or seq < self.next_seq)
            self.next_seq, self.received = seq + 1, self.received + 1
        if self.seg.calibration.version() != self.version:
            cal, self.version = self.seg.calibration.load()
            self.calibrations.append((int(cal["revision"]), calibration_whole(cal)))

    def problems(self, published):
        lost = self.sub.lost()
        return [(self.received + lost == published - self.first, "monitor: received %d + lost %d != %d published "
                 "since it subscribed" % (self.received, lost, published - self.first)),
                (self.gaps == lost, "monitor: saw %d holes, the topic reported %d lost" % (self.gaps, lost)),
                (self.bad == 0, "monitor: %d samples matched nothing" % self.bad),
                (self.calibrations and all(whole for _, whole in self.calibrations), "a calibration was torn: %s"
                 % self.calibrations)]


def newest_readings(seg, n=WINDOW):
    """The newest n readings, oldest first (a copy; nothing is consumed).  The
    one place that knows how the stream is stored: a ring today."""
    return seg.processed.last_n(n)


def counters(seg, listener=None):
    """One sample of the pipeline's counters: published, the processor's received
    and lost (its book), this monitor's received and lost."""
    book = seg.books[PROCESSOR]
    mine = (listener.received, listener.sub.lost()) if listener else (0, 0)
    return (time.monotonic(), seg.raw.published(), book["received"], book["lost"]) + mine


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


def watch(seg, until, interval, listener=None):
    """Snapshots and counters every interval (draining listener's subscription)
    until until() is true; returns (the window to show: the newest one with
    the most drops in it, the counter history, windows seen, bad readings)."""
    window, history, seen, bad = newest_readings(seg, 0), [], 0, 0
    while True:
        done = until()  # one more look after the end
        if listener:
            listener.drain()
        snap = newest_readings(seg)
        if len(snap):
            seen, bad = seen + 1, bad + bad_readings(snap)
            if snap["gap_before"].sum() >= window["gap_before"].sum():
                window = snap
        history.append(counters(seg, listener))
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
    for col, label, colour in ((1, "published by the collector", "tab:blue"),
                               (2, "received by the processor", "tab:green"), (3, "lost by the processor", "tab:red"),
                               (4, "taken by this monitor", "tab:purple"), (5, "lost by this monitor", "tab:orange")):
        bottom.plot(t[1:], np.diff(history[:, col]) / dt / 1000, label=label, color=colour, lw=1.4)
    bottom.set(xlabel="seconds since the monitor started", ylabel="thousand samples / s", title="pipeline rates")
    bottom.set_ylim(0, bottom.get_ylim()[1] * 1.3)
    bottom.legend(loc="upper right", ncols=3, framealpha=0.9, fontsize=8)
    bottom.grid(alpha=0.3)
    fig.suptitle(title, fontsize=13)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def attach(args):
    with sensors.open(args.name) as seg:
        end = time.monotonic() + args.seconds
        window, history, seen, bad = watch(seg, lambda: time.monotonic() >= end or seg.processor_done.load(),
                                           args.interval)
        for s in seg.raw.subscribers():
            print("raw subscriber %(name)s (pid %(pid)d): position %(position)d, lag %(lag)d, lost %(lost)d" % s)
    report(args, window, history, seen, bad)
    return 0


def launch(args):
    name = "/shmgen_ex_monitor_%d" % os.getpid()
    with sensors.create(name) as seg:
        listener = Listener(seg)  # before the collector starts: it waits for three subscribers
        roles = [subprocess.Popen([os.path.join(args.launch, role), name])
                 for role in ("sensors_processor", "sensors_analytics", "sensors_collector")]
        deadline = time.monotonic() + 60
        window, history, seen, bad = watch(seg, lambda: seg.processor_done.load() or time.monotonic() > deadline,
                                           args.interval, listener)
        codes = [p.wait(30) for p in roles]
        listener.drain()  # the collector is done: what is left
        published, book = seg.raw.published(), seg.books[PROCESSOR]
        checks = listener.problems(published) + [
            (book["received"] + book["lost"] == published - book["first"], "processor: received + lost != published"),
            (listener.received > 0, "the monitor took no sample")]
        print("[monitor pid %d] took %d samples, lost %d of %d published; calibrations (revision, whole): %s"
              % (os.getpid(), listener.received, listener.sub.lost(), published - listener.first,
                 listener.calibrations))
        listener.sub.close()
    report(args, window, history, seen, bad)
    problems = [msg for ok, msg in checks + [
        (codes == [0, 0, 0], "a C role failed: exit codes %s" % codes),
        (seen > 0 and len(window) > 0, "no readings seen"),
        (bad == 0, "%d readings did not match their samples" % bad),
        (os.path.getsize(args.output) > 10000, "the plot is suspiciously small")] if not ok]
    for p in problems:
        print("FAIL:", p)
    print("monitor: %s" % ("FAILED" if problems else "OK, every sample taken or reported lost, every reading seen "
                           "matches its sample"))
    return 1 if problems else 0


def report(args, window, history, seen, bad):
    published, received, lost = history[-1, 1:4]
    title = "sensor_pipeline: %d samples published, %d processed, %d lost by the processor (%.1f%%)" % (
        published, received, lost, 100.0 * lost / max(published, 1))
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
