# SPDX-License-Identifier: MIT

"""test_kinds.py — every operation of every kind from Python, in one process:
values in and out, FULL / EMPTY / TIMEOUT as return values, bulk forms,
errors as shmgen.Error, the layout checks at open (a changed element type
refused naming its structure; a `since` structure reported absent), and the
life of a segment whose NumPy views outlive close()."""

import gc
import os
import re
import threading
import time

import numpy as np
import pytest

import shmgen
from conftest import SOURCE_DIR, generate, item, load, shm_name, check_item

E2E = os.path.join(SOURCE_DIR, "tests", "generator", "codegen", "e2e")


@pytest.fixture
def e2e(tmp_path):
    """The e2e schema (every kind) and an open segment of it."""
    mod = load(generate(os.path.join(E2E, "segment.yaml"), tmp_path / "gen"))
    with mod.create(shm_name("k")) as seg:
        yield mod, seg


def test_error_codes_are_the_runtime_table():
    with open(os.path.join(SOURCE_DIR, "runtime", "include", "shmgen", "errors.h")) as f:
        table = dict((n, int(v)) for n, v in re.findall(r"XX\((\w+), (-?\d+),", f.read()))
    assert {c.name: int(c) for c in shmgen.ErrorCode} == table


def test_queue_single_bulk_and_full_empty(e2e):
    mod, seg = e2e
    q = seg.points
    assert q.capacity() == 8 and q.size() == 0 and q.dequeue() is None
    for i in range(8):
        assert q.enqueue((i, -i, i * 10)) is True
    assert q.enqueue((9, 9, 9)) is False  # FULL is a value
    assert q.size() == 8
    got = q.dequeue()
    assert isinstance(got, np.void) and got.dtype == mod.point and tuple(got) == (0.0, 0.0, 0)
    rest = q.dequeue_bulk(100)
    assert rest.dtype == mod.point and list(rest["seq"]) == list(range(10, 80, 10))
    assert q.dequeue_bulk(4).shape == (0,)
    assert q.enqueue_bulk(np.array([(1, 2, 3), (4, 5, 6)], dtype=mod.point)) == 2
    assert q.enqueue({"seq": 7, "x": 1.5}) is True  # a dict: missing fields are 0
    out = np.zeros(5, mod.point)
    assert q.dequeue_bulk_into(out) == 3 and list(out["seq"][:3]) == [3, 6, 7] and out["y"][2] == 0


def test_queue_bulk_refuses_wrong_arrays(e2e):
    mod, seg = e2e
    with pytest.raises(ValueError):
        seg.points.dequeue_bulk_into(np.zeros(4, np.float64))
    with pytest.raises(ValueError):
        seg.points.dequeue_bulk_into(np.zeros(8, mod.point)[::2])
    with pytest.raises(ValueError):
        seg.points.dequeue_bulk(-1)
    with pytest.raises(ValueError):
        seg.blobs.enqueue_bulk(np.zeros((2, 15), np.uint8))  # elements are u8[16]


def test_array_element_kinds(e2e):
    mod, seg = e2e
    blob = np.arange(16, dtype=np.uint8)
    assert seg.blobs.enqueue(blob) and seg.blobs.enqueue_bulk(np.stack([blob, blob[::-1]])) == 2
    first = seg.blobs.dequeue()
    assert first.shape == (16,) and np.array_equal(first, blob)
    assert np.array_equal(seg.blobs.dequeue_bulk(5), np.stack([blob, blob[::-1]]))
    assert seg.replies.enqueue(2**64 - 1) and seg.replies.dequeue() == 2**64 - 1  # a plain int back


def test_waits_time_out_and_release_the_gil(e2e):
    _, seg = e2e
    t0 = time.monotonic()
    assert seg.points.dequeue_wait(0.05) is None
    assert seg.points.wait_data(0) is False
    assert time.monotonic() - t0 >= 0.05
    # a thread blocked in a wait does not hold the GIL: the other thread runs and feeds it
    got = []
    waiter = threading.Thread(target=lambda: got.append(seg.points.dequeue_wait(10)))
    waiter.start()
    ticks = 0
    while ticks < 1000:  # Python work while the waiter sits in the runtime
        ticks += 1
    assert seg.points.enqueue((1, 2, 3))
    waiter.join(10)
    assert not waiter.is_alive() and got and got[0]["seq"] == 3
    with pytest.raises(ValueError):
        seg.points.dequeue_wait(-1)


def test_stack(e2e):
    _, seg = e2e
    s = seg.history
    assert s.pop() is None and s.capacity() == 32
    for v in range(32):
        assert s.push(v)
    assert s.push(99) is False and s.push_wait(99, 0.01) is False and s.size() == 32
    assert [s.pop() for _ in range(3)] == [31, 30, 29]
    assert s.pop_wait(1) == 28 and s.wait_space(0) is True


def test_ring(e2e):
    mod, seg = e2e
    r = seg.samples
    assert r.capacity() == 8 and r.pop() is None and r.last_n(4).shape == (0,)
    assert r.push_bulk(np.array([(i, i, i) for i in range(6)], dtype=mod.point)) == 6
    assert r.push((6, 6, 6)) and r.push_wait((7, 7, 7), 1) and r.push((8, 8, 8)) is False
    assert r.push_overwrite((8, 8, 8)) is True and r.dropped() == 1  # the oldest (0) went
    assert list(r.last_n(3)["seq"]) == [6, 7, 8] and r.size() == 8
    out = np.zeros(3, mod.point)
    assert r.last_n_into(out, 2) == 2 and list(out["seq"][:2]) == [7, 8]
    assert r.pop()["seq"] == 1 and list(r.pop_bulk(3)["seq"]) == [2, 3, 4]
    assert r.pop_bulk_into(out) == 3 and list(out["seq"]) == [5, 6, 7]
    assert r.pop_wait(1)["seq"] == 8 and r.pop_wait(0.01) is None
    assert r.pushed() == 9 and r.popped() == 9
    r.release_consumer()
    with pytest.raises(shmgen.Error) as e:
        r.release_consumer()  # not ours any more
    assert e.value.name == "SHMGEN_INVALID_ARGUMENT" and e.value.where == "samples.release_consumer"


def test_pool_views_and_handles(e2e):
    mod, seg = e2e
    p = seg.jobs
    hs = [p.acquire() for _ in range(16)]
    assert all(isinstance(h, int) and h for h in hs) and p.acquire() is None and p.num_allocated() == 16
    job = p.get(hs[3])
    job["id"], job["label"], job["role"] = 42, b"hello", mod.role.boss
    again = p.get(hs[3])
    assert again["id"] == 42 and again["label"] == b"hello" and mod.role(again["role"]) is mod.role.boss
    assert sorted(h for h, _ in p.items()) == sorted(hs)
    p.release(hs[3])
    with pytest.raises(shmgen.Error) as e:
        p.release(hs[3])
    assert e.value.code == shmgen.ErrorCode.STALE_HANDLE
    with pytest.raises(shmgen.Error):
        p.get(hs[3])
    with pytest.raises(ValueError):
        p.release(-1)
    p.adopt(hs[4])


def test_array_is_a_zero_copy_view(e2e):
    _, seg = e2e
    h = seg.handles
    assert isinstance(h, np.ndarray) and h.shape == (16,) and h.dtype == np.uint64 and h.flags.writeable
    h[:] = np.arange(16)
    assert seg.structure("handles")[15] == 15  # the same memory


def test_atomics(e2e):
    _, seg = e2e
    assert seg.total.load() == -100  # the schema's initial value
    assert seg.total.fetch_add(101) == -100 and seg.total.fetch_sub(2) == 1 and seg.total.load() == -1
    assert seg.phase.exchange(7) == 0 and seg.phase.compare_exchange(7, 9) == (True, 7)
    assert seg.phase.compare_exchange(7, 1) == (False, 9)
    assert seg.phase.fetch_sub(10) == 9 and seg.phase.load() == 2**32 - 1  # wraps
    assert seg.ready.load() is False
    seg.ready.store(True)
    assert seg.ready.exchange(False) is True
    with pytest.raises(ValueError):
        seg.phase.store(2**32)
    with pytest.raises(ValueError):
        seg.phase.fetch_add(-1)
    with pytest.raises(TypeError):
        seg.ready.fetch_add(1)


def test_every_item_field_round_trips(interop):
    with interop.create(shm_name("rt")) as seg:
        for seq in (0, 1, 2, 255, 1000, 65535):
            assert seg.items_q.enqueue(item(seq))
            check_item(seg.items_q.dequeue(), seq)


def test_changed_element_type_is_refused_naming_the_structure(tmp_path):
    new = load(generate(os.path.join(E2E, "segment.yaml"), tmp_path / "new"))
    changed = load(generate(os.path.join(E2E, "changed.yaml"), tmp_path / "changed"))
    name = shm_name("chg")
    with new.create(name):
        with pytest.raises(shmgen.Error) as e:
            changed.open(name)
    assert e.value.code == shmgen.ErrorCode.STRUCT_MISMATCH and e.value.name == "SHMGEN_STRUCT_MISMATCH"
    assert "'points'" in e.value.detail and "points" in str(e.value)


def test_since_structure_of_an_older_segment_is_absent(tmp_path):
    new = load(generate(os.path.join(E2E, "segment.yaml"), tmp_path / "new"))
    old = load(generate(os.path.join(E2E, "old.yaml"), tmp_path / "old"))
    name = shm_name("old")
    with old.create(name), new.open(name) as seg:
        assert seg.present("points") and not seg.present("extra")
        with pytest.raises(shmgen.Error) as e:
            seg.extra
        assert e.value.code == shmgen.ErrorCode.STRUCT_MISSING and "'extra'" in str(e.value)
        assert seg.points.enqueue((1, 2, 3))
    with new.create(shm_name("new")) as seg:
        assert seg.present("extra") and seg.extra.shape == (4,)


def test_open_errors_carry_the_runtime_detail(e2e, interop):
    mod, seg = e2e
    with pytest.raises(shmgen.Error) as e:
        mod.create(seg.shm_name)
    assert e.value.code == shmgen.ErrorCode.EXISTS
    with pytest.raises(shmgen.Error) as e:
        mod.open(shm_name("missing"))
    assert e.value.code == shmgen.ErrorCode.NOT_FOUND
    with interop.create(shm_name("other")) as other:
        with pytest.raises(shmgen.Error) as e:
            mod.open(other.shm_name)
    assert e.value.code == shmgen.ErrorCode.LAYOUT_MISMATCH
    assert e.value.detail == "segment 'pyinterop' found, 'e2e' expected" and e.value.detail in str(e.value)


def test_views_keep_the_mapping_until_they_go(e2e):
    mod, seg = e2e
    view, q = seg.handles, seg.points
    job = seg.jobs.get(seg.jobs.acquire())
    view[0], name = 5, seg.shm_name
    seg.close()
    seg.close()  # twice is fine
    assert seg.closed and os.path.exists("/dev/shm" + name)
    with pytest.raises(ValueError):
        q.enqueue((1, 2, 3))
    with pytest.raises(ValueError):
        seg.handles
    assert view[0] == 5 and job["id"] == job["id"]  # still mapped: readable
    del view
    assert os.path.exists("/dev/shm" + name)
    del job
    gc.collect()
    assert not os.path.exists("/dev/shm" + name)  # the last view went: detached, unlinked


def test_a_kind_the_package_does_not_know_is_refused_at_import():
    with pytest.raises(shmgen.LayoutError, match="kind 'mailbox' is not supported by this shmgen package"):
        shmgen.Structure("news", "mailbox", "u8", size=8, align=8, capacity=4, hash=0, since=1, initial=0)


def test_the_schema_mode_is_the_segment_s(tmp_path):
    """nested.yaml says mode 0640: the segment gets it, as from the generated C."""
    mod = load(generate(os.path.join(SOURCE_DIR, "tests", "schema", "good", "nested.yaml"), tmp_path / "gen"))
    assert mod.MODE == 0o640 and mod.LAYOUT.c_layout().mode == 0o640
    with mod.create(shm_name("mode")) as seg:
        assert os.stat("/dev/shm" + seg.shm_name).st_mode & 0o777 == 0o640
        with mod.open(seg.shm_name) as again:  # the schema's mode is the most an attach accepts
            assert again.structure("epoch").load() == -5


def test_close_without_views_detaches_at_once(tmp_path):
    mod = load(generate(os.path.join(E2E, "segment.yaml"), tmp_path / "gen"))
    name = shm_name("c")
    seg = mod.open_or_create(name)
    assert seg.created and os.path.exists("/dev/shm" + name)
    again = mod.open_or_create(name)
    assert not again.created
    again.close()
    seg.close()
    assert not os.path.exists("/dev/shm" + name)
