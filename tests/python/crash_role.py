# SPDX-License-Identifier: MIT

"""crash_role.py — the Python processes test_crash.py SIGKILLs: one role per run
on a pyinterop segment.

    python3 crash_role.py MODULE NAME produce N   msgs_q: takes seqs from py_next, enqueues (producer 1)
    python3 crash_role.py MODULE NAME consume     msgs_q: counts each msg in `seen` until drained
    python3 crash_role.py MODULE NAME ring        msgs_r: the ring's consumer, single pops
    python3 crash_role.py MODULE NAME hold        items_t: subscribes as "victim" (topic_ready
                                                  += 1), reads one item and holds it
                                                  (topic_ready += 1), then sleeps (to be killed)

MODULE is the generated pyinterop.py.  Each msg is counted right after the
operation that took it, so a kill loses at most the one in flight.  Exits 1
on a bad msg or a seq that goes backwards for a producer.
"""

import importlib.util
import sys
import time

SEEN_HALF = 200000
MULT = 2654435761


def load(path):
    spec = importlib.util.spec_from_file_location("pyinterop", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def produce(seg, n):
    while True:
        seq = seg.py_next.fetch_add(1)
        if seq >= n:
            return
        while not seg.msgs_q.enqueue_wait((1, seq, seq * MULT % 2**64), 1.0):
            pass


def count(seen, last, m):
    producer, seq = int(m["producer"]), int(m["seq"])
    if producer > 1 or seq >= SEEN_HALF or int(m["check"]) != seq * MULT % 2**64:
        sys.exit("bad msg %r" % (m,))
    if seq <= last[producer]:
        sys.exit("producer %d: seq %d after %d" % (producer, seq, last[producer]))
    last[producer] = seq
    seen[producer * SEEN_HALF + seq] += 1


def drain(seg, take):
    """take() -> msg or None, until producers_done is set and take() finds nothing."""
    seen, last = seg.seen, [-1, -1]
    while True:
        done = seg.producers_done.load()  # before the take: then nothing means drained
        m = take()
        if m is not None:
            count(seen, last, m)
        elif done:
            return


def hold(seg):
    sub = seg.items_t.subscribe("victim")
    seg.topic_ready.fetch_add(1)
    if not sub.wait(60):
        sys.exit("nothing published")
    held = sub.read()
    seg.topic_ready.fetch_add(1)
    time.sleep(120)
    sys.exit("not killed (holding item %d)" % held.value["seq"])


def main():
    module, name, role = load(sys.argv[1]), sys.argv[2], sys.argv[3]
    with module.open(name) as seg:
        if role == "produce":
            produce(seg, int(sys.argv[4]))
        elif role == "consume":
            drain(seg, lambda: seg.msgs_q.dequeue_wait(0.01))
        elif role == "ring":
            drain(seg, lambda: seg.msgs_r.pop_wait(0.01))
        elif role == "hold":
            hold(seg)
        else:
            sys.exit("unknown role %s" % role)


if __name__ == "__main__":
    main()
