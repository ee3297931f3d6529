# SPDX-License-Identifier: MIT

"""conftest.py — what the Python tests share: the build's paths (from the
environment tests/python/CMakeLists.txt sets), generating and importing a
module from a schema, unique segment names, running the C peer, and item(),
the Python twin of peer.c's item().

Run through ctest (python_* tests), which sets SHMGEN_BIN, SHMGEN_TEST_PEER,
SHMGEN_RUNTIME_LIBRARY, PYTHONPATH and the rest.
"""

import importlib.util
import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

BIN = os.environ["SHMGEN_BIN"]
PEER = os.environ["SHMGEN_TEST_PEER"]
SOURCE_DIR = os.environ["SHMGEN_SOURCE_DIR"]
BINARY_DIR = os.environ["SHMGEN_BINARY_DIR"]
HERE = os.path.dirname(os.path.abspath(__file__))
INTEROP_SCHEMA = os.path.join(HERE, "interop.yaml")
SEEN_HALF = 200000  # peer.c: seen[producer * SEEN_HALF + seq]

_names = itertools.count()
_modules = itertools.count()


def shm_name(tag="t"):
    """A segment name no other test run uses."""
    return "/shmgen_py_%s_%d_%d" % (tag, os.getpid(), next(_names))


def run(*args, check=True, **kw):
    """Runs a command, capturing text output; fails the test on a non-zero exit when check."""
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kw)
    if check and proc.returncode != 0:
        pytest.fail("%s exited %d\nstdout:\n%s\nstderr:\n%s" % (args, proc.returncode, proc.stdout, proc.stderr))
    return proc


def generate(schema, out_dir, *extra):
    """`shmgen generate SCHEMA --lang python -o out_dir`; the path of the module."""
    run(BIN, "generate", schema, "--lang", "python", "-o", out_dir, *extra)
    mods = [f for f in os.listdir(out_dir) if f.endswith(".py")]
    assert len(mods) == 1, mods
    return os.path.join(out_dir, mods[0])


def load(path):
    """Imports the module at path under a fresh name (several tests use one segment name)."""
    name = "%s_%d" % (os.path.splitext(os.path.basename(path))[0], next(_modules))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def interop(tmp_path):
    """The pyinterop module."""
    return load(generate(INTEROP_SCHEMA, tmp_path / "interop"))


def item(seq):
    """peer.c's item(seq) as a tuple in the field order of `item`."""
    tag = ("t%04d" % (seq % 10000)).encode()
    return (seq % 3 == 0, seq, tag, seq % 3, seq % 256 - 128, (seq % 1000, -(seq % 1000), 7),
            (np.float32(seq * 0.5), seq * 0.25), seq & 0xFFFFFFFF)


def check_item(rec, seq):
    """Every field of the record rec against item(seq)."""
    want = np.array([item(seq)], dtype=rec.dtype)[0]
    for field in rec.dtype.names:
        assert np.array_equal(rec[field], want[field]), "item %d: field %s is %r, expected %r" % (
            seq, field, rec[field], want[field])


def peer(role, name, *args, wait=True):
    """Runs (or starts, wait=False) the C peer in `role` on segment name."""
    cmd = [PEER, role, name] + [str(a) for a in args]
    if wait:
        return run(*cmd)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc, timeout=120):
    """Waits for a started peer; fails with its output unless it exited 0."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail("%s timed out\n%s\n%s" % (proc.args, out, err))
    assert proc.returncode == 0, "%s exited %d\n%s\n%s" % (proc.args, proc.returncode, out, err)
