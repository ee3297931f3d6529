# SPDX-License-Identifier: MIT

"""test_crash.py — Python processes SIGKILLed in the middle of their work while
C processes carry on, on one segment: recovery works for them as for C.

Queue: a C producer and a C consumer run through; Python producers and
Python consumers are started and SIGKILLed in turns (crash_role.py).
Afterwards every msg of both producers was counted once at most, and the
msgs never counted are at most one per kill that could have held one in
flight.  Ring: a C producer pushes while Python consumers, each taking over
the consumer side from its killed predecessor, are killed in turn.  Every
C process must exit 0 (no wait of theirs timed out: what the dead left
behind was repaired)."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np

from conftest import HERE, SEEN_HALF, finish, peer, shm_name

N = 100000  # msgs of each C producer
N_PY = SEEN_HALF  # msgs the Python producers share: enough to outlast the kills
KILLS = 12
ROLE = os.path.join(HERE, "crash_role.py")


def start(module, name, *role):
    return subprocess.Popen([sys.executable, ROLE, str(module), name] + [str(r) for r in role],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill(proc):
    """SIGKILLs proc; True when it was still running (a real kill)."""
    alive = proc.poll() is None
    if alive:
        proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert alive or proc.returncode == 0, proc.communicate()
    return alive


def test_python_producers_and_consumers_killed_beside_c(interop):
    module = interop.__file__
    rng = random.Random(14)
    with interop.create(shm_name("crashq")) as seg:
        c_consumer = peer("crash-consume", seg.shm_name, wait=False)
        c_producer = peer("crash-produce", seg.shm_name, N, wait=False)
        kills = {"produce": 0, "consume": 0}
        args = {"produce": [N_PY], "consume": []}
        procs = {role: start(module, seg.shm_name, role, *args[role]) for role in args}
        deadline = time.monotonic() + 120
        for turn in range(1000):  # the roles take turns: each is killed about as often
            if min(kills.values()) >= KILLS or seg.py_next.load() >= N_PY or time.monotonic() > deadline:
                break
            time.sleep(rng.uniform(0.02, 0.12))
            role = ("produce", "consume")[turn % 2]
            kills[role] += kill(procs[role])
            procs[role] = start(module, seg.shm_name, role, *args[role])
        assert min(kills.values()) >= 3, kills  # the kills happened while there was work
        finish(procs["produce"], 120)
        finish(c_producer)
        seg.producers_done.store(True)
        finish(procs["consume"], 120)
        finish(c_consumer)
        counts = np.array(seg.seen)
        assert counts.max() <= 1, "a msg was counted twice"
        lost_c = N - int(counts[:N].sum())
        lost_py = N_PY - int(counts[SEEN_HALF:SEEN_HALF + N_PY].sum())
        print("queue: kills %s, lost from the C producer %d, from the Python producers %d" % (kills, lost_c, lost_py))
        # a killed consumer loses the msg it held; a killed producer the one it was enqueueing
        assert lost_c <= kills["consume"], (lost_c, kills)
        assert lost_c + lost_py <= kills["consume"] + kills["produce"], (lost_c, lost_py, kills)
        assert seg.msgs_q.size() == 0


def test_python_ring_consumers_killed_beside_a_c_producer(interop):
    module = interop.__file__
    rng = random.Random(41)
    with interop.create(shm_name("crashr")) as seg:
        c_producer = peer("crash-ring", seg.shm_name, N, wait=False)
        consumer, kills = start(module, seg.shm_name, "ring"), 0
        deadline = time.monotonic() + 120
        while kills < KILLS and c_producer.poll() is None and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.03, 0.15))
            kills += kill(consumer)
            consumer = start(module, seg.shm_name, "ring")  # takes over the dead consumer's side
        finish(c_producer)
        seg.producers_done.store(True)
        finish(consumer, 120)
        counts = np.array(seg.seen[:N])
        print("ring: %d consumers killed, %d msgs lost" % (kills, N - int(counts.sum())))
        assert kills >= 3 and counts.max() <= 1
        assert N - int(counts.sum()) <= kills, (N - int(counts.sum()), kills)
        assert seg.msgs_r.size() == 0 and seg.msgs_r.pushed() == N
