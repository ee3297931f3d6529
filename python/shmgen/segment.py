# SPDX-License-Identifier: MIT

"""shmgen.segment — attaching to a segment, and how long its mapping lives.

Segment is the base of every generated <segment>.Segment: create / open /
open_or_create attach through the runtime with the generated module's
layout (each structure checked against the segment's table as in C), then
resolve and bind every structure once.  A `since` structure absent from an
older segment is reported, not an error.

The mapping must outlive every NumPy view of it (array structures, pool
elements): close() makes the segment and its structure objects unusable at
once, but the runtime detaches (and, last one out, unlinks) only when no view
is alive any more, so a view never points at unmapped memory.  A Segment
that is garbage-collected, or still open at interpreter exit, is closed.
Depends on _lib, errors, layout and kinds.
"""

import atexit
import ctypes
import math
import threading
import weakref

from . import _lib
from .errors import Error, ErrorCode, raise_error
from .topic import KINDS

_L = _lib.lib
# SHMGEN_TRUST_* (shmgen/segment.h)
TRUST_UID, TRUST_GID, TRUST_ANY = 1, 2, 4


class _Attachment:
    """One runtime segment handle; detaches when closed and no view is alive."""

    __slots__ = ("ptr", "closed", "views", "lock", "name", "on_close", "__weakref__")

    def __init__(self, ptr, name):
        self.ptr, self.closed, self.views, self.name = ptr, False, 0, name
        self.lock, self.on_close = threading.Lock(), []
        _open_attachments.add(self)

    def view(self, address, nbytes):
        """A ctypes byte array over [address, address + nbytes) that keeps the
        mapping attached while it (or a NumPy array made from it) lives."""
        buf = (ctypes.c_ubyte * nbytes).from_address(address)
        buf._shmgen_attachment = self
        with self.lock:
            if self.closed:
                raise ValueError("segment %s is closed" % self.name)
            self.views += 1
        weakref.finalize(buf, self._view_died)
        return buf

    def _view_died(self):
        with self.lock:
            self.views -= 1
            detach = self.closed and self.views == 0
        if detach:
            self._detach()

    def close(self):
        """Marks closed; detaches now (returning the runtime's code) or when the last view dies (None).
        First calls the on_close callbacks (weakref.WeakMethod of structures
        still alive): they drop the views they keep for themselves (a topic's
        slot region), so only the caller's views delay the detach."""
        callbacks, self.on_close = self.on_close, []
        for ref in callbacks:
            drop = ref()
            if drop is not None:
                drop()
        with self.lock:
            if self.closed:
                return 0
            self.closed = True
            detach = self.views == 0
        return self._detach() if detach else None

    def _detach(self):
        with self.lock:
            ptr, self.ptr = self.ptr, None
        _open_attachments.discard(self)
        return _L.shmgen_segment_close(ptr) if ptr else 0

    def __del__(self):
        try:
            self._detach()
        except Exception:  # interpreter shutdown: the module's globals may be gone
            pass


_open_attachments = weakref.WeakSet()


@atexit.register
def _close_all():
    for att in list(_open_attachments):
        att.close()


def _options(mode=0, persistent=False, timeout=None, trusted_uid=None, trusted_gid=None, trust_any=False):
    """shmgen_open_options_t from keyword arguments (timeout in seconds; None: the runtime's 2 s)."""
    opts = _lib.OpenOptions(mode=mode, persistent=bool(persistent))
    if timeout is not None:
        if not timeout >= 0 or math.isinf(timeout):
            raise ValueError("timeout must be a finite number of seconds >= 0, not %r" % (timeout,))
        opts.timeout_ms = max(1, min(0xFFFFFFFF, math.ceil(timeout * 1000)))
    if trusted_uid is not None:
        opts.trust, opts.trusted_uid = opts.trust | TRUST_UID, trusted_uid
    if trusted_gid is not None:
        opts.trust, opts.trusted_gid = opts.trust | TRUST_GID, trusted_gid
    if trust_any:
        opts.trust |= TRUST_ANY
    return opts


class structure:
    """A generated Segment class attribute: the bound structure `name`."""

    def __init__(self, name, doc=None):
        self.name, self.__doc__ = name, doc

    def __get__(self, seg, owner=None):
        return self if seg is None else seg.structure(self.name)


class Segment:
    """One attachment of this process to a segment, made by a generated module's
    create() / open() / open_or_create(); a context manager.

    seg.<structure> (or seg.structure(name)) is the structure: an ndarray view
    for an array, else an Atomic, Queue, Stack, Ring, Pool, Topic or Latest.  Share a Segment
    between threads freely, except that close() must not race their calls."""

    __slots__ = ("_shmgen_att", "_shmgen_objs", "_shmgen_absent", "shm_name", "created", "__weakref__")
    _shmgen_layout = None  # the generated subclass's Layout

    def __init__(self):
        raise TypeError("use the generated module's create(), open() or open_or_create()")

    @classmethod
    def _shmgen_attach(cls, how, shm_name, options):
        """how: "create", "open" or "open_or_create"; options: keyword arguments of _options()."""
        layout = cls._shmgen_layout.c_layout()
        opts, ptr, created = _options(**options), ctypes.c_void_p(), ctypes.c_bool(how == "create")
        name = shm_name.encode() if isinstance(shm_name, str) else bytes(shm_name)
        args = (name, ctypes.byref(layout), ctypes.byref(opts), ctypes.byref(ptr))
        if how == "open_or_create":
            rc = _L.shmgen_segment_open_or_create(*args, ctypes.byref(created))
        else:
            rc = getattr(_L, "shmgen_segment_" + how)(*args)
        if rc != 0:
            raise_error(rc, "%s %s" % (how.replace("_", " "), shm_name))
        self = object.__new__(cls)
        self.shm_name, self.created = shm_name, bool(created.value)
        self._shmgen_att = _Attachment(ptr.value, shm_name)
        self._shmgen_objs, self._shmgen_absent = {}, {}
        try:
            self._shmgen_bind_all()
        except BaseException:
            self.close()
            raise
        return self

    def _shmgen_bind_all(self):
        layout, att = self._shmgen_layout, self._shmgen_att
        for index, desc in enumerate(layout.structures):
            info = _lib.StructInfo()
            rc = _L.shmgen_segment_resolve(att.ptr, index, ctypes.byref(info))
            if rc == ErrorCode.STRUCT_MISSING and desc.since > 1:
                self._shmgen_absent[desc.name] = desc.since
                continue
            if rc != 0:
                raise_error(rc, "open %s: structure %s" % (self.shm_name, desc.name))
            self._shmgen_objs[desc.name] = KINDS[desc.kind].bind(att, desc, info)

    def structure(self, name):
        """The structure `name` (any schema name, also one renamed as an attribute).
        Raises Error(STRUCT_MISSING) for a `since` structure this segment lacks."""
        obj = self._shmgen_objs.get(name)
        if obj is not None:
            return obj
        if self._shmgen_att.closed:
            raise ValueError("segment %s is closed" % self.shm_name)
        if name in self._shmgen_absent:
            raise Error(ErrorCode.STRUCT_MISSING, "structure '%s' (added in schema version %d) is not in this "
                        "segment: it was created from an older schema" % (name, self._shmgen_absent[name]),
                        "%s.%s" % (self.shm_name, name))
        raise KeyError("segment %s has no structure %r" % (self._shmgen_layout.segment, name))

    def present(self, name):
        """False only for a `since` structure absent from an older segment."""
        if name not in self._shmgen_layout.index:
            raise KeyError("segment %s has no structure %r" % (self._shmgen_layout.segment, name))
        return name not in self._shmgen_absent

    @property
    def closed(self):
        return self._shmgen_att.closed

    def close(self):
        """Detaches (the last process to detach removes a non-persistent segment).
        Structures become unusable at once; while NumPy views of the segment are
        alive the detach waits for the last one to go.  Raises Error when the
        runtime's close fails (SHMGEN_BUSY: detached, but another process held
        the gate lock, so the segment was left in place).  Closing twice is fine."""
        self._shmgen_objs = {}
        rc = self._shmgen_att.close()
        if rc:
            raise_error(rc, "close %s" % self.shm_name)

    def recover(self):
        """Repairs what dead processes left in the segment now (open does it too);
        returns the number of repairs."""
        if self._shmgen_att.closed:
            raise ValueError("segment %s is closed" % self.shm_name)
        rc = _L.shmgen_segment_recover(self._shmgen_att.ptr)
        if rc < 0:
            raise_error(rc, "recover %s" % self.shm_name)
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "closed" if self._shmgen_att.closed else "open"
        return "<%s segment %s (%s)>" % (self._shmgen_layout.segment, self.shm_name, state)
