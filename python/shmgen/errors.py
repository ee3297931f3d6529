# SPDX-License-Identifier: MIT

"""shmgen.errors — the runtime's error codes as one exception class.

ErrorCode is built from the runtime's own table (shmgen_error_name for every
code it knows), so it never disagrees with shmgen/errors.h.  Error carries the
code, its name as C spells it ("SHMGEN_STRUCT_MISMATCH"), the runtime's
message and its detail (shmgen_segment_last_detail: which structure, what
differed).  FULL, EMPTY and TIMEOUT are outcomes, never raised: the
operations return False or None for them.  Depends on _lib.
"""

import enum

from . import _lib

# Codes are 0 and small negative numbers; the bound only ends the scan.
_SCAN = 256


def _codes():
    codes = {}
    for value in range(0, -_SCAN, -1):
        name = _lib.lib.shmgen_error_name(value).decode()
        if name != "UNKNOWN":
            codes[name] = value
    return codes


ErrorCode = enum.IntEnum("ErrorCode", _codes(), module=__name__)
ErrorCode.__doc__ = "The runtime's error codes (shmgen/errors.h), e.g. ErrorCode.STRUCT_MISMATCH == -15."


class Error(Exception):
    """A runtime call failed.

    Attributes: code (int, an ErrorCode value), name ("SHMGEN_CORRUPT"),
    message (the runtime's text for the code), detail (what the runtime said
    about this failure, "" when nothing), where (the operation, e.g.
    "open /game" or "damage_queue.enqueue")."""

    def __init__(self, code, detail="", where=""):
        self.code = code
        try:
            self.name = "SHMGEN_" + ErrorCode(code).name
        except ValueError:
            self.name = "SHMGEN_UNKNOWN(%d)" % code
        self.message = _lib.lib.shmgen_strerror(code).decode()
        self.detail = detail
        self.where = where
        text = "%s: %s" % (self.name, self.message)
        if detail:
            text += ": " + detail
        super().__init__("%s: %s" % (where, text) if where else text)


def last_detail():
    """The runtime's detail of the last failure in this thread ("" when none)."""
    raw = _lib.lib.shmgen_segment_last_detail()
    return raw.decode("utf-8", "replace") if raw else ""


def raise_error(code, where, structure=None):
    """Raises Error for a negative code.  The detail is the runtime's when the
    failure came from open/create (structure None) or names this structure;
    the runtime keeps the detail of its last failure only, so a detail about
    something else would mislead."""
    detail = last_detail()
    if structure is not None and ("'%s'" % structure) not in detail:
        detail = ""
    raise Error(code, detail, where)
