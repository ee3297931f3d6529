# SPDX-License-Identifier: MIT

"""python_bench.py — what the shmgen Python package moves between two Python
processes, against what Python users reach for otherwise.

Cases (64-byte messages, channel capacity 8192, producer and consumer each a
process of its own, pinned to CPUs 0 and 1 when there are two):

  shmgen queue single   Queue.enqueue / Queue.dequeue, one message per call
  shmgen queue bulk     Queue.enqueue_bulk / Queue.dequeue_bulk_into, NumPy runs of up to 1024
  shmgen ring single    Ring.push / Ring.pop
  shmgen ring bulk      Ring.push_bulk / Ring.pop_bulk_into (the bulk pop into NumPy)
  shmgen topic copy     Topic.publish / Subscription.take, a block topic with one subscriber
                        (every message delivered), one message per call
  shmgen topic loan     Topic.loan + fill in place + Loan.publish / Subscription.read + Read.release
                        (zero copy: the Python objects of a loan and a read cost more than 64 bytes)
  mp.Queue              multiprocessing.Queue(8192).put / get of 64-byte bytes
  shm+struct single     a single-producer ring hand-rolled on multiprocessing.shared_memory:
                        messages struct.pack_into a slot, indices on their own lines
                        stored as one 8-byte word through a memoryview cast (struct.pack_into
                        zeroes its bytes before writing them, so a reader polling an index
                        written that way sees 0 now and then); correct on x86's store order
                        only, Python has no fences
  shm+struct bulk       the same copying runs of up to 1024 slots

A full or empty channel is waited on the way its API offers: shmgen's timed
waits (the GIL released), mp.Queue's blocking put/get, the hand-roll's spin
with time.sleep(0) every 256 misses.  Consumers check every message's
sequence number.  Timing runs from the earlier start (after a barrier) to
the later end of the two processes.  Rounds alternate the order of the cases
and the report gives each case's median and range over the rounds.

    PYTHONPATH=python:<dir of pybench.py> SHMGEN_RUNTIME_LIBRARY=... python3 bench/python_bench.py [--rounds 5] [--n N]
    build/bench/bench/shmgen_bench_python            # the same, set up by bench/python.cmake
    ... --smoke                                      # a few thousand messages per case, no timing claims

Depends on numpy, the shmgen package and pybench.py (bench/python_bench.yaml).
"""

import argparse
import multiprocessing as mp
import os
import queue
import statistics
import struct
import sys
import time

import numpy as np

CAPACITY = 8192
RUN = 1024
MSG = struct.Struct("<Q56s")
PAYLOAD = bytes(range(56))
LINE = 64


STALL = 60.0  # seconds without progress after which a side gives up (the other one died)


class Stall:
    """Ends a process whose partner stopped moving: every wait loop calls
    waiting() when it finds nothing to do and moved() when it made progress."""

    def __init__(self, what):
        self.what, self.limit = what, time.monotonic() + STALL

    def moved(self):
        self.limit = time.monotonic() + STALL

    def waiting(self):
        if time.monotonic() > self.limit:
            raise SystemExit("%s: no progress for %.0f s" % (self.what, STALL))


def pin(cpu):
    if len(os.sched_getaffinity(0)) >= 2:
        os.sched_setaffinity(0, {cpu})


# ---- shmgen ------------------------------------------------------------------

def shmgen_side(role, kind, bulk, name, n, barrier, results):
    import pybench
    pin(0 if role == "produce" else 1)
    with pybench.open(name) as seg:
        if kind == "topic":
            chan = seg.t if role == "produce" else seg.t.subscribe("bench")  # subscribed before the start
            work = (produce_topic if role == "produce" else consume_topic)
        else:
            chan = seg.q if kind == "queue" else seg.r
            work = (produce_bulk if bulk else produce_single) if role == "produce" else \
                (consume_bulk if bulk else consume_single)
        barrier.wait()
        start = time.monotonic()
        work(chan, kind if kind != "topic" else bulk, n, pybench.msg)
        results.put((role, start, time.monotonic()))


def produce_single(chan, kind, n, dtype):
    put, stall = chan.enqueue if kind == "queue" else chan.push, Stall("producer")
    rec = np.zeros((), dtype)[()]
    rec["payload"] = np.frombuffer(PAYLOAD, np.uint8)
    for i in range(n):
        rec["seq"] = i
        while not put(rec):
            stall.waiting()
            chan.wait_space(1.0)
        stall.moved()


def consume_single(chan, kind, n, dtype):
    take, stall = chan.dequeue if kind == "queue" else chan.pop, Stall("consumer")
    got = 0
    while got < n:
        m = take()
        if m is None:
            stall.waiting()
            chan.wait_data(1.0)
            continue
        if int(m["seq"]) != got:  # int(): comparing a NumPy scalar with an int costs 1.2 us, this 0.3
            raise SystemExit("message %d carries seq %d" % (got, m["seq"]))
        got += 1
        stall.moved()


def produce_bulk(chan, kind, n, dtype):
    put, stall = chan.enqueue_bulk if kind == "queue" else chan.push_bulk, Stall("producer")
    batch = np.zeros(RUN, dtype)
    batch["payload"] = np.frombuffer(PAYLOAD, np.uint8)
    sent = 0
    while sent < n:
        k = min(RUN, n - sent)
        batch["seq"][:k] = np.arange(sent, sent + k)
        done = 0
        while done < k:
            done += put(batch[done:k])
            if done < k:
                stall.waiting()
                chan.wait_space(1.0)
        sent += k
        stall.moved()


def consume_bulk(chan, kind, n, dtype):
    take, stall = chan.dequeue_bulk_into if kind == "queue" else chan.pop_bulk_into, Stall("consumer")
    out = np.empty(RUN, dtype)
    got = 0
    while got < n:
        k = take(out)
        if k == 0:
            stall.waiting()
            chan.wait_data(1.0)
            continue
        stall.moved()
        if not np.array_equal(out["seq"][:k], np.arange(got, got + k)):
            raise SystemExit("a run starting at %d is out of order" % got)
        got += k


def produce_topic(topic, loan, n, dtype):
    """loan: fill the loaned slot in place (zero copy); else publish a copy."""
    stall = Stall("publisher")
    rec = np.zeros((), dtype)[()]
    rec["payload"] = np.frombuffer(PAYLOAD, np.uint8)
    for i in range(n):
        if loan:
            slot = topic.loan() or topic.loan_wait(1.0)
            while slot is None:
                stall.waiting()
                slot = topic.loan_wait(1.0)
            slot.value["seq"] = i  # the payload is the slot's from last time round, or zeros
            slot.publish()
        else:
            rec["seq"] = i
            if not topic.publish(rec):
                while not topic.publish_wait(rec, 1.0):
                    stall.waiting()
        stall.moved()


def consume_topic(sub, loan, n, dtype):
    stall, got = Stall("subscriber"), 0
    while got < n:
        r = sub.read() if loan else sub.take()
        if r is None:
            stall.waiting()
            sub.wait(1.0)
            continue
        seq = int((r.value if loan else r)["seq"])
        if loan:
            r.release()
        if seq != got:
            raise SystemExit("sample %d carries seq %d" % (got, seq))
        got += 1
        stall.moved()


# ---- multiprocessing.Queue ------------------------------------------------------

def mpq_side(role, q, n, barrier, results):
    pin(0 if role == "produce" else 1)
    barrier.wait()
    start = time.monotonic()
    if role == "produce":
        for i in range(n):
            q.put(MSG.pack(i, PAYLOAD), timeout=STALL)
    else:
        for i in range(n):
            if MSG.unpack(q.get(timeout=STALL))[0] != i:
                raise SystemExit("mp.Queue: message %d out of order" % i)
    results.put((role, start, time.monotonic()))


# ---- multiprocessing.shared_memory + struct ----------------------------------------

HEAD, TAIL, SLOTS = 0, LINE // 8, 2 * LINE  # producer index word, consumer index word, slots' byte offset


def relax(misses, stall):
    if misses % 256 == 255:
        stall.waiting()
        time.sleep(0)


def handroll_side(role, bulk, name, n, barrier, results):
    from multiprocessing import shared_memory
    pin(0 if role == "produce" else 1)
    shm = shared_memory.SharedMemory(name)
    buf = shm.buf
    words = buf[:SLOTS].cast("Q")  # an index store is one 8-byte store
    barrier.wait()
    start = time.monotonic()
    (handroll_produce if role == "produce" else handroll_consume)(buf, words, n, RUN if bulk else 1)
    end = time.monotonic()
    words.release()
    buf.release()
    shm.close()
    results.put((role, start, end))


def handroll_produce(buf, words, n, run):
    head, misses, block, stall = 0, 0, bytearray(MSG.size * run), Stall("shm+struct producer")
    while head < n:
        room = CAPACITY - (head - words[TAIL])
        if room == 0:
            misses += 1
            relax(misses, stall)
            continue
        stall.moved()
        k = min(run, room, n - head, CAPACITY - head % CAPACITY)  # up to the end of the slot array
        for j in range(k):
            MSG.pack_into(block, j * MSG.size, head + j, PAYLOAD)
        at = SLOTS + (head % CAPACITY) * MSG.size
        buf[at:at + k * MSG.size] = block[:k * MSG.size]
        head += k
        words[HEAD] = head  # after the slots: x86 keeps store order


def handroll_consume(buf, words, n, run):
    tail, misses, stall = 0, 0, Stall("shm+struct consumer")
    while tail < n:
        ready = words[HEAD] - tail
        if ready == 0:
            misses += 1
            relax(misses, stall)
            continue
        stall.moved()
        k = min(run, ready, CAPACITY - tail % CAPACITY)
        at = SLOTS + (tail % CAPACITY) * MSG.size
        block = bytes(buf[at:at + k * MSG.size])
        for j in range(k):
            if MSG.unpack_from(block, j * MSG.size)[0] != tail + j:
                raise SystemExit("shm+struct: message %d out of order (seq %d, head %d, k %d)"
                                 % (tail + j, MSG.unpack_from(block, j * MSG.size)[0], tail + ready, k))
        tail += k
        words[TAIL] = tail


# ---- running a case ----------------------------------------------------------------

def run_pair(ctx, target, args_of):
    """Runs producer and consumer processes; returns elapsed seconds."""
    barrier, results = ctx.Barrier(2, timeout=STALL), ctx.Queue()
    procs = [ctx.Process(target=target, args=args_of(role) + (barrier, results)) for role in ("produce", "consume")]
    try:
        for p in procs:
            p.start()
        times = []
        while len(times) < 2:
            if any(p.exitcode not in (None, 0) for p in procs):
                raise SystemExit("a %s process failed (exits %s)" % (target.__name__, [p.exitcode for p in procs]))
            try:
                times.append(results.get(timeout=1))
            except queue.Empty:
                pass
        return max(t[2] for t in times) - min(t[1] for t in times)
    finally:
        for p in procs:  # never leave a spinning partner behind
            p.join(STALL)
            if p.is_alive():
                p.kill()
                p.join()


def case_shmgen(kind, bulk):
    def run(ctx, n):
        import pybench
        name = "/shmgen_pybench_%d" % os.getpid()
        with pybench.create(name):
            return run_pair(ctx, shmgen_side, lambda role: (role, kind, bulk, name, n))
    return run


def case_mpq(ctx, n):
    q = ctx.Queue(CAPACITY)
    return run_pair(ctx, mpq_side, lambda role: (role, q, n))


def case_handroll(bulk):
    def run(ctx, n):
        from multiprocessing import shared_memory
        shm = shared_memory.SharedMemory(create=True, size=SLOTS + CAPACITY * MSG.size)
        try:
            shm.buf[:SLOTS] = bytes(SLOTS)
            return run_pair(ctx, handroll_side, lambda role: (role, bulk, shm.name, n))
        finally:
            shm.close()
            shm.unlink()
    return run


# (id, label, runner, message count relative to --n)
CASES = [
    ("queue_single", "shmgen queue single", case_shmgen("queue", False), 1),
    ("queue_bulk", "shmgen queue bulk", case_shmgen("queue", True), 10),
    ("ring_single", "shmgen ring single", case_shmgen("ring", False), 1),
    ("ring_bulk", "shmgen ring bulk", case_shmgen("ring", True), 10),
    ("topic_copy", "shmgen topic copy", case_shmgen("topic", False), 1),
    ("topic_loan", "shmgen topic loan", case_shmgen("topic", True), 1),
    ("mpq", "mp.Queue", case_mpq, 1),
    ("handroll_single", "shm+struct single", case_handroll(False), 1),
    ("handroll_bulk", "shm+struct bulk", case_handroll(True), 10),
]

# (ours, peer, the goal)
TARGETS = [("ring_bulk", "mpq", 50.0), ("queue_single", "mpq", 3.0), ("ring_single", "mpq", 3.0)]


def per_call(n, fn):
    """Microseconds per call of fn()."""
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def in_process_cost(n):
    """Microseconds per call (or pair) of the single operations in one process."""
    import pybench
    with pybench.create("/shmgen_pybench_local_%d" % os.getpid()) as seg:
        rec, q, topic, newest = np.zeros((), pybench.msg)[()], seg.q, seg.t, seg.newest
        sub = topic.subscribe("local")
        newest.store(rec)

        def loan_read():
            with topic.loan() as slot:
                slot.value["seq"] = 1
            sub.read().release()
        return {"enqueue + dequeue": per_call(n, lambda: (q.enqueue(rec), q.dequeue())),
                "atomic fetch_add": per_call(n, lambda: seg.sent.fetch_add(1)),
                "topic publish + take": per_call(n, lambda: (topic.publish(rec), sub.take())),
                "topic loan + publish + read + release": per_call(n, loan_read),
                "latest store": per_call(n, lambda: newest.store(rec)),
                "latest load": per_call(n, newest.load)}


def main():
    parser = argparse.ArgumentParser(description="shmgen Python benchmark (see the file's docstring)")
    parser.add_argument("--n", type=int, default=200000, help="messages of the single cases (bulk: 10x)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="few messages, one round: checks, no timing claims")
    parser.add_argument("--cases", help="comma-separated case ids to run (default: all; mpq is always run)")
    args = parser.parse_args()
    if args.smoke:
        args.n, args.rounds = 3000, 1
    ctx = mp.get_context("spawn")
    wanted = set(args.cases.split(",")) | {"mpq", "handroll_single", "handroll_bulk"} if args.cases else None
    cases = [c for c in CASES if wanted is None or c[0] in wanted]
    rates = {c[0]: [] for c in cases}
    for r in range(args.rounds):
        for cid, _label, runner, scale in (cases if r % 2 == 0 else cases[::-1]):
            rates[cid].append(args.n * scale / runner(ctx, args.n * scale))
    report(args, rates)
    return 0


def report(args, rates):
    med = {cid: statistics.median(v) for cid, v in rates.items()}
    print("shmgen Python benchmark, %s; 64-byte messages, capacity %d, %d round(s), %d single / %d bulk messages"
          % (time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), CAPACITY, args.rounds, args.n, args.n * 10))
    print("CPUs: %d; Python %s; numpy %s" % (len(os.sched_getaffinity(0)), sys.version.split()[0], np.__version__))
    for cid, label, _runner, _scale in CASES:
        if cid not in rates:
            continue
        v = rates[cid]
        print("%-20s %10.0f msg/s median (%.0f-%.0f); %6.1fx mp.Queue, %5.2fx shm+struct %s"
              % (label, med[cid], min(v), max(v), med[cid] / med["mpq"],
                 med[cid] / med["handroll_bulk" if "bulk" in cid else "handroll_single"],
                 "bulk" if "bulk" in cid else "single"))
    if args.smoke:
        print("smoke run: every message arrived in order (no timing claims)")
        return
    for ours, peer, goal in TARGETS:
        if ours not in med:
            continue
        ratio = med[ours] / med[peer]
        print("target %s >= %.0fx %s: %.1fx %s" % (ours, goal, peer, ratio, "MET" if ratio >= goal else "NOT MET"))
    print("in one process, us per call: " + ", ".join("%s %.2f" % kv for kv in in_process_cost(100000).items()))


if __name__ == "__main__":
    sys.exit(main())
