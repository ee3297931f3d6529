# SPDX-License-Identifier: MIT

"""shmgen — typed, lock-free shared-memory segments from Python.

`shmgen generate segment.yaml --lang python -o DIR` writes DIR/<segment>.py, a
module with one NumPy structured dtype per schema type (the C layout, checked
on import), the segment's layout, and create() / open() / open_or_create().
This package is what those modules run on: it loads the C runtime's shared
library (libshmgen-runtime.so.N, see _lib) and wraps each structure kind;
every queue, ring, stack, pool, atomic, topic and latest operation is one
call into it.

    import game_server
    with game_server.open_or_create("/game") as seg:
        seg.damage_queue.enqueue((1.0, 2.0, 3.0))

The API is in docs/python.md.  Depends on numpy and the runtime library.
"""

from enum import IntEnum  # the base of generated enums (their modules import nothing else)

from ._version import __version__
from ._lib import ABI_VERSION, LibraryError
from ._lib import path as runtime_library_path
from .errors import Error, ErrorCode
from .kinds import Atomic, Pool, Queue, Ring, Stack
from .layout import Layout, LayoutError, Structure, require_abi, struct_dtype
from .segment import Segment, structure
from .topic import Latest, Loan, Read, Subscription, Topic

__all__ = ["ABI_VERSION", "Atomic", "Error", "ErrorCode", "IntEnum", "Layout", "LayoutError", "LibraryError",
           "Latest", "Loan", "Pool", "Queue", "Read", "Ring", "Segment", "Stack", "Structure", "Subscription",
           "Topic", "__version__", "require_abi", "runtime_library_path", "struct_dtype", "structure"]
