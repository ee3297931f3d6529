# SPDX-License-Identifier: MIT

"""test_topic.py — the topic and latest kinds from Python: every operation,
lap losses counted, the block policy (the publisher waits for a slow
subscriber; a SIGKILLed subscriber does not block it; a live one past the
deadline is evicted), C publisher -> Python subscribers and Python publisher
-> C subscriber across processes, latest values never torn across
processes, and a module whose topic parameters differ from the segment's
opened as C opens it (the segment's parameters rule).  No timing
assertions: every wait is bounded and only outcomes are checked.
"""

import gc
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import shmgen

from conftest import HERE, INTEROP_SCHEMA, check_item, finish, generate, item, load, peer, shm_name

MULT = 2654435761
WAIT = 20.0  # seconds: a bound that only a hang reaches


def blob(seq):
    """peer.c's blob(seq) as a tuple."""
    return (seq, [seq * 1000003 + i for i in range(30)], seq ^ 0x5A5A5A5A5A5A5A5A)


def blob_whole(b):
    seq = int(b["seq"])
    return (int(b["check"]) == seq ^ 0x5A5A5A5A5A5A5A5A
            and np.array_equal(b["words"], np.arange(30, dtype=np.uint64) + np.uint64(seq * 1000003)))


def wait_until(pred, what):
    deadline = time.monotonic() + WAIT
    while not pred():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for " + what)
        time.sleep(0.001)


@pytest.fixture
def seg(interop):
    with interop.create(shm_name("topic")) as s:
        yield s


def test_publish_take_read_loan_and_counters(interop, seg):
    t = seg.items_t
    assert isinstance(t, shmgen.Topic)
    assert (t.capacity(), t.max_subscribers(), t.published(), t.evictions()) == (16, 4, 0, 0)
    sub = t.subscribe("py")
    assert sub.take() is None and sub.read() is None and not sub.wait(0)
    assert t.publish(item(0))
    with t.loan() as loan:
        loan.value = item(1)
        loan.value["flag"] = False  # in place, field by field
        loan.value["flag"] = item(1)[0]
    assert loan.done and t.published() == 2 and (sub.position(), sub.lag(), sub.lost()) == (0, 2, 0)
    with pytest.raises(ValueError, match="handed back"):
        loan.value
    assert sub.wait(0)
    check_item(sub.take(), 0)
    with sub.read() as r:
        check_item(r.value, 1)
        with pytest.raises(ValueError, match="read-only"):
            r.value["seq"] = 5
    assert r.intact is True and r.release() is True
    assert (sub.position(), sub.lag()) == (2, 0)
    assert sub.take_wait(0) is None and sub.take_wait(0.01) is None


def test_a_loan_left_by_an_exception_is_loaned_again(seg):
    t = seg.evict_t
    sub = t.subscribe("s")
    with pytest.raises(RuntimeError):
        with t.loan() as loan:
            loan.value[()] = 41
            raise RuntimeError("not published")
    assert t.published() == 0
    again = t.loan()
    assert again.value[()] == 41  # the same slot
    again.value[()] = 42
    again.publish()
    again.publish()  # once only
    assert t.published() == 1 and sub.take() == 42


def test_subscribe_errors_and_unsubscribe(seg):
    t = seg.items_t
    for bad in ("", "x" * 32, "a\0b"):
        with pytest.raises(shmgen.Error) as e:
            t.subscribe(bad)
        assert e.value.name == "SHMGEN_INVALID_ARGUMENT"
    subs = [t.subscribe("s%d" % i) for i in range(4)]
    with pytest.raises(shmgen.Error) as e:
        t.subscribe("s0")
    assert e.value.name == "SHMGEN_BUSY" and "items_t" in str(e.value)
    with pytest.raises(shmgen.Error) as e:
        t.subscribe("fifth")
    assert e.value.name == "SHMGEN_FULL"
    assert [s["name"] for s in t.subscribers()] == ["s0", "s1", "s2", "s3"]
    assert all(s["alive"] and s["pid"] == os.getpid() for s in t.subscribers())
    subs[0].unsubscribe()
    with pytest.raises(ValueError, match="closed"):
        subs[0].take()
    with subs[1]:
        pass
    assert [s["name"] for s in t.subscribers()] == ["s2", "s3"]
    t.subscribe("s0").close()


def test_history_gives_a_late_subscriber_the_newest(seg):
    h = seg.hist_t
    for i in range(5):
        assert h.publish(i)
    late = h.subscribe("late")
    assert [late.take() for _ in range(4)] == [2, 3, 4, None]


def test_lap_losses_are_counted_received_plus_lost_is_published(seg):
    lap = seg.msgs_lap
    sub = lap.subscribe("py")
    peer("lap-publish", seg.shm_name, 5000)  # the C publisher never waits: the subscriber is lapped
    got = []
    while (m := sub.take()) is not None:
        assert int(m["check"]) == int(m["seq"]) * MULT % 2**64
        got.append(int(m["seq"]))
    assert lap.published() == 5000 and len(got) + sub.lost() == 5000
    assert got == sorted(got) and 0 < len(got) <= lap.capacity() and got[-1] == 4999
    assert sub.lost() == got[0]  # everything before the oldest intact one


def test_a_read_overwritten_under_lap_is_reported(seg):
    lap = seg.msgs_lap
    sub = lap.subscribe("py")
    lap.publish((0, 0, 0))
    r = sub.read()
    for i in range(1, 2 * lap.capacity() + 1):  # laps the slot being read
        assert lap.publish((0, i, i * MULT % 2**64))
    assert r.release() is False and r.intact is False
    assert sub.lost() >= 1


def test_block_publisher_gets_full_then_waits_for_a_slow_subscriber(seg):
    t = seg.items_t
    sub = t.subscribe("slow")
    for i in range(16):
        assert t.publish(item(i))
    assert t.publish(item(16)) is False and t.loan() is None
    assert t.publish_wait(item(16), 0) is False and t.loan_wait(0.01) is None
    got = []

    def consume():
        while len(got) < 200:
            m = sub.take_wait(WAIT)
            if m is None:
                return
            got.append(int(m["seq"]))
            time.sleep(0.001)
    reader = threading.Thread(target=consume)
    reader.start()
    for i in range(16, 200):
        if i % 2:
            assert t.publish_wait(item(i), WAIT)
        else:
            loan = t.loan_wait(WAIT)
            loan.value = item(i)
            loan.publish()
    reader.join(WAIT)
    assert got == list(range(200)) and sub.lost() == 0


def test_block_publisher_waits_for_a_slow_c_subscriber(seg):
    t = seg.items_t
    proc = peer("topic-slow", seg.shm_name, 100, wait=False)
    wait_until(lambda: seg.topic_ready.load() == 1, "the C subscriber")
    for i in range(100):
        assert t.publish_wait(item(i), WAIT)
    finish(proc)


def test_c_publisher_python_subscribers(seg):
    t = seg.items_t
    a, b = t.subscribe("py_a"), t.subscribe("py_b")
    proc = peer("topic-publish", seg.shm_name, 1000, wait=False)
    for i in range(1000):
        check_item(a.take_wait(WAIT), i)
        assert b.wait(WAIT)
        with b.read() as r:
            check_item(r.value, i)
        assert r.intact
    finish(proc)
    assert a.lost() == b.lost() == 0 and t.published() == 1000


def test_python_publisher_c_subscriber(seg):
    t = seg.items_t
    proc = peer("topic-subscribe", seg.shm_name, 1000, wait=False)
    wait_until(lambda: seg.topic_ready.load() == 1, "the C subscriber")
    for i in range(1000):
        if i % 3 == 0:
            with t.loan_wait(WAIT) as loan:
                loan.value = item(i)
        else:
            assert t.publish_wait(item(i), WAIT)
    finish(proc)


def test_a_killed_python_subscriber_does_not_block_the_publisher(interop, seg):
    t = seg.items_t
    module = interop.__file__
    victim = subprocess.Popen([sys.executable, os.path.join(HERE, "crash_role.py"), module, seg.shm_name, "hold"],
                              env=os.environ)
    try:
        wait_until(lambda: seg.topic_ready.load() == 1 or victim.poll() is not None, "the victim to subscribe")
        assert t.publish(item(0))
        wait_until(lambda: seg.topic_ready.load() == 2 or victim.poll() is not None, "the victim to read")
        assert victim.poll() is None
        for i in range(1, 16):
            assert t.publish(item(i))
        assert t.publish(item(16)) is False  # the live victim holds the topic full
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    seg.recover()
    for i in range(16, 64):  # the dead subscriber is detached: no wait for it
        assert t.publish_wait(item(i), WAIT)
    gone = [s for s in t.subscribers() if s["name"] == "victim"]
    assert gone and not gone[0]["alive"]
    again = t.subscribe("victim")  # its name resumes: what was overwritten meanwhile is counted lost
    got = []
    while (m := again.take()) is not None:
        check_item(m, int(m["seq"]))
        got.append(int(m["seq"]))
    assert got == list(range(64 - len(got), 64)) and len(got) + again.lost() == t.published() == 64


def test_a_live_subscriber_past_the_deadline_is_evicted(seg):
    e = seg.evict_t
    stalled = e.subscribe("stalled")
    for i in range(4):
        assert e.publish(i)
    assert e.publish_wait(4, WAIT)  # deadline_ms 20: the stalled subscriber is evicted
    assert e.evictions() == 1
    with pytest.raises(shmgen.Error) as err:
        stalled.take()
    assert err.value.name == "SHMGEN_EVICTED"


def test_latest_store_load_version_wait(interop, seg):
    lat = seg.blob_l
    assert isinstance(lat, shmgen.Latest)
    assert lat.load() is None and lat.version() == 0 and not lat.wait(0, 0)
    lat.store(blob(7))
    value, version = lat.load()
    assert blob_whole(value) and int(value["seq"]) == 7 and version == lat.version() == 1
    assert lat.wait(0, 0) and not lat.wait(1, 0.01)
    waiter = threading.Thread(target=lambda: lat.store(blob(8)))
    waiter.start()
    assert lat.wait(1, WAIT)
    waiter.join()
    assert lat.version() == 2 and blob_whole(lat.load()[0])
    with pytest.raises(ValueError):
        lat.wait(-1)


def test_latest_is_never_torn_c_writer_python_reader(seg):
    lat, n, loads = seg.blob_l, 20000, 0
    proc = peer("latest-store", seg.shm_name, n, wait=False)
    last = 0
    while last < n:
        try:
            got = lat.load()
        except shmgen.Error as e:  # BUSY: the C writer overtook the copy 256 times in a row
            assert e.name == "SHMGEN_BUSY", e
            continue
        if got is None:
            # Nothing stored yet: the writer must still be running, or (it may
            # have stored everything and exited since our load) have stored.
            assert proc.poll() is None or lat.version() > 0
            continue
        value, version = got
        assert blob_whole(value), "torn: %r" % (value,)
        assert int(value["seq"]) >= last and version >= int(value["seq"])
        last, loads = int(value["seq"]), loads + 1
    finish(proc)
    assert lat.version() == n


def test_latest_is_never_torn_python_writer_c_reader(seg):
    proc = peer("latest-load", seg.shm_name, 3000, wait=False)
    for i in range(1, 3001):
        seg.blob_l.store(blob(i))
    finish(proc)


def _changed(tmp_path, schema, n, change):
    path = tmp_path / ("changed%d.yaml" % n)
    path.write_text(schema.replace("subscribers: 4, policy: block}", change))
    return load(generate(path, tmp_path / ("gen%d" % n)))


def test_topic_parameters_at_open_as_in_c(tmp_path, interop):
    """The module's topic parameters reach the runtime's open, which (for C as
    for Python) runs a topic with the segment's subscribers, history and
    deadline_ms, and refuses another policy: lap and block give the same
    words another meaning (shmgen verify and compat call it breaking too)."""
    with open(INTEROP_SCHEMA) as f:
        schema = f.read()
    assert "subscribers: 4, policy: block}" in schema
    lap = _changed(tmp_path, schema, 0, "subscribers: 4, policy: lap}")
    more = _changed(tmp_path, schema, 1, "subscribers: 6, history: 2, policy: block, deadline_ms: 9}")
    desc = lap.LAYOUT.c_layout().structs[lap.LAYOUT.index["items_t"]]
    assert (desc.subscribers, desc.policy) == (4, 0)  # what C's descriptor says for the lap schema
    desc = more.LAYOUT.c_layout().structs[more.LAYOUT.index["items_t"]]
    assert (desc.subscribers, desc.history, desc.policy, desc.deadline_ms) == (6, 2, 1, 9)
    with interop.create(shm_name("param")) as s, more.open(s.shm_name) as other:
        with pytest.raises(shmgen.Error) as e:
            lap.open(s.shm_name)
        assert e.value.name == "SHMGEN_STRUCT_MISMATCH"
        assert "structure 'items_t': topic policy block in segment, lap expected" in str(e.value)
        assert other.items_t.max_subscribers() == 4  # the segment's
        sub = other.items_t.subscribe("x")
        assert other.items_t.publish(item(0))
        with pytest.raises(shmgen.Error) as e:
            s.items_t.publish(item(1))
        assert e.value.name == "SHMGEN_BUSY"  # one publisher at a time
        other.items_t.release_publisher()
        for i in range(1, 16):
            assert s.items_t.publish(item(i))
        assert s.items_t.publish(item(16)) is False  # block, capacity 16
        check_item(sub.take(), 0)


def test_a_topic_structure_needs_its_policy():
    with pytest.raises(shmgen.LayoutError, match="policy None for a topic"):
        shmgen.Structure("news", "topic", "u8", size=8, align=8, capacity=4, hash=0, since=1, initial=0)
    with pytest.raises(shmgen.LayoutError, match="policy 'lap' for a queue"):
        shmgen.Structure("q", "queue", "u8", size=8, align=8, capacity=4, hash=0, since=1, initial=0, policy="lap")


def test_close_detaches_although_the_topic_object_lives_on(interop):
    """Loans and reads are slices of one view of the topic's region that the
    Topic keeps; close() drops it, so only the caller's views delay the detach."""
    name = shm_name("close")
    seg = interop.create(name)
    t = seg.evict_t
    sub = t.subscribe("s")
    with t.loan() as loan:
        loan.value[()] = 1
    r = sub.read()
    value = r.value
    assert r.release() and value[()] == 1
    seg.close()
    assert os.path.exists("/dev/shm" + name)  # value, r and loan still see the mapping
    del value, r, loan
    gc.collect()
    assert not os.path.exists("/dev/shm" + name) and t is not None and sub is not None
    with pytest.raises(ValueError, match="closed"):
        t.publish(2)
