# SPDX-License-Identifier: MIT

"""shmgen.layout — what a generated module declares: element dtypes with the C
layout, and the segment's layout descriptor as the runtime checks it.

A generated <segment>.py calls struct_dtype() once per element type and
builds one Layout of Structure entries; both check, when the module is
imported, that NumPy lays the types out exactly as the schema (and so the C
header) says: itemsize, alignment and every field offset.  Layout.c_layout()
is the shmgen_layout_t handed to create/open, so the runtime compares every
structure with the segment's table as it does for C.  Depends on numpy and
_lib.
"""

import ctypes

import numpy as np

from . import _lib


class LayoutError(ImportError):
    """A generated module does not fit this shmgen package (regenerate it)."""


def require_abi(abi, module):
    """Refuses a generated module made for another runtime ABI (like the C header's #error)."""
    if abi != _lib.ABI_VERSION:
        raise LayoutError("%s was generated for shmgen runtime ABI %d; this shmgen package speaks ABI %d: "
                          "regenerate it with the shmgen of this runtime" % (module, abi, _lib.ABI_VERSION))


def struct_dtype(name, size, align, fields):
    """The structured dtype of schema type `name`: fields [(name, format, offset)],
    the given itemsize; checked to have the C alignment and offsets."""
    dt = np.dtype({"names": [f[0] for f in fields], "formats": [f[1] for f in fields],
                   "offsets": [f[2] for f in fields], "itemsize": size}, align=True)
    for fname, _fmt, offset in fields:
        if dt.fields[fname][1] != offset:
            raise LayoutError("type %s: NumPy puts %s at offset %d, the schema at %d"
                              % (name, fname, dt.fields[fname][1], offset))
    _check(name, dt, size, align)
    return dt


def _check(name, dt, size, align):
    if dt.itemsize != size or dt.alignment != align:
        raise LayoutError("%s: NumPy gives %d bytes aligned to %d, the schema %d aligned to %d"
                          % (name, dt.itemsize, dt.alignment, size, align))


# shmgen_topic_policy_t (shmgen/layout.h) by the schema's spelling
TOPIC_POLICIES = {"lap": 0, "block": 1}


class Structure:
    """One structure of the schema, as the generated module declares it.  A
    topic's parameters (subscribers, history, policy "lap" or "block",
    deadline_ms) go into the descriptor the runtime compares at open, as the
    C header's do; they are 0 (policy None) for the other kinds."""

    __slots__ = ("name", "kind", "dtype", "elem_size", "elem_align", "capacity", "elem_hash", "since", "initial",
                 "shape", "base", "subscribers", "history", "policy", "deadline_ms")

    def __init__(self, name, kind, elem, size, align, capacity, hash, since, initial, subscribers=0, history=0,
                 policy=None, deadline_ms=0):
        from .topic import KINDS
        if kind not in _lib.kinds or kind not in KINDS:
            raise LayoutError("structure %s: kind %r is not supported by this shmgen package (%s) with the "
                              "runtime at %s" % (name, kind, ", ".join(sorted(KINDS)), _lib.path))
        self.name, self.kind, self.dtype = name, kind, np.dtype(elem)
        self.elem_size, self.elem_align, self.capacity = size, align, capacity
        self.elem_hash, self.since, self.initial = hash, since, initial
        if (policy is not None) != (kind == "topic") or (policy is not None and policy not in TOPIC_POLICIES):
            raise LayoutError("structure %s: policy %r for a %s (a topic's is one of %s)"
                              % (name, policy, kind, ", ".join(TOPIC_POLICIES)))
        self.subscribers, self.history, self.policy, self.deadline_ms = subscribers, history, policy, deadline_ms
        _check("structure %s's element" % name, self.dtype, size, align)
        # an element "u8[64]" is a sub-array dtype: NumPy arrays of it are (n, 64) of u8
        self.base, self.shape = self.dtype.subdtype if self.dtype.subdtype else (self.dtype, ())

    def __repr__(self):
        return "<structure %s: %s of %s, capacity %d>" % (self.name, self.kind, self.dtype, self.capacity)


class Layout:
    """The whole segment as a generated module describes it."""

    __slots__ = ("segment", "schema_version", "layout_hash", "declared_size", "mode", "structures", "index", "_c")

    def __init__(self, segment, schema_version, layout_hash, declared_size, mode, structures):
        self.segment, self.schema_version = segment, schema_version
        self.layout_hash, self.declared_size, self.mode = layout_hash, declared_size, mode
        self.structures = tuple(structures)
        self.index = {s.name: i for i, s in enumerate(self.structures)}
        self._c = None

    def c_layout(self):
        """The shmgen_layout_t (built once; it and its strings live as long as self)."""
        if self._c is None:
            descs = (_lib.StructDesc * max(1, len(self.structures)))()
            for d, s in zip(descs, self.structures):
                d.name, d.kind = s.name.encode(), _lib.kinds[s.kind]
                d.elem_size, d.elem_align, d.capacity = s.elem_size, s.elem_align, s.capacity
                d.elem_hash, d.since, d.initial = s.elem_hash, s.since, s.initial
                d.subscribers, d.history, d.deadline_ms = s.subscribers, s.history, s.deadline_ms
                d.policy = TOPIC_POLICIES.get(s.policy, 0)
            c = _lib.LayoutDesc(segment=self.segment.encode(), schema_version=self.schema_version,
                                layout_hash=self.layout_hash, declared_size=self.declared_size,
                                nstructs=len(self.structures), mode=self.mode,
                                structs=ctypes.cast(descs, ctypes.POINTER(_lib.StructDesc)))
            self._c = (c, descs)  # descs must outlive c, which points into it
        return self._c[0]
