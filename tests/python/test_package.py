# SPDX-License-Identifier: MIT

"""test_package.py — the shmgen Python package as users get it: the shared
library (SONAME, only public names exported, struct mirrors equal to C),
finding it (environment variable, the dynamic linker, the path `cmake
--install` records) with a clear error when it is nowhere, `pip install
./python` without any package index, and a `cmake --install` prefix that
works, and keeps working when moved, with nothing set in the environment."""

import ctypes
import os
import re
import shutil
import sys

import pytest

import shmgen
from conftest import BINARY_DIR, SOURCE_DIR, run

LIBRARY = os.environ["SHMGEN_RUNTIME_LIBRARY"]
PYTHON_DIR = os.path.join(SOURCE_DIR, "python")


def python(code, env_extra=None, drop=("SHMGEN_RUNTIME_LIBRARY",), exe=sys.executable, check=True):
    """Runs code in a fresh interpreter with this environment minus drop plus env_extra."""
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra or {})
    return run(exe, "-c", code, env=env, check=check)


def test_the_library_has_its_soname_and_exports_public_names_only():
    dyn = run("readelf", "-d", LIBRARY).stdout
    assert "Library soname: [libshmgen-runtime.so.%d]" % shmgen.ABI_VERSION in dyn
    names = [line.split()[-1] for line in run("nm", "-D", "--defined-only", LIBRARY).stdout.splitlines()]
    assert "shmgen_queue_enqueue" in names and "shmgen_ffi_sizeof" in names
    assert [n for n in names if not re.match(r"shmgen_[a-z]", n)] == []


def test_the_abi_version_is_layout_h_s():
    with open(os.path.join(SOURCE_DIR, "runtime", "include", "shmgen", "layout.h")) as f:
        assert int(re.search(r"#define SHMGEN_RUNTIME_ABI_VERSION (\d+)", f.read()).group(1)) == shmgen.ABI_VERSION


def test_struct_mirrors_match_c(tmp_path):
    """Every field offset of every ctypes mirror against the C compiler's offsetof."""
    lines = []
    for cname, mirror in shmgen._lib.MIRRORS.items():
        lines.append('printf("%s %%zu\\n", sizeof(%s));' % (cname, cname))
        for field, _ in mirror._fields_:
            lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (cname, field, cname, field))
    src = tmp_path / "mirrors.c"
    src.write_text('#include <stddef.h>\n#include <stdio.h>\n#include "shmgen/shmgen.h"\nint main(void)\n{\n    %s\n'
                   '    return 0;\n}\n' % "\n    ".join(lines))
    run(os.environ.get("SHMGEN_C_COMPILER", "cc"), "-std=c11", "-I", os.path.join(SOURCE_DIR, "runtime", "include"),
        "-I", os.path.join(BINARY_DIR, "runtime", "include"), src, "-o", tmp_path / "mirrors")
    c = dict(line.split() for line in run(tmp_path / "mirrors").stdout.splitlines())
    for cname, mirror in shmgen._lib.MIRRORS.items():
        assert int(c[cname]) == ctypes.sizeof(mirror), cname
        for field, _ in mirror._fields_:
            assert int(c["%s.%s" % (cname, field)]) == getattr(mirror, field).offset, (cname, field)


def test_a_wrong_library_path_is_a_clear_error():
    proc = python("import shmgen", {"SHMGEN_RUNTIME_LIBRARY": "/nonexistent/libshmgen-runtime.so.1"}, drop=(),
                  check=False)
    assert proc.returncode != 0
    assert "cannot load the runtime library libshmgen-runtime.so.%d" % shmgen.ABI_VERSION in proc.stderr
    assert "/nonexistent/libshmgen-runtime.so.1 ($SHMGEN_RUNTIME_LIBRARY): no such file" in proc.stderr


def test_a_library_that_is_not_shmgen_is_refused():
    import _ctypes  # a shared library that is certainly not shmgen
    proc = python("import shmgen", {"SHMGEN_RUNTIME_LIBRARY": _ctypes.__file__}, drop=(), check=False)
    assert proc.returncode != 0 and "is not a shmgen runtime of this version" in proc.stderr


def test_found_through_the_dynamic_linker():
    proc = python("import shmgen; print(shmgen.runtime_library_path)",
                  {"LD_LIBRARY_PATH": os.path.dirname(LIBRARY)})
    assert proc.stdout.strip() == "libshmgen-runtime.so.%d" % shmgen.ABI_VERSION


def test_nowhere_to_be_found_lists_where_it_looked():
    probe = "import ctypes; ctypes.CDLL('libshmgen-runtime.so.%d')" % shmgen.ABI_VERSION
    if python(probe, {"LD_LIBRARY_PATH": ""}, check=False).returncode == 0:
        pytest.skip("a shmgen runtime is installed system-wide")
    proc = python("import shmgen", {"LD_LIBRARY_PATH": ""}, check=False)
    assert proc.returncode != 0
    for where in ("beside the package", "the dynamic linker's search path", "SHMGEN_RUNTIME_LIBRARY"):
        assert where in proc.stderr


def test_pip_install_needs_no_index(tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv)  # numpy from the system
    # any attempt to reach an index fails at once: the install must not need one
    env = dict(os.environ, PIP_INDEX_URL="http://127.0.0.1:9/", PIP_RETRIES="0", PIP_TIMEOUT="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH")
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", PYTHON_DIR, env=env)
    proc = python("import shmgen; print(shmgen.__file__, shmgen.__version__)", {"SHMGEN_RUNTIME_LIBRARY": LIBRARY},
                  drop=("PYTHONPATH",), exe=venv / "bin" / "python")
    path, version = proc.stdout.split()
    assert path.startswith(str(venv)) and version == shmgen.__version__
    assert not os.path.exists(os.path.join(PYTHON_DIR, "build"))  # the source tree stays clean


def test_cmake_install_prefix_works_and_can_move(tmp_path):
    prefix = tmp_path / "prefix"
    run("cmake", "--install", BINARY_DIR, "--prefix", prefix)
    lib = prefix / "lib"
    assert (lib / ("libshmgen-runtime.so.%d" % shmgen.ABI_VERSION)).exists() and (lib / "libshmgen-runtime.a").exists()
    assert not (lib / "libshmgen-runtime.so").exists()  # -lshmgen-runtime keeps linking the static library
    site = "python%d.%d/site-packages" % sys.version_info[:2]
    moved = tmp_path / "moved"
    shutil.move(prefix, moved)
    gen = tmp_path / "gen"
    run(moved / "bin" / "shmgen", "generate", os.path.join(SOURCE_DIR, "tests", "python", "interop.yaml"),
        "--lang", "python", "-o", gen)
    code = ("import shmgen, pyinterop; print(shmgen.runtime_library_path)\n"
            "with pyinterop.create('/shmgen_py_inst_%d') as s: assert s.items_q.enqueue({'seq': 5})\n" % os.getpid())
    proc = python(code, {"PYTHONPATH": "%s:%s" % (moved / "lib" / site, gen), "LD_LIBRARY_PATH": ""})
    soname = "libshmgen-runtime.so.%d" % shmgen.ABI_VERSION
    assert os.path.realpath(proc.stdout.strip()) == os.path.realpath(moved / "lib" / soname)
