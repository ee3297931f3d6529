# SPDX-License-Identifier: MIT

"""shmgen._lib — finds and loads the runtime's shared library and declares, with
ctypes, every C function the package calls.

The library is libshmgen-runtime.so.N, N being the runtime ABI version this
package speaks (ABI_VERSION).  Where it is looked for, in order:

1. the file named by the environment variable SHMGEN_RUNTIME_LIBRARY (when
   it is set, nothing else is tried);
2. the path `cmake --install` recorded beside the package (_install.py,
   relative to the package, so an installed prefix may be moved);
3. a copy in the package's own directory;
4. the dynamic linker's search path (LD_LIBRARY_PATH, ldconfig), by SONAME.

Before the first call the library's ABI version and the sizes of the structs
this module mirrors are compared with what the library reports
(shmgen/ffi.h), so a library of another shmgen version is refused with a
message instead of being handed structs of the wrong size.

The GIL: a call that may block or run long (every wait, open / create /
close / recover, copies of many elements, scans of a whole pool, the ring's
overwrite that may wait ~20 ms for a consumer, a latest store that may wait
~20 ms for another writer, a topic's loan (its first one may repair a dead
publisher's side under the recovery lock) and (un)subscribe, which may wait
100 ms for another one: RELEASE_GIL) goes through a
ctypes.CDLL handle, which releases the GIL around it; the single lock-free
operations (bounded, well under a microsecond) go through a ctypes.PyDLL
handle of the same library, which keeps it: releasing and retaking the GIL
cost about 100 ns, a third of such a call.  `lib` hands out the right one.
Depends on ctypes and the library only.
"""

import ctypes
import os

ABI_VERSION = 1
SONAME = "libshmgen-runtime.so.%d" % ABI_VERSION
ENV_VAR = "SHMGEN_RUNTIME_LIBRARY"

c_int, c_uint, c_uint32, c_uint64 = ctypes.c_int, ctypes.c_uint, ctypes.c_uint32, ctypes.c_uint64
c_int32, c_int64, c_size_t, c_bool = ctypes.c_int32, ctypes.c_int64, ctypes.c_size_t, ctypes.c_bool
c_char_p, c_void_p, POINTER = ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER

NAME_MAX = 63  # SHMGEN_NAME_MAX
TOPIC_NAME_MAX = 31  # SHMGEN_TOPIC_NAME_MAX: bytes in a topic subscriber's name


class StructDesc(ctypes.Structure):
    """shmgen_struct_desc_t (shmgen/layout.h)."""

    _fields_ = [("name", c_char_p), ("kind", c_int), ("elem_size", c_uint32), ("elem_align", c_uint32),
                ("capacity", c_uint64), ("elem_hash", c_uint64), ("since", c_uint32), ("initial", c_uint64),
                ("subscribers", c_uint32), ("history", c_uint32), ("policy", c_uint32), ("deadline_ms", c_uint32)]


class LayoutDesc(ctypes.Structure):
    """shmgen_layout_t (shmgen/layout.h)."""

    _fields_ = [("segment", c_char_p), ("schema_version", c_uint32), ("layout_hash", c_uint64),
                ("declared_size", c_uint64), ("nstructs", c_size_t), ("structs", POINTER(StructDesc)),
                ("mode", c_uint32)]


class OpenOptions(ctypes.Structure):
    """shmgen_open_options_t (shmgen/segment.h); uid_t and gid_t are 32-bit on Linux."""

    _fields_ = [("mode", c_uint), ("persistent", c_bool), ("timeout_ms", c_uint), ("trust", c_uint),
                ("trusted_uid", c_uint32), ("trusted_gid", c_uint32)]


class StructInfo(ctypes.Structure):
    """shmgen_struct_info_t (shmgen/segment.h)."""

    _fields_ = [("name", ctypes.c_char * (NAME_MAX + 1)), ("kind", c_int), ("elem_size", c_uint32),
                ("elem_align", c_uint32), ("capacity", c_uint64), ("elem_hash", c_uint64), ("offset", c_uint64),
                ("size", c_uint64), ("since", c_uint32), ("table_index", c_uint32),
                ("subscribers", c_uint32), ("history", c_uint32), ("policy", c_uint32), ("deadline_ms", c_uint32)]


class TopicSubInfo(ctypes.Structure):
    """shmgen_topic_sub_info_t (shmgen/topic.h); pid_t is 32-bit on Linux."""

    _fields_ = [("name", ctypes.c_char * (TOPIC_NAME_MAX + 1)), ("pid", c_int32), ("alive", c_bool),
                ("evicted", c_bool), ("position", c_uint64), ("lag", c_uint64), ("lost", c_uint64)]


class PoolHandle(ctypes.Structure):
    """shmgen_pool_handle_t (shmgen/pool.h), passed by value."""

    _fields_ = [("bits", c_uint64)]


# The structs this module fills or reads itself, checked against the library.
MIRRORS = {"shmgen_struct_desc_t": StructDesc, "shmgen_layout_t": LayoutDesc,
           "shmgen_open_options_t": OpenOptions, "shmgen_struct_info_t": StructInfo,
           "shmgen_pool_handle_t": PoolHandle, "shmgen_topic_sub_info_t": TopicSubInfo}
# Bound handles (those with a shmgen_<kind>_bind), treated as opaque buffers
# of the library's size; topic_sub is a topic subscription, filled by subscribe.
BOUND = ("array", "atomic", "queue", "stack", "ring", "pool", "topic", "latest")
HANDLES = BOUND + ("topic_sub",)

POOL_VISIT_FN = ctypes.CFUNCTYPE(None, PoolHandle, c_void_p, c_void_p)

_VP, _P = c_void_p, POINTER
# name: (restype, argtypes).  `h` is a bound handle, `e` an element buffer.
_SIGNATURES = {
    "shmgen_strerror": (c_char_p, [c_int]),
    "shmgen_error_name": (c_char_p, [c_int]),
    "shmgen_kind_name": (c_char_p, [c_int]),
    "shmgen_ffi_abi_version": (c_int, []),
    "shmgen_ffi_sizeof": (c_size_t, [c_char_p]),
    "shmgen_segment_create": (c_int, [c_char_p, _P(LayoutDesc), _P(OpenOptions), _P(_VP)]),
    "shmgen_segment_open": (c_int, [c_char_p, _P(LayoutDesc), _P(OpenOptions), _P(_VP)]),
    "shmgen_segment_open_or_create": (c_int, [c_char_p, _P(LayoutDesc), _P(OpenOptions), _P(_VP), _P(c_bool)]),
    "shmgen_segment_close": (c_int, [_VP]),
    "shmgen_segment_unlink": (c_int, [c_char_p]),
    "shmgen_segment_resolve": (c_int, [_VP, c_size_t, _P(StructInfo)]),
    "shmgen_segment_recover": (c_int, [_VP]),
    "shmgen_segment_last_detail": (c_char_p, []),
    "shmgen_segment_struct_base": (_VP, [_VP, _P(StructInfo)]),
    "shmgen_array_data": (_VP, [_VP]),
    "shmgen_array_capacity": (c_uint64, [_VP]),
    "shmgen_pool_acquire": (PoolHandle, [_VP]),
    "shmgen_pool_release": (c_int, [_VP, PoolHandle]),
    "shmgen_pool_get": (_VP, [_VP, PoolHandle]),
    "shmgen_pool_adopt": (c_int, [_VP, PoolHandle]),
    "shmgen_pool_visit": (c_int, [_VP, POOL_VISIT_FN, _VP]),
    "shmgen_ring_push_overwrite": (c_int, [_VP, _VP]),
    "shmgen_ring_last_n": (c_size_t, [_VP, _VP, c_size_t]),
    "shmgen_ring_release_producer": (c_int, [_VP]),
    "shmgen_ring_release_consumer": (c_int, [_VP]),
}
for _kind in BOUND:
    _SIGNATURES["shmgen_%s_bind" % _kind] = (c_int, [_VP, _VP, _P(StructInfo)])
for _kind in ("queue", "stack", "ring", "pool"):
    _SIGNATURES["shmgen_%s_capacity" % _kind] = (c_uint64, [_VP])
for _kind in ("queue", "stack", "ring"):
    _SIGNATURES["shmgen_%s_size" % _kind] = (c_uint64, [_VP])
    _SIGNATURES["shmgen_%s_wait_data" % _kind] = (c_int, [_VP, c_int])
    _SIGNATURES["shmgen_%s_wait_space" % _kind] = (c_int, [_VP, c_int])
for _put, _take, _kind in (("enqueue", "dequeue", "queue"), ("push", "pop", "stack"), ("push", "pop", "ring")):
    for _op in (_put, _take):
        _SIGNATURES["shmgen_%s_%s" % (_kind, _op)] = (c_int, [_VP, _VP])
        _SIGNATURES["shmgen_%s_%s_wait" % (_kind, _op)] = (c_int, [_VP, _VP, c_int])
        if _kind != "stack":
            _SIGNATURES["shmgen_%s_%s_bulk" % (_kind, _op)] = (c_size_t, [_VP, _VP, c_size_t])
for _name in ("dropped", "pushed", "popped"):
    _SIGNATURES["shmgen_ring_" + _name] = (c_uint64, [_VP])
_SIGNATURES["shmgen_pool_num_allocated"] = (c_uint64, [_VP])
# topic (shmgen/topic.h): `h` the topic, `s` a subscription
_SIGNATURES.update({
    "shmgen_topic_loan": (c_int, [_VP, _P(_VP)]),
    "shmgen_topic_loan_wait": (c_int, [_VP, _P(_VP), c_int]),
    "shmgen_topic_publish": (c_int, [_VP]),
    "shmgen_topic_publish_copy": (c_int, [_VP, _VP]),
    "shmgen_topic_publish_wait": (c_int, [_VP, _VP, c_int]),
    "shmgen_topic_release_publisher": (c_int, [_VP]),
    "shmgen_topic_subscribe": (c_int, [_VP, c_char_p, _VP]),
    "shmgen_topic_unsubscribe": (c_int, [_VP]),
    "shmgen_topic_read": (c_int, [_VP, _P(_VP)]),
    "shmgen_topic_release": (c_int, [_VP]),
    "shmgen_topic_take": (c_int, [_VP, _VP]),
    "shmgen_topic_take_wait": (c_int, [_VP, _VP, c_int]),
    "shmgen_topic_wait": (c_int, [_VP, c_int]),
    "shmgen_topic_subscriber_at": (c_int, [_VP, c_uint32, _P(TopicSubInfo)]),
    "shmgen_topic_max_subscribers": (c_uint32, [_VP]),
    "shmgen_latest_store": (c_int, [_VP, _VP]),
    "shmgen_latest_load": (c_int, [_VP, _VP, _P(c_uint64)]),
    "shmgen_latest_version": (c_uint64, [_VP]),
    "shmgen_latest_wait": (c_int, [_VP, c_uint64, c_int]),
})
for _name in ("topic_published", "topic_capacity", "topic_evictions", "topic_position", "topic_lag", "topic_lost"):
    _SIGNATURES["shmgen_" + _name] = (c_uint64, [_VP])

# The atomic kind's C value type per function suffix (shmgen/atomic.h).
ATOMIC_TYPES = {"u32": c_uint32, "u64": c_uint64, "i32": c_int32, "i64": c_int64, "bool": c_bool}
for _suffix, _ct in ATOMIC_TYPES.items():
    _SIGNATURES["shmgen_atomic_load_" + _suffix] = (_ct, [_VP])
    _SIGNATURES["shmgen_atomic_store_" + _suffix] = (None, [_VP, _ct])
    _SIGNATURES["shmgen_atomic_exchange_" + _suffix] = (_ct, [_VP, _ct])
    _SIGNATURES["shmgen_atomic_compare_exchange_" + _suffix] = (c_bool, [_VP, _P(_ct), _ct])
    if _suffix != "bool":
        _SIGNATURES["shmgen_atomic_fetch_add_" + _suffix] = (_ct, [_VP, _ct])
        _SIGNATURES["shmgen_atomic_fetch_sub_" + _suffix] = (_ct, [_VP, _ct])


# Parts of the names of the functions called with the GIL released.
RELEASE_GIL = ("_wait", "_bulk", "_last_n", "_visit", "_num_allocated", "_push_overwrite", "segment_create",
               "segment_open", "segment_close", "segment_recover", "segment_unlink", "topic_loan", "topic_publish_copy",
               "topic_release_publisher", "topic_subscribe", "topic_unsubscribe", "latest_store")


def releases_gil(name):
    return any(part in name for part in RELEASE_GIL)


class Functions:
    """The library's functions as attributes, each declared, from the handle
    that releases the GIL or the one that keeps it (see the module's text)."""


class LibraryError(ImportError):
    """The runtime's shared library is missing or does not match this package."""


def _candidates():
    """(description, path) pairs in search order."""
    here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get(ENV_VAR):
        return [("$" + ENV_VAR, os.path.abspath(os.environ[ENV_VAR]))]
    found = []
    try:
        from . import _install  # written by `cmake --install` only
        found.append(("the path cmake --install recorded", os.path.normpath(os.path.join(here, _install.LIBRARY))))
    except ImportError:
        pass
    found.append(("beside the package", os.path.join(here, SONAME)))
    found.append(("the dynamic linker's search path", SONAME))
    return found


def _open():
    """(the CDLL and PyDLL handles, the path) of the first candidate that loads;
    LibraryError naming every place tried."""
    tried = []
    for where, path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append("%s (%s): no such file" % (path, where))
            continue
        try:
            return (ctypes.CDLL(path), ctypes.PyDLL(path)), path
        except OSError as e:
            tried.append("%s (%s): %s" % (path, where, e))
    raise LibraryError("shmgen: cannot load the runtime library %s; tried:\n  %s\nBuild it (target "
                       "shmgen_runtime_shared), install it (cmake --install), or set %s to its path."
                       % (SONAME, "\n  ".join(tried), ENV_VAR))


def _declare(handles, path):
    """Functions with every function declared; LibraryError if one is missing."""
    funcs = Functions()
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            fn = getattr(handles[0] if releases_gil(name) else handles[1], name)
        except AttributeError:
            raise LibraryError("shmgen: %s has no function %s: it is not a shmgen runtime of this version"
                               % (path, name)) from None
        fn.restype, fn.argtypes = restype, argtypes
        setattr(funcs, name, fn)
    return funcs


def _check(lib, path):
    """The library's ABI version and struct sizes against this module's."""
    abi = lib.shmgen_ffi_abi_version()
    if abi != ABI_VERSION:
        raise LibraryError("shmgen: %s is runtime ABI %d; this shmgen package speaks ABI %d" % (path, abi, ABI_VERSION))
    for cname, mirror in MIRRORS.items():
        size = lib.shmgen_ffi_sizeof(cname.encode())
        if size != ctypes.sizeof(mirror):
            raise LibraryError("shmgen: %s lays out %s in %d bytes, this shmgen package expects %d: use the "
                               "package and the library of one shmgen version" % (path, cname, size,
                                                                                  ctypes.sizeof(mirror)))
    sizes = {}
    for kind in HANDLES:
        sizes[kind] = lib.shmgen_ffi_sizeof(("shmgen_%s_t" % kind).encode())
        if sizes[kind] == 0:
            raise LibraryError("shmgen: %s does not know shmgen_%s_t" % (path, kind))
    return sizes


def _kind_values(lib):
    """{"array": 1, ...} from the runtime's own kind names."""
    kinds = {}
    for value in range(1, 64):
        name = lib.shmgen_kind_name(value)
        if name is None:
            break
        kinds[name.decode()] = value
    return kinds


def _load():
    handles, path = _open()
    lib = _declare(handles, path)
    return lib, path, _check(lib, path), _kind_values(lib)


lib, path, handle_sizes, kinds = _load()
"""The library's functions (Functions), where it came from, the byte size of
each bound handle, and the runtime's kind values by name."""


def handle_buffer(kind):
    """Zeroed, 8-byte aligned storage for one bound handle of `kind`."""
    words = (handle_sizes[kind] + 7) // 8
    return (c_uint64 * words)()
