# SPDX-License-Identifier: MIT

"""shmgen.topic — the topic kind (one publisher, named subscribers with their
own cursors in the segment) and the latest kind (the newest value, stored and
loaded whole), over the runtime's shmgen/topic.h and shmgen/latest.h.

As in kinds: every operation is one call into the runtime, so the lap / block
policies, the sequence-word validation that keeps a torn sample from being
read, the eviction of a live subscriber past its deadline and the repair of
a dead publisher or subscriber are the C runtime's.  FULL (block: the
slowest live subscriber is capacity behind) comes back as False or None,
EMPTY and TIMEOUT as None or False; EVICTED, BUSY and every other code raise
shmgen.Error.

Zero copy: Topic.loan() hands out the slot the next sample goes into as a
writable NumPy view, published by Loan.publish() (or leaving its `with`
block); Subscription.read() hands out the oldest unread sample as a
read-only view until Read.release().  A view must not be used after that:
its slot is the publisher's again (see _Held; copy what you keep).
Depends on numpy, _lib, errors and kinds.
"""

import ctypes
import weakref

import numpy as np

from . import _lib, kinds
from .errors import Error, ErrorCode, raise_error
from .kinds import _Elements, _OutBlock, _blocking, _number, _put, _put_wait, _release, _wait

_L = _lib.lib
_FULL, _EMPTY, _TIMEOUT = int(ErrorCode.FULL), int(ErrorCode.EMPTY), int(ErrorCode.TIMEOUT)
_INVALID = int(ErrorCode.INVALID_ARGUMENT)


class _Held:
    """A slot handed to this process in place (a Loan or a Read): `value` is a
    view of it while it is held; afterwards `value` raises ValueError and the
    array under it is read-only (NumPy cannot revoke a view taken earlier:
    copy what you keep)."""

    __slots__ = ("_arr", "_desc", "done")

    def __init__(self, arr, desc):
        self._arr, self._desc, self.done = arr, desc, False

    @property
    def value(self):
        if self.done:
            raise ValueError("the slot was handed back (published or released): its sample is gone")
        return kinds.as_element(self._arr, self._desc)

    def _end(self):
        self.done = True
        self._arr.flags.writeable = False

    def __enter__(self):
        return self


class Loan(_Held):
    """A slot of the topic loaned to this publisher: `value` is a writable view
    of it (a record for a structured type, else an ndarray; a scalar is 0-d:
    loan.value[()] = 5); `loan.value = sample` writes a whole sample.  publish() makes it the next sample.  As a context
    manager it publishes when the block ends without an exception; after an
    exception the slot stays loaned (the next loan returns it again)."""

    __slots__ = ("topic",)

    def __init__(self, topic, arr):
        super().__init__(arr, topic._desc)
        self.topic = topic

    @_Held.value.setter
    def value(self, sample):
        """loan.value = sample: the whole sample (a record, tuple, dict of
        fields (the others become 0), number, bytes or array) into the slot."""
        self.value  # raises once published
        kinds._assign(self._arr, self._desc.dtype, sample)

    def publish(self):
        """Publishes the slot and wakes waiting subscribers (once; later calls do nothing)."""
        if self.done:
            return
        rc = _L.shmgen_topic_publish(self.topic._live())
        if rc != 0:
            self.topic._fail(rc, "publish")
        self._end()

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.publish()


def _loan(self, rc, slot):
    if rc == 0:
        return Loan(self, self._slot(slot.value))
    if rc in (_FULL, _TIMEOUT):
        return None
    self._fail(rc, "loan")


class Topic(_Elements):
    """A topic: one publisher at a time (another live attachment publishing gets
    Error SHMGEN_BUSY until it calls release_publisher()), and up to
    max_subscribers() subscriptions, each a named cursor kept in the segment:
    a subscriber that restarts under its name resumes where it stopped."""

    kind = "topic"
    __slots__ = ("_base", "_size", "_region", "__weakref__")

    def setup(self, info):
        self._base = _L.shmgen_segment_struct_base(self._att.ptr, ctypes.byref(info))
        self._size, self._region = info.size, None
        return self

    def _slot(self, ptr):
        """A one-element array over the sample at ptr: a slice of one view of the
        topic's whole region (a view per slot costs 4 us, a slice 0.3), made at
        the first loan or read and dropped when the segment closes."""
        region = self._region
        if region is None:
            region = self._region = np.frombuffer(self._att.view(self._base, self._size), np.uint8)
            self._att.on_close.append(weakref.WeakMethod(self._drop_region))
        at = ptr - self._base
        arr = region[at:at + self._desc.elem_size].view(self._desc.base)
        return arr.reshape((1,) + self._desc.shape)

    def _drop_region(self):
        self._region = None

    publish = _put("shmgen_topic_publish_copy", "publish",
                   "Publishes a copy of value: True, or False when full (block policy only).")
    publish_wait = _put_wait("shmgen_topic_publish_wait", "publish_wait",
                             "publish, waiting up to timeout seconds while full: True, or False on timeout.")
    release_publisher = _release("shmgen_topic_release_publisher", "release_publisher",
                                 "Hands the publisher side over (a loan not yet published is dropped).")
    published = _number("shmgen_topic_published", "published", "Samples published since creation.")
    capacity = _number("shmgen_topic_capacity", "capacity", "Samples the topic keeps.")
    max_subscribers = _number("shmgen_topic_max_subscribers", "max_subscribers",
                              "Subscriber records (the schema's `subscribers`).")
    evictions = _number("shmgen_topic_evictions", "evictions",
                        "Subscribers evicted since creation (block policy with a deadline).")

    def loan(self):
        """The next sample's slot as a Loan (fill loan.value, then publish), or
        None when full (block policy).  A second loan before publish returns
        the same slot."""
        slot = ctypes.c_void_p()
        return _loan(self, _L.shmgen_topic_loan(self._live(), ctypes.byref(slot)), slot)

    def loan_wait(self, timeout=None):
        """loan, waiting up to timeout seconds while full: a Loan, or None on timeout."""
        h, slot = self._live(), ctypes.c_void_p()
        ref = ctypes.byref(slot)
        return _loan(self, _blocking(lambda ms: _L.shmgen_topic_loan_wait(h, ref, ms), timeout), slot)

    def subscribe(self, name):
        """A Subscription under `name` (str or bytes, 1..31 bytes): resumes the
        name's cursor if its holder is gone, else takes a free record starting
        with up to `history` of the newest samples.  Error SHMGEN_BUSY when a
        live attachment (this one too) holds the name, SHMGEN_FULL when every
        record is held by a live attachment, SHMGEN_INVALID_ARGUMENT for a bad
        name."""
        raw = name.encode() if isinstance(name, str) else bytes(name)
        if not 0 < len(raw) <= _lib.TOPIC_NAME_MAX or b"\0" in raw:
            raise Error(_INVALID, "a subscriber name is 1..%d bytes without NUL, not %r" % (_lib.TOPIC_NAME_MAX, name),
                        "%s.subscribe" % self.name)
        sub = Subscription(self, name)
        rc = _L.shmgen_topic_subscribe(self._live(), raw, sub._h)
        if rc != 0:
            self._fail(rc, "subscribe")
        sub.held = True
        return sub

    def subscribers(self):
        """[dict(index, name, pid, alive, evicted, position, lag, lost)] of the held
        records, as `shmgen inspect` shows them."""
        h, found = self._live(), []
        for i in range(_L.shmgen_topic_max_subscribers(h)):
            info = _lib.TopicSubInfo()
            rc = _L.shmgen_topic_subscriber_at(h, i, ctypes.byref(info))
            if rc == _EMPTY:
                continue
            if rc != 0:
                self._fail(rc, "subscribers")
            found.append({"index": i, "name": info.name.decode("utf-8", "replace"), "pid": info.pid,
                          "alive": info.alive, "evicted": info.evicted, "position": info.position,
                          "lag": info.lag, "lost": info.lost})
        return found


class Read(_Held):
    """A sample read in place: `value` is a read-only view of it, the
    subscriber's until release().  release() (or leaving the `with` block)
    returns True when the sample stayed intact, False when the publisher
    overwrote it meanwhile (lap, or after an eviction): then what was read
    must be discarded; it is counted in lost().  `intact` keeps the answer."""

    __slots__ = ("sub", "intact")

    def __init__(self, sub, arr):
        arr.flags.writeable = False
        super().__init__(arr, sub.topic._desc)
        self.sub, self.intact = sub, None

    def release(self):
        if self.done:
            return self.intact
        rc = _L.shmgen_topic_release(self.sub._live())
        if rc < 0:
            self.sub._fail(rc, "release")
        self._end()
        self.intact = rc == 0
        return self.intact

    def __exit__(self, *exc):
        self.release()


class Subscription:
    """One named cursor of a topic, used by one thread at a time.  take() and
    take_wait() return copies; read() a zero-copy Read.  Error SHMGEN_EVICTED
    when a block topic's deadline evicted this subscriber (subscribe again).
    close() (or leaving its `with` block) unsubscribes: the name and its
    cursor are forgotten.  To resume later under the name, keep the
    subscription until the segment closes or the process exits instead."""

    __slots__ = ("topic", "name", "held", "_hbuf", "_h", "_out", "__weakref__")

    def __init__(self, topic, name):
        self.topic, self.name, self.held = topic, name, False
        self._hbuf = _lib.handle_buffer("topic_sub")
        self._h, self._out = ctypes.addressof(self._hbuf), _OutBlock(topic._desc)

    def _live(self):
        self.topic._live()
        if not self.held:
            raise ValueError("subscription %s of %s was closed" % (self.name, self.topic.name))
        return self._h

    def _fail(self, rc, op):
        raise_error(rc, "%s[%s].%s" % (self.topic.name, self.name, op), self.topic.name)

    def _next(self):
        out = self._out
        if out.used == kinds.OUT_BLOCK:
            out.renew()
        return out

    def take(self):
        """A copy of the oldest unread intact sample, or None when there is none."""
        out = self._next()
        rc = _L.shmgen_topic_take(self._live(), out.next_address())
        if rc == 0:
            return out.take()
        if rc == _EMPTY:
            return None
        self._fail(rc, "take")

    def take_wait(self, timeout=None):
        """take, waiting up to timeout seconds while empty: the sample, or None on timeout."""
        h, out = self._live(), self._next()
        addr = out.next_address()
        rc = _blocking(lambda ms: _L.shmgen_topic_take_wait(h, addr, ms), timeout)
        if rc == 0:
            return out.take()
        if rc == _TIMEOUT:
            return None
        self._fail(rc, "take_wait")

    def read(self):
        """The oldest unread sample in place, as a Read (release it), or None
        when there is none.  Error SHMGEN_INVALID_ARGUMENT while a read is held."""
        ptr = ctypes.c_void_p()
        rc = _L.shmgen_topic_read(self._live(), ctypes.byref(ptr))
        if rc == 0:
            return Read(self, self.topic._slot(ptr.value))
        if rc == _EMPTY:
            return None
        self._fail(rc, "read")

    wait = _wait("shmgen_topic_wait", "wait",
                 "Waits until a sample is unread (or this subscriber was evicted): True, or False on timeout.")
    position = _number("shmgen_topic_position", "position", "The next position this subscriber reads.")
    lag = _number("shmgen_topic_lag", "lag", "published() - position(): samples not yet consumed.")
    lost = _number("shmgen_topic_lost", "lost", "Samples skipped without being read (lapped, overwritten "
                   "while read, published while detached or evicted).")

    def unsubscribe(self):
        """Gives the record up (its name and cursor are forgotten)."""
        rc = _L.shmgen_topic_unsubscribe(self._live())
        self.held = False
        if rc != 0:
            self._fail(rc, "unsubscribe")

    def close(self):
        """unsubscribe once; nothing when closed already or the segment is closed."""
        if self.held and not self.topic._att.closed:
            self.unsubscribe()
        self.held = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<shmgen subscription %s of topic %s>" % (self.name, self.topic.name)


class Latest(_Elements):
    """The newest value of one element type: store() replaces it whole, load()
    copies it whole, never torn, never waiting for a writer; from any thread
    of any process."""

    kind = "latest"
    __slots__ = ()

    def store(self, value):
        """Stores value (a record, tuple, dict of fields, number, bytes or array)
        as the newest and wakes waiting readers.  Error SHMGEN_BUSY when another
        writer stayed inside its store for about 20 ms."""
        rc = _L.shmgen_latest_store(self._live(), self._fill(value))
        if rc != 0:
            self._fail(rc, "store")

    def load(self):
        """(value, version) of the newest value (a copy), or None when nothing
        was ever stored.  version counts the stores completed."""
        out, version = self._out(), ctypes.c_uint64()
        rc = _L.shmgen_latest_load(self._live(), out.next_address(), ctypes.byref(version))
        if rc == 0:
            return out.take(), version.value
        if rc == _EMPTY:
            return None
        self._fail(rc, "load")

    version = _number("shmgen_latest_version", "version", "Stores completed (0: never stored).")

    def wait(self, seen, timeout=None):
        """Waits until version() differs from seen: True, or False on timeout."""
        h = self._live()
        if not isinstance(seen, (int, np.integer)) or not 0 <= seen < 1 << 64:
            raise ValueError("seen is a version, an int in 0..2**64-1, not %r" % (seen,))
        seen = int(seen)
        rc = _blocking(lambda ms: _L.shmgen_latest_wait(h, seen, ms), timeout)
        if rc in (0, _TIMEOUT):
            return rc == 0
        self._fail(rc, "wait")


KINDS = dict(kinds.KINDS, topic=Topic, latest=Latest)
"""Every kind's class (or binder) by the runtime's kind name."""
