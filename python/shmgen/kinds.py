"""shmgen.kinds — the structures of an attached segment, one class per kind.

Every operation is one call into the runtime's shared library (ctypes
releases the GIL around it); nothing here touches a queue, ring, stack or
pool word itself, so lock-freedom, the operation journals and crash recovery
are the C runtime's.  Elements move through a per-thread one-element NumPy
buffer (single operations) or a caller's NumPy array (bulk ones).

Outcomes that are not errors come back as values: FULL as False, EMPTY and
TIMEOUT as None (or False for the waits), a full pool as None; every other
code raises shmgen.Error.  Timeouts are in seconds, None waiting for ever.
A wait first polls (SPIN_POLLS runtime calls that do not sleep, tens of
microseconds: a sleep and its wake-up through the kernel cost more than that
on each side), then sleeps in runtime waits of at most WAIT_SLICE seconds,
so signal handlers (Ctrl-C) run between them.  Depends on numpy, _lib and
errors.
"""

import ctypes
import math
import threading
import time

import numpy as np

from . import _lib
from .errors import Error, ErrorCode, raise_error

_L = _lib.lib
_FULL, _EMPTY, _TIMEOUT = int(ErrorCode.FULL), int(ErrorCode.EMPTY), int(ErrorCode.TIMEOUT)
_U64 = 1 << 64
WAIT_SLICE = 0.25
SPIN_POLLS = 64
_INT_MAX_MS = 0x7FFFFFFF


def _address(arr):
    return arr.__array_interface__["data"][0]


def _deadline(timeout):
    """The monotonic deadline of a timeout in seconds (None: for ever)."""
    if timeout is None:
        return None
    if not timeout >= 0 or math.isinf(timeout):
        raise ValueError("timeout must be None or a finite number of seconds >= 0, not %r" % (timeout,))
    return time.monotonic() + timeout


def _blocking(call, timeout):
    """call(ms) -> code, polled with ms = 0, then repeated in slices, until it is
    not SHMGEN_TIMEOUT or the timeout passed."""
    deadline, slice_ms = _deadline(timeout), int(WAIT_SLICE * 1000)
    for _ in range(SPIN_POLLS if timeout != 0 else 1):
        rc = call(0)
        if rc != _TIMEOUT or (deadline is not None and time.monotonic() >= deadline):
            return rc
    while True:
        if deadline is None:
            ms = slice_ms
        else:
            ms = min(slice_ms, max(0, math.ceil((deadline - time.monotonic()) * 1000)))
        rc = call(ms)
        if rc != _TIMEOUT or (deadline is not None and time.monotonic() >= deadline):
            return rc


def _assign(arr, dtype, value):
    """arr[0] = value, where value is a record, tuple, number, bytes, array, or
    a dict of fields (the fields it leaves out become 0)."""
    if isinstance(value, dict):
        arr[0] = np.zeros((), dtype) if dtype.names else 0
        for field, v in value.items():
            arr[0][field] = v
    else:
        arr[0] = value


class _Bound:
    """What every structure object has: its name, its element dtype and the
    runtime handle bound to it in this attachment."""

    kind = None
    __slots__ = ("name", "dtype", "_desc", "_att", "_hbuf", "_h", "_local", "_count")

    @classmethod
    def bind(cls, att, desc, info):
        hbuf = _lib.handle_buffer(cls.kind)
        rc = getattr(_L, "shmgen_%s_bind" % cls.kind)(ctypes.addressof(hbuf), att.ptr, ctypes.byref(info))
        if rc != 0:
            raise_error(rc, "bind %s" % desc.name, desc.name)
        obj = object.__new__(cls)
        obj.name, obj.dtype, obj._desc, obj._att = desc.name, desc.dtype, desc, att
        obj._hbuf, obj._h, obj._local = hbuf, ctypes.addressof(hbuf), threading.local()
        obj._count = math.prod(desc.shape)
        return obj.setup()

    def setup(self):
        return self

    def _live(self):
        """The handle's address; ValueError once the segment is closed."""
        if self._att.closed:
            raise ValueError("segment %s is closed" % self._att.name)
        return self._h

    def _fail(self, rc, op):
        raise_error(rc, "%s.%s" % (self.name, op), self.name)

    def __repr__(self):
        return "<shmgen %s %s of %s>" % (self.kind, self.name, self.dtype)


OUT_BLOCK = 256


class _OutBlock:
    """Where a thread's single dequeues / pops write: the next free element of a
    block of OUT_BLOCK.  A structured or array element is handed out as a view
    of its place in the block, so no copy is made (the block lives as long as
    any element of it does); a scalar is handed out as a Python value and its
    place used again."""

    __slots__ = ("desc", "arr", "base", "used", "keep", "size")

    def __init__(self, desc):
        self.desc, self.keep, self.size = desc, bool(desc.dtype.names or desc.shape), desc.elem_size
        self.renew()

    def renew(self):
        self.arr = np.empty((OUT_BLOCK,) + self.desc.shape, self.desc.base)
        self.base, self.used = _address(self.arr), 0

    def next_address(self):
        return self.base + self.used * self.size

    def take(self):
        """The element just written at next_address()."""
        v = self.arr[self.used]
        if self.keep:
            self.used += 1
            return v
        return v.item()


class _Elements(_Bound):
    """A structure that copies elements in and out (queue, stack, ring)."""

    __slots__ = ()

    def _scratch(self):
        """This thread's one-element buffer and its address (zeroed once, so padding stays 0)."""
        try:
            return self._local.scratch
        except AttributeError:
            arr = np.zeros((1,) + self._desc.shape, self._desc.base)
            self._local.scratch = (arr, _address(arr))
            return self._local.scratch

    def _fill(self, value):
        """Puts value into the scratch buffer; returns its address."""
        arr, addr = self._scratch()
        _assign(arr, self.dtype, value)
        return addr

    def _out(self):
        """This thread's output block, with room for one more element."""
        try:
            out = self._local.out
        except AttributeError:
            out = self._local.out = _OutBlock(self._desc)
        if out.used == OUT_BLOCK:
            out.renew()
        return out

    # _put and _get are the single operations' whole path, written out: each
    # call saved here is a tenth of a microsecond of a one-microsecond operation.
    def _put(self, fn, op, value):
        h = self._live()
        try:
            arr, addr = self._local.scratch
        except AttributeError:
            arr, addr = self._scratch()
        if type(value) is dict:
            _assign(arr, self.dtype, value)
        else:
            arr[0] = value
        rc = fn(h, addr)
        if rc == 0:
            return True
        if rc == _FULL:
            return False
        self._fail(rc, op)

    def _get(self, fn, op):
        h = self._live()
        try:
            out = self._local.out
        except AttributeError:
            out = self._out()
        if out.used == OUT_BLOCK:
            out.renew()
        rc = fn(h, out.base + out.used * out.size)
        if rc == 0:
            return out.take()
        if rc == _EMPTY:
            return None
        self._fail(rc, op)

    def _put_wait(self, fn, op, value, timeout):
        h, addr = self._live(), self._fill(value)
        rc = _blocking(lambda ms: fn(h, addr, ms), timeout)
        if rc == 0:
            return True
        if rc == _TIMEOUT:
            return False
        self._fail(rc, op)

    def _get_wait(self, fn, op, timeout):
        h, out = self._live(), self._out()
        addr = out.next_address()
        rc = _blocking(lambda ms: fn(h, addr, ms), timeout)
        if rc == 0:
            return out.take()
        if rc == _TIMEOUT:
            return None
        self._fail(rc, op)

    def _wait(self, fn, op, timeout):
        h = self._live()
        rc = _blocking(lambda ms: fn(h, ms), timeout)
        if rc in (0, _TIMEOUT):
            return rc == 0
        self._fail(rc, op)

    def _array_in(self, values):
        """values as a C-contiguous array of elements (copied only when it is not one already)."""
        arr = np.ascontiguousarray(values, dtype=self._desc.base)
        if arr.ndim != 1 + len(self._desc.shape) or arr.shape[1:] != self._desc.shape:
            raise ValueError("%s: expected a sequence of elements of shape %s, got an array of shape %s"
                             % (self.name, self._desc.shape, arr.shape))
        return arr

    def _array_out(self, out):
        """Checks that out can receive elements in place; returns how many it holds."""
        if not isinstance(out, np.ndarray) or out.dtype != self._desc.base or out.shape[1:] != self._desc.shape \
                or out.ndim != 1 + len(self._desc.shape):
            raise ValueError("%s: out must be an ndarray of dtype %s and shape (n,) + %s"
                             % (self.name, self._desc.base, self._desc.shape))
        if not (out.flags.c_contiguous and out.flags.writeable):
            raise ValueError("%s: out must be C-contiguous and writeable" % self.name)
        return out.shape[0]

    def _bulk_put(self, fn, values):
        h, arr = self._live(), self._array_in(values)
        return fn(h, _address(arr), arr.shape[0]) if arr.shape[0] else 0

    def _bulk_get_into(self, fn, out, n=None):
        room = self._array_out(out)
        h = self._live()
        return fn(h, _address(out), room if n is None else min(n, room)) if room else 0

    def _bulk_get(self, fn, n):
        n = _count(n)
        out = np.empty((n,) + self._desc.shape, self._desc.base)
        return out[:self._bulk_get_into(fn, out)]


def _count(n):
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError("expected a count >= 0, not %r" % (n,))
    return int(n)


def _fn(name):
    return getattr(_L, name)


class Queue(_Elements):
    """A bounded lock-free FIFO for any number of producers and consumers in
    any process."""

    kind = "queue"
    __slots__ = ()
    _enq, _deq = _fn("shmgen_queue_enqueue"), _fn("shmgen_queue_dequeue")
    _enq_wait, _deq_wait = _fn("shmgen_queue_enqueue_wait"), _fn("shmgen_queue_dequeue_wait")
    _enq_bulk, _deq_bulk = _fn("shmgen_queue_enqueue_bulk"), _fn("shmgen_queue_dequeue_bulk")

    def enqueue(self, value):
        """Copies value in at the tail: True, or False when the queue is full."""
        return self._put(Queue._enq, "enqueue", value)

    def dequeue(self):
        """The head element (removed), or None when the queue is empty."""
        return self._get(Queue._deq, "dequeue")

    def enqueue_wait(self, value, timeout=None):
        """enqueue, waiting up to timeout seconds while full: True, or False on timeout."""
        return self._put_wait(Queue._enq_wait, "enqueue_wait", value, timeout)

    def dequeue_wait(self, timeout=None):
        """dequeue, waiting up to timeout seconds while empty: the element, or None on timeout."""
        return self._get_wait(Queue._deq_wait, "dequeue_wait", timeout)

    def enqueue_bulk(self, values):
        """Enqueues the elements of values (an array or sequence) as one run, in
        order; returns how many went in."""
        return self._bulk_put(Queue._enq_bulk, values)

    def dequeue_bulk(self, n):
        """Up to n elements (one run, in order) as a new ndarray."""
        return self._bulk_get(Queue._deq_bulk, n)

    def dequeue_bulk_into(self, out, n=None):
        """Dequeues up to len(out) (or n) elements into the ndarray out; returns how many."""
        return self._bulk_get_into(Queue._deq_bulk, out, n)

    def wait_data(self, timeout=None):
        """Waits until an element may be there: True, or False on timeout (a hint: retry the dequeue)."""
        return self._wait(_L.shmgen_queue_wait_data, "wait_data", timeout)

    def wait_space(self, timeout=None):
        """Waits until a slot may be free: True, or False on timeout."""
        return self._wait(_L.shmgen_queue_wait_space, "wait_space", timeout)

    def size(self):
        """Elements in the queue now (a snapshot)."""
        return _L.shmgen_queue_size(self._live())

    def capacity(self):
        """The capacity stored in the segment."""
        return _L.shmgen_queue_capacity(self._live())


class Stack(_Elements):
    """A bounded lock-free LIFO (ABA-safe) for any number of pushers and poppers."""

    kind = "stack"
    __slots__ = ()
    _push_fn, _pop_fn = _fn("shmgen_stack_push"), _fn("shmgen_stack_pop")
    _push_wait_fn, _pop_wait_fn = _fn("shmgen_stack_push_wait"), _fn("shmgen_stack_pop_wait")

    def push(self, value):
        """Copies value onto the top: True, or False when the stack is full."""
        return self._put(Stack._push_fn, "push", value)

    def pop(self):
        """The top element (removed), or None when the stack is empty."""
        return self._get(Stack._pop_fn, "pop")

    def push_wait(self, value, timeout=None):
        """push, waiting up to timeout seconds while full: True, or False on timeout."""
        return self._put_wait(Stack._push_wait_fn, "push_wait", value, timeout)

    def pop_wait(self, timeout=None):
        """pop, waiting up to timeout seconds while empty: the element, or None on timeout."""
        return self._get_wait(Stack._pop_wait_fn, "pop_wait", timeout)

    def wait_data(self, timeout=None):
        """Waits until the stack may hold an element: True, or False on timeout."""
        return self._wait(_L.shmgen_stack_wait_data, "wait_data", timeout)

    def wait_space(self, timeout=None):
        """Waits until a node may be free: True, or False on timeout."""
        return self._wait(_L.shmgen_stack_wait_space, "wait_space", timeout)

    def size(self):
        """Elements on the stack now (a snapshot)."""
        return _L.shmgen_stack_size(self._live())

    def capacity(self):
        """The capacity stored in the segment."""
        return _L.shmgen_stack_capacity(self._live())


class Ring(_Elements):
    """A single-producer single-consumer stream.  Each side belongs to one
    attachment (a second live process gets SHMGEN_BUSY until the owner calls
    release_producer / release_consumer); threads of this process that share
    a side must take turns.  last_n, size, dropped... may be called by anyone."""

    kind = "ring"
    __slots__ = ()
    _push_fn, _pop_fn = _fn("shmgen_ring_push"), _fn("shmgen_ring_pop")
    _push_wait_fn, _pop_wait_fn = _fn("shmgen_ring_push_wait"), _fn("shmgen_ring_pop_wait")
    _push_bulk_fn, _pop_bulk_fn = _fn("shmgen_ring_push_bulk"), _fn("shmgen_ring_pop_bulk")
    _last_n_fn = _fn("shmgen_ring_last_n")

    def push(self, value):
        """Producer: copies value in: True, or False when the ring is full."""
        return self._put(Ring._push_fn, "push", value)

    def pop(self):
        """Consumer: the oldest element (removed), or None when the ring is empty."""
        return self._get(Ring._pop_fn, "pop")

    def push_wait(self, value, timeout=None):
        """Producer: push, waiting up to timeout seconds while full: True, or False on timeout."""
        return self._put_wait(Ring._push_wait_fn, "push_wait", value, timeout)

    def pop_wait(self, timeout=None):
        """Consumer: pop, waiting up to timeout seconds while empty: the element, or None on timeout."""
        return self._get_wait(Ring._pop_wait_fn, "pop_wait", timeout)

    def push_overwrite(self, value):
        """Producer: pushes value, dropping the oldest element when full; True
        when one was dropped.  SHMGEN_BUSY (nothing pushed) when the consumer
        held the oldest element for about 20 ms."""
        h = self._live()
        rc = _L.shmgen_ring_push_overwrite(h, self._fill(value))
        if rc < 0:
            self._fail(rc, "push_overwrite")
        return rc == 1

    def push_bulk(self, values):
        """Producer: pushes the elements of values in order; returns how many went in."""
        return self._bulk_put(Ring._push_bulk_fn, values)

    def pop_bulk(self, n):
        """Consumer: up to n of the oldest elements, in order, as a new ndarray."""
        return self._bulk_get(Ring._pop_bulk_fn, n)

    def pop_bulk_into(self, out, n=None):
        """Consumer: pops up to len(out) (or n) elements into the ndarray out; returns how many."""
        return self._bulk_get_into(Ring._pop_bulk_fn, out, n)

    def last_n(self, n):
        """Anyone: copies of up to n of the newest elements, oldest first, as a new
        ndarray, without consuming them (never a torn element)."""
        return self._bulk_get(Ring._last_n_fn, n)

    def last_n_into(self, out, n=None):
        """Anyone: last_n into the ndarray out; returns how many."""
        return self._bulk_get_into(Ring._last_n_fn, out, n)

    def wait_data(self, timeout=None):
        """Waits until an element may be poppable: True, or False on timeout."""
        return self._wait(_L.shmgen_ring_wait_data, "wait_data", timeout)

    def wait_space(self, timeout=None):
        """Waits until a slot may be free: True, or False on timeout."""
        return self._wait(_L.shmgen_ring_wait_space, "wait_space", timeout)

    def release_producer(self):
        """Hands the producer side over to another attachment (its next operation takes it)."""
        self._release(_L.shmgen_ring_release_producer, "release_producer")

    def release_consumer(self):
        """Hands the consumer side over to another attachment."""
        self._release(_L.shmgen_ring_release_consumer, "release_consumer")

    def _release(self, fn, op):
        rc = fn(self._live())
        if rc != 0:
            self._fail(rc, op)

    def size(self):
        """Elements pushed and not yet popped (a snapshot)."""
        return _L.shmgen_ring_size(self._live())

    def capacity(self):
        """The capacity stored in the segment."""
        return _L.shmgen_ring_capacity(self._live())

    def dropped(self):
        """Elements push_overwrite dropped since the segment was created."""
        return _L.shmgen_ring_dropped(self._live())

    def pushed(self):
        """Elements published since creation (the stream position)."""
        return _L.shmgen_ring_pushed(self._live())

    def popped(self):
        """Positions consumed or dropped since creation; pushed() - popped() is the size."""
        return _L.shmgen_ring_popped(self._live())


def _handle(h):
    if not isinstance(h, (int, np.integer)) or not 0 < h < _U64:
        raise ValueError("a pool handle is an int in 1..2**64-1, not %r" % (h,))
    return _lib.PoolHandle(int(h))


class Pool(_Bound):
    """capacity slots handed out as generation-checked handles (ints; pass them
    to other processes as they are), lock-free and ABA-safe.  A slot held by a
    process that dies is freed by the next recovery, so a process taking over
    a handle from another one adopts it."""

    kind = "pool"
    __slots__ = ()

    def acquire(self):
        """A free slot's handle (the slot keeps the bytes its previous holder left),
        or None when the pool is full."""
        bits = _L.shmgen_pool_acquire(self._live()).bits
        return bits or None

    def release(self, handle):
        """Returns the slot; Error(SHMGEN_STALE_HANDLE) when it was released already."""
        rc = _L.shmgen_pool_release(self._live(), _handle(handle))
        if rc != 0:
            self._fail(rc, "release")

    def adopt(self, handle):
        """Makes this process the owner of handle's slot (a handle from another process)."""
        rc = _L.shmgen_pool_adopt(self._live(), _handle(handle))
        if rc != 0:
            self._fail(rc, "adopt")

    def set(self, handle, value):
        """Copies value (a record, tuple, dict of fields, number, bytes or array)
        into handle's element; Error(SHMGEN_STALE_HANDLE) for a stale handle."""
        _assign(self._one(self._ptr(handle, "set")), self.dtype, value)

    def get(self, handle):
        """The element of a held slot as a writable zero-copy view: a record
        (np.void) for a structured type, else an ndarray (0-d for a scalar:
        view[()] = 5).  Error(SHMGEN_STALE_HANDLE) for a stale handle."""
        return self._view(self._ptr(handle, "get"))

    def _ptr(self, handle, op):
        ptr = _L.shmgen_pool_get(self._live(), _handle(handle))
        if not ptr:
            raise Error(ErrorCode.STALE_HANDLE, "handle %#x does not name a held slot" % handle,
                        "%s.%s" % (self.name, op))
        return ptr

    def _one(self, ptr):
        """A one-element array (shape (1,) + element shape) over the element at ptr."""
        buf = self._att.view(ptr, self._desc.elem_size)
        return np.frombuffer(buf, self._desc.base, count=self._count).reshape((1,) + self._desc.shape)

    def _view(self, ptr):
        arr = self._one(ptr)
        return arr[0] if self.dtype.names else arr.reshape(self._desc.shape)

    def items(self):
        """[(handle, view)] of every slot held when the scan reached it."""
        found = []
        fn = _lib.POOL_VISIT_FN(lambda h, elem, ctx: found.append((h.bits, elem)))
        rc = _L.shmgen_pool_visit(self._live(), fn, None)
        if rc != 0:
            self._fail(rc, "items")
        return [(h, self._view(elem)) for h, elem in found]

    def num_allocated(self):
        """Slots held now (a snapshot; scans the pool)."""
        return _L.shmgen_pool_num_allocated(self._live())

    def capacity(self):
        """The capacity stored in the segment."""
        return _L.shmgen_pool_capacity(self._live())


_ATOMIC_SUFFIX = {("b", 1): "bool", ("u", 4): "u32", ("u", 8): "u64", ("i", 4): "i32", ("i", 8): "i64"}


class Atomic(_Bound):
    """One lock-free scalar: every operation sequentially consistent, from any
    thread of any process.  Integer operations wrap modulo 2**width."""

    kind = "atomic"
    __slots__ = ("_suffix", "_ctype", "_lo", "_hi", "_fns")

    def setup(self):
        self._suffix = _ATOMIC_SUFFIX[(self.dtype.kind, self.dtype.itemsize)]
        self._ctype = _lib.ATOMIC_TYPES[self._suffix]
        ops = ["load", "store", "exchange", "compare_exchange"]
        if self._suffix != "bool":
            ops += ["fetch_add", "fetch_sub"]
        self._fns = {op: getattr(_L, "shmgen_atomic_%s_%s" % (op, self._suffix)) for op in ops}
        bits = 8 * self.dtype.itemsize
        if self._suffix == "bool":
            self._lo, self._hi = 0, 1
        elif self.dtype.kind == "i":
            self._lo, self._hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        else:
            self._lo, self._hi = 0, (1 << bits) - 1
        return self

    def _call(self, op, *args):
        return self._fns[op](self._live(), *args)

    def _value(self, v):
        """v checked against the type's range (ctypes would silently truncate)."""
        if isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, np.integer)) and self._lo <= v <= self._hi):
            return bool(v) if self._suffix == "bool" else int(v)
        raise ValueError("%s holds %s values in %d..%d, not %r" % (self.name, self._suffix, self._lo, self._hi, v))

    def load(self):
        """The value."""
        return self._call("load")

    def store(self, value):
        """Stores value."""
        self._call("store", self._value(value))

    def exchange(self, value):
        """Stores value; returns the previous one."""
        return self._call("exchange", self._value(value))

    def compare_exchange(self, expected, desired):
        """Strong CAS: (True, expected) when the value was expected and is now
        desired, else (False, the value seen)."""
        seen = self._ctype(self._value(expected))
        ok = self._call("compare_exchange", ctypes.byref(seen), self._value(desired))
        return bool(ok), seen.value

    def fetch_add(self, delta):
        """Adds delta (wrapping); returns the previous value.  Integers only."""
        return self._fetch("add", delta)

    def fetch_sub(self, delta):
        """Subtracts delta (wrapping); returns the previous value.  Integers only."""
        return self._fetch("sub", delta)

    def _fetch(self, op, delta):
        if self._suffix == "bool":
            raise TypeError("%s is a bool atomic: no fetch_%s" % (self.name, op))
        return self._call("fetch_" + op, self._value(delta))


class _ArrayKind:
    """The array kind: binding gives a writable zero-copy ndarray of all its elements."""

    kind = "array"

    @staticmethod
    def bind(att, desc, info):
        hbuf = _lib.handle_buffer("array")
        rc = _L.shmgen_array_bind(ctypes.addressof(hbuf), att.ptr, ctypes.byref(info))
        if rc != 0:
            raise_error(rc, "bind %s" % desc.name, desc.name)
        data, n = _L.shmgen_array_data(ctypes.addressof(hbuf)), _L.shmgen_array_capacity(ctypes.addressof(hbuf))
        buf = att.view(data, n * desc.elem_size)
        return np.frombuffer(buf, desc.base, count=n * math.prod(desc.shape)).reshape((n,) + desc.shape)


KINDS = {"array": _ArrayKind, "atomic": Atomic, "queue": Queue, "stack": Stack, "ring": Ring, "pool": Pool}
