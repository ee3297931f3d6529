# SPDX-License-Identifier: MIT

"""test_interop.py — C and Python processes on one segment: for the queue, the
ring, the stack and the pool, a C producer (py_peer) with a Python consumer
and a Python producer with a C consumer, every element checked field by
field on both sides (peer.c's item() and conftest.item() agree; C poisons
padding, so a dtype reading padding as data would fail)."""

import time

import numpy as np

from conftest import check_item, finish, item, peer, shm_name

N = 8000
WAIT = 20.0


def test_c_queue_to_python(interop):
    with interop.create(shm_name("q1")) as seg:
        proc = peer("produce-queue", seg.shm_name, N, wait=False)
        q, seq = seg.items_q, 0
        while seq < N:
            if seq % 3:
                got = q.dequeue_wait(WAIT)
                assert got is not None, "timed out at item %d" % seq
                check_item(got, seq)
                seq += 1
            else:  # every third turn a bulk read of what is there
                for rec in q.dequeue_bulk(16):
                    check_item(rec, seq)
                    seq += 1
        finish(proc)
        assert q.dequeue() is None


def test_python_queue_to_c(interop):
    with interop.create(shm_name("q2")) as seg:
        proc = peer("consume-queue", seg.shm_name, N, wait=False)
        seq = 0
        while seq < N:
            if seq % 5 == 0 and N - seq >= 8:
                batch = np.array([item(s) for s in range(seq, seq + 8)], dtype=interop.item)
                seq += seg.items_q.enqueue_bulk(batch)
            elif seg.items_q.enqueue_wait(item(seq), WAIT):
                seq += 1
            else:
                raise AssertionError("enqueue timed out at %d" % seq)
        finish(proc)


def test_c_ring_to_python(interop):
    with interop.create(shm_name("r1")) as seg:
        proc = peer("produce-ring", seg.shm_name, N, wait=False)
        r, seq, out = seg.items_r, 0, np.zeros(10, interop.item)
        while seq < N:
            n = r.pop_bulk_into(out)
            if n == 0:
                got = r.pop_wait(WAIT)
                assert got is not None, "timed out at item %d" % seq
                check_item(got, seq)
                seq += 1
            for rec in out[:n]:
                check_item(rec, seq)
                seq += 1
        finish(proc)
        assert r.pushed() == N and r.dropped() == 0


def test_python_ring_to_c(interop):
    with interop.create(shm_name("r2")) as seg:
        proc = peer("consume-ring", seg.shm_name, N, wait=False)
        r, seq = seg.items_r, 0
        while seq < N:
            if seq % 2:
                assert r.push_wait(item(seq), WAIT), "push timed out at %d" % seq
                seq += 1
            else:
                batch = np.array([item(s) for s in range(seq, min(N, seq + 7))], dtype=interop.item)
                seq += r.push_bulk(batch)
                if r.size() == r.capacity():
                    r.wait_space(WAIT)
        finish(proc)


def test_c_stack_to_python(interop):
    with interop.create(shm_name("s1")) as seg:
        proc = peer("produce-stack", seg.shm_name, N, wait=False)
        seen = np.zeros(N, np.uint8)
        for _ in range(N):
            got = seg.items_s.pop_wait(WAIT)
            assert got is not None
            seq = int(got["seq"])
            assert seq < N and not seen[seq], "item %d popped twice" % seq
            seen[seq] = 1
            check_item(got, seq)
        finish(proc)
        assert seen.all()


def test_python_stack_to_c(interop):
    with interop.create(shm_name("s2")) as seg:
        proc = peer("consume-stack", seg.shm_name, N, wait=False)
        for seq in range(N):
            assert seg.items_s.push_wait(item(seq), WAIT), "push timed out at %d" % seq
        finish(proc)


def test_c_pool_to_python(interop):
    with interop.create(shm_name("p1")) as seg:
        proc = peer("produce-pool", seg.shm_name, N, wait=False)
        pool = seg.items_p
        for seq in range(N):
            h = seg.handles.dequeue_wait(WAIT)
            assert h is not None, "no handle for item %d" % seq
            pool.adopt(h)
            check_item(pool.get(h), seq)
            pool.release(h)
        finish(proc)
        assert pool.num_allocated() == 0


def test_python_pool_to_c(interop):
    with interop.create(shm_name("p2")) as seg:
        proc = peer("consume-pool", seg.shm_name, N, wait=False)
        pool = seg.items_p
        for seq in range(N):
            h, deadline = pool.acquire(), time.monotonic() + WAIT
            while h is None:  # all 32 slots wait for the C side
                assert time.monotonic() < deadline, "the pool stayed full"
                time.sleep(0.001)
                h = pool.acquire()
            pool.set(h, item(seq))
            assert seg.handles.enqueue_wait(h, WAIT)
        finish(proc)
        assert pool.num_allocated() == 0
