# SPDX-License-Identifier: MIT

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
    __slots__ = ("name", "dtype", "_desc", "_att", "_hbuf", "_h", "_local")

    @classmethod
    def bind(cls, att, desc, info):
        hbuf = _lib.handle_buffer(cls.kind)
        rc = getattr(_L, "shmgen_%s_bind" % cls.kind)(ctypes.addressof(hbuf), att.ptr, ctypes.byref(info))
        if rc != 0:
            raise_error(rc, "bind %s" % desc.name, desc.name)
        obj = object.__new__(cls)
        obj.name, obj.dtype, obj._desc, obj._att = desc.name, desc.dtype, desc, att
        obj._hbuf, obj._h, obj._local = hbuf, ctypes.addressof(hbuf), threading.local()
        return obj.setup(info)

    def setup(self, info):
        """Kind-specific set-up at bind (info: the structure's shmgen_struct_info_t)."""
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
    """A structure that copies elements in and out (queue, stack, ring).  Its
    operations are made by the functions below (_put, _get...), one per shape
    of operation, so each is one function over its runtime call."""

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


def _count(n):
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError("expected a count >= 0, not %r" % (n,))
    return int(n)


def _named(method, name, doc):
    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


# ---- the operations, one maker per shape; cname is the runtime function ----------
# _put and _get are the single operations' whole path, written out: each call
# saved there is a tenth of a microsecond of a one-microsecond operation.

def _put(cname, name, doc):
    """method(value) -> True, or False when full."""
    fn = getattr(_L, cname)

    def put(self, value):
        if self._att.closed:
            self._live()  # raises
        try:
            arr, addr = self._local.scratch
        except AttributeError:
            arr, addr = self._scratch()
        if type(value) is dict:
            _assign(arr, self.dtype, value)
        else:
            arr[0] = value
        rc = fn(self._h, addr)
        if rc == 0:
            return True
        if rc == _FULL:
            return False
        self._fail(rc, name)
    return _named(put, name, doc)


def _get(cname, name, doc):
    """method() -> the element, or None when empty."""
    fn = getattr(_L, cname)

    def get(self):
        if self._att.closed:
            self._live()  # raises
        try:
            out = self._local.out
        except AttributeError:
            out = self._out()
        if out.used == OUT_BLOCK:
            out.renew()
        rc = fn(self._h, out.base + out.used * out.size)
        if rc == 0:
            return out.take()
        if rc == _EMPTY:
            return None
        self._fail(rc, name)
    return _named(get, name, doc)


def _put_wait(cname, name, doc):
    """method(value, timeout=None) -> True, or False on timeout."""
    fn = getattr(_L, cname)

    def put_wait(self, value, timeout=None):
        h, addr = self._live(), self._fill(value)
        rc = _blocking(lambda ms: fn(h, addr, ms), timeout)
        if rc in (0, _TIMEOUT):
            return rc == 0
        self._fail(rc, name)
    return _named(put_wait, name, doc)


def _get_wait(cname, name, doc):
    """method(timeout=None) -> the element, or None on timeout."""
    fn = getattr(_L, cname)

    def get_wait(self, timeout=None):
        h, out = self._live(), self._out()
        addr = out.next_address()
        rc = _blocking(lambda ms: fn(h, addr, ms), timeout)
        if rc == 0:
            return out.take()
        if rc == _TIMEOUT:
            return None
        self._fail(rc, name)
    return _named(get_wait, name, doc)


def _wait(cname, name, doc):
    """method(timeout=None) -> True, or False on timeout."""
    fn = getattr(_L, cname)

    def wait(self, timeout=None):
        h = self._live()
        rc = _blocking(lambda ms: fn(h, ms), timeout)
        if rc in (0, _TIMEOUT):
            return rc == 0
        self._fail(rc, name)
    return _named(wait, name, doc)


def _bulk_put(cname, name, doc):
    """method(values) -> how many went in."""
    fn = getattr(_L, cname)

    def bulk_put(self, values):
        h, arr = self._live(), self._array_in(values)
        return fn(h, _address(arr), arr.shape[0]) if arr.shape[0] else 0
    return _named(bulk_put, name, doc)


def _bulk_get_into(cname, name, doc):
    """method(out, n=None) -> how many were written into out."""
    fn = getattr(_L, cname)

    def bulk_get_into(self, out, n=None):
        room = self._array_out(out)
        if n is not None:
            room = min(_count(n), room)
        h = self._live()
        return fn(h, _address(out), room) if room else 0
    return _named(bulk_get_into, name, doc)


def _bulk_get(cname, name, doc):
    """method(n) -> a new ndarray of up to n elements."""
    into = _bulk_get_into(cname, name, doc)

    def bulk_get(self, n):
        out = np.empty((_count(n),) + self._desc.shape, self._desc.base)
        return out[:into(self, out)]
    return _named(bulk_get, name, doc)


def _number(cname, name, doc):
    """method() -> the runtime's number (size, capacity, counters)."""
    fn = getattr(_L, cname)

    def number(self):
        return fn(self._live())
    return _named(number, name, doc)


def _release(cname, name, doc):
    """method() -> None; Error unless the runtime said 0."""
    fn = getattr(_L, cname)

    def release(self):
        rc = fn(self._live())
        if rc != 0:
            self._fail(rc, name)
    return _named(release, name, doc)


_WAIT_DATA = "Waits until an element may be there: True, or False on timeout (a hint: retry)."
_WAIT_SPACE = "Waits until a slot may be free: True, or False on timeout."
_CAPACITY = "The capacity stored in the segment."


class Queue(_Elements):
    """A bounded lock-free FIFO for any number of producers and consumers in
    any process."""

    kind = "queue"
    __slots__ = ()
    enqueue = _put("shmgen_queue_enqueue", "enqueue", "Copies value in at the tail: True, or False when full.")
    dequeue = _get("shmgen_queue_dequeue", "dequeue", "The head element (removed), or None when the queue is empty.")
    enqueue_wait = _put_wait("shmgen_queue_enqueue_wait", "enqueue_wait",
                             "enqueue, waiting up to timeout seconds while full: True, or False on timeout.")
    dequeue_wait = _get_wait("shmgen_queue_dequeue_wait", "dequeue_wait",
                             "dequeue, waiting up to timeout seconds while empty: the element, or None on timeout.")
    enqueue_bulk = _bulk_put("shmgen_queue_enqueue_bulk", "enqueue_bulk",
                             "Enqueues the elements of values (an array or sequence) as one run, in order; returns "
                             "how many went in.")
    dequeue_bulk = _bulk_get("shmgen_queue_dequeue_bulk", "dequeue_bulk",
                             "Up to n elements (one run, in order) as a new ndarray.")
    dequeue_bulk_into = _bulk_get_into("shmgen_queue_dequeue_bulk", "dequeue_bulk_into",
                                       "Dequeues up to len(out) (or n) elements into the ndarray out; returns "
                                       "how many.")
    wait_data = _wait("shmgen_queue_wait_data", "wait_data", _WAIT_DATA)
    wait_space = _wait("shmgen_queue_wait_space", "wait_space", _WAIT_SPACE)
    size = _number("shmgen_queue_size", "size", "Elements in the queue now (a snapshot).")
    capacity = _number("shmgen_queue_capacity", "capacity", _CAPACITY)


class Stack(_Elements):
    """A bounded lock-free LIFO (ABA-safe) for any number of pushers and poppers."""

    kind = "stack"
    __slots__ = ()
    push = _put("shmgen_stack_push", "push", "Copies value onto the top: True, or False when the stack is full.")
    pop = _get("shmgen_stack_pop", "pop", "The top element (removed), or None when the stack is empty.")
    push_wait = _put_wait("shmgen_stack_push_wait", "push_wait",
                          "push, waiting up to timeout seconds while full: True, or False on timeout.")
    pop_wait = _get_wait("shmgen_stack_pop_wait", "pop_wait",
                         "pop, waiting up to timeout seconds while empty: the element, or None on timeout.")
    wait_data = _wait("shmgen_stack_wait_data", "wait_data", _WAIT_DATA)
    wait_space = _wait("shmgen_stack_wait_space", "wait_space", _WAIT_SPACE)
    size = _number("shmgen_stack_size", "size", "Elements on the stack now (a snapshot).")
    capacity = _number("shmgen_stack_capacity", "capacity", _CAPACITY)


class Ring(_Elements):
    """A single-producer single-consumer stream.  Each side belongs to one
    attachment (a second live process gets SHMGEN_BUSY until the owner calls
    release_producer / release_consumer); threads of this process that share
    a side must take turns.  last_n, size, dropped... may be called by anyone."""

    kind = "ring"
    __slots__ = ()
    push = _put("shmgen_ring_push", "push", "Producer: copies value in: True, or False when the ring is full.")
    pop = _get("shmgen_ring_pop", "pop", "Consumer: the oldest element (removed), or None when the ring is empty.")
    push_wait = _put_wait("shmgen_ring_push_wait", "push_wait",
                          "Producer: push, waiting up to timeout seconds while full: True, or False on timeout.")
    pop_wait = _get_wait("shmgen_ring_pop_wait", "pop_wait",
                         "Consumer: pop, waiting up to timeout seconds while empty: the element, or None on timeout.")
    push_bulk = _bulk_put("shmgen_ring_push_bulk", "push_bulk",
                          "Producer: pushes the elements of values in order; returns how many went in.")
    pop_bulk = _bulk_get("shmgen_ring_pop_bulk", "pop_bulk",
                         "Consumer: up to n of the oldest elements, in order, as a new ndarray.")
    pop_bulk_into = _bulk_get_into("shmgen_ring_pop_bulk", "pop_bulk_into",
                                   "Consumer: pops up to len(out) (or n) elements into the ndarray out; returns how "
                                   "many.")
    last_n = _bulk_get("shmgen_ring_last_n", "last_n",
                       "Anyone: copies of up to n of the newest elements, oldest first, as a new ndarray, without "
                       "consuming them (never a torn element).")
    last_n_into = _bulk_get_into("shmgen_ring_last_n", "last_n_into",
                                 "Anyone: last_n into the ndarray out; returns how many.")
    wait_data = _wait("shmgen_ring_wait_data", "wait_data", _WAIT_DATA)
    wait_space = _wait("shmgen_ring_wait_space", "wait_space", _WAIT_SPACE)
    release_producer = _release("shmgen_ring_release_producer", "release_producer",
                                "Hands the producer side over to another attachment (its next operation takes it).")
    release_consumer = _release("shmgen_ring_release_consumer", "release_consumer",
                                "Hands the consumer side over to another attachment.")
    size = _number("shmgen_ring_size", "size", "Elements pushed and not yet popped (a snapshot).")
    capacity = _number("shmgen_ring_capacity", "capacity", _CAPACITY)
    dropped = _number("shmgen_ring_dropped", "dropped",
                      "Elements push_overwrite dropped since the segment was created.")
    pushed = _number("shmgen_ring_pushed", "pushed", "Elements published since creation (the stream position).")
    popped = _number("shmgen_ring_popped", "popped",
                     "Positions consumed or dropped since creation; pushed() - popped() is the size.")

    def push_overwrite(self, value):
        """Producer: pushes value, dropping the oldest element when full; True
        when one was dropped.  SHMGEN_BUSY (nothing pushed) when the consumer
        held the oldest element for about 20 ms."""
        h = self._live()
        rc = _L.shmgen_ring_push_overwrite(h, self._fill(value))
        if rc < 0:
            self._fail(rc, "push_overwrite")
        return rc == 1


def one_element(att, desc, ptr):
    """A one-element array (shape (1,) + element shape) over the element at ptr
    in att's mapping (which stays attached while the array lives)."""
    buf = att.view(ptr, desc.elem_size)
    return np.frombuffer(buf, desc.base, count=math.prod(desc.shape)).reshape((1,) + desc.shape)


def as_element(arr, desc):
    """The element of a one_element() array as a zero-copy view: a record
    (np.void) for a structured type, else an ndarray (0-d for a scalar)."""
    return arr[0] if desc.dtype.names else arr.reshape(desc.shape)


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
        return one_element(self._att, self._desc, ptr)

    def _view(self, ptr):
        return as_element(one_element(self._att, self._desc, ptr), self._desc)

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

    def setup(self, info):
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
