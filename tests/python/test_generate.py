# SPDX-License-Identifier: MIT

"""test_generate.py — `shmgen generate --lang python` from the outside: it
writes exactly DIR/<segment>.py, reproducibly, through the same template
machinery as C (--templates overrides, --depfile), leaves earlier output
alone when it fails, and gives every schema name a usable Python name: the
reserved names of context_py.c are exactly what the module and its Segment
class define, checked here against the real objects."""

import glob
import keyword
import os
import re
import shutil
import sys

import pytest

import shmgen
from conftest import BIN, HERE, SOURCE_DIR, generate, load, run, shm_name

GOLDEN = os.path.join(SOURCE_DIR, "tests", "generator", "codegen", "golden")
GAME = os.path.join(GOLDEN, "game_server", "segment.yaml")
NAMES = os.path.join(HERE, "names.yaml")
CONTEXT_PY = os.path.join(SOURCE_DIR, "generator", "codegen", "context_py.c")


def test_writes_only_the_module_reproducibly(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(GAME, a)
    generate(GAME, b)
    assert os.listdir(a) == ["game_server.py"]
    assert (a / "game_server.py").read_bytes() == (b / "game_server.py").read_bytes()


def test_c_stays_the_default(tmp_path):
    run(BIN, "generate", GAME, "-o", tmp_path / "default")
    run(BIN, "generate", GAME, "-o", tmp_path / "c", "--lang", "c")
    assert sorted(os.listdir(tmp_path / "default")) == ["game_server.c", "game_server.h"]
    for f in ("game_server.c", "game_server.h"):
        assert (tmp_path / "default" / f).read_bytes() == (tmp_path / "c" / f).read_bytes()


def test_unknown_language_is_a_usage_error(tmp_path):
    proc = run(BIN, "generate", GAME, "-o", tmp_path, "--lang", "rust", check=False)
    assert proc.returncode == 2 and "unknown language 'rust'" in proc.stderr
    assert os.listdir(tmp_path) == []


def test_a_failed_run_keeps_the_previous_module(tmp_path):
    path = generate(GAME, tmp_path)
    before = open(path, "rb").read()
    bad = tmp_path / "bad.yaml"
    bad.write_text("segment: game_server\nversion: 1\nstructures:\n  q: {kind: queu, type: u8, capacity: 1}\n")
    proc = run(BIN, "generate", bad, "--lang", "python", "-o", tmp_path, check=False)
    assert proc.returncode == 2 and "unknown kind 'queu'" in proc.stderr
    assert open(path, "rb").read() == before and sorted(os.listdir(tmp_path)) == ["bad.yaml", "game_server.py"]


def test_a_segment_named_shmgen_is_refused(tmp_path):
    schema = tmp_path / "s.yaml"
    schema.write_text("segment: shmgen\nversion: 1\nstructures:\n  n: {kind: atomic, type: u32}\n")
    proc = run(BIN, "generate", schema, "--lang", "python", "-o", tmp_path / "out", check=False)
    assert proc.returncode == 2 and "s.yaml:1:10: error: a Python module named 'shmgen'" in proc.stderr
    assert not os.path.exists(tmp_path / "out")


def test_check_takes_the_language_generate_will_get(tmp_path):
    schema = tmp_path / "s.yaml"
    schema.write_text("segment: shmgen\nversion: 1\nstructures:\n  n: {kind: atomic, type: u32}\n")
    assert run(BIN, "check", schema).returncode == 0  # fine for C
    proc = run(BIN, "check", schema, "--lang", "python", check=False)
    assert proc.returncode == 2 and "a Python module named 'shmgen'" in proc.stderr
    assert run(BIN, "check", GAME, "--lang", "python").returncode == 0
    proc = run(BIN, "check", GAME, "--lang", "rust", check=False)
    assert proc.returncode == 2 and "unknown language 'rust'" in proc.stderr


def test_templates_override_and_depfile(tmp_path):
    tdir = tmp_path / "t" / "python"
    tdir.mkdir(parents=True)
    original = open(os.path.join(SOURCE_DIR, "templates", "python", "dtype.py.tmpl")).read()
    (tdir / "dtype.py.tmpl").write_text("# custom dtype of {{ t.name }}\n" + original)
    dep = tmp_path / "gen.d"
    path = generate(GAME, tmp_path / "out", "--templates", tmp_path / "t", "--depfile", dep)
    assert "# custom dtype of monster" in open(path).read()
    rule = dep.read_text()
    assert rule.startswith("%s:" % path) and str(tdir / "dtype.py.tmpl") in rule
    (tdir / "segment.py.tmpl").write_text("{{ no_such_key }}\n")
    proc = run(BIN, "generate", GAME, "--lang", "python", "-o", tmp_path / "out", "--templates", tmp_path / "t",
               check=False)
    assert proc.returncode == 2 and "python/segment.py.tmpl:1:4: error: undefined variable 'no_such_key'" in proc.stderr


def test_generated_modules_are_clean_python(tmp_path):
    # The schemas are copied under a directory whose path alone is longer than a line, so the
    # banner line naming the schema cannot pass by the luck of a short build directory.
    deep = tmp_path / ("a_directory_with_a_long_name_" * 5)
    deep.mkdir()
    schemas = sorted(glob.glob(os.path.join(GOLDEN, "*", "segment.yaml"))) + [NAMES]
    copies = []
    for i, s in enumerate(schemas):
        copies.append(deep / ("%d.yaml" % i))
        shutil.copyfile(s, copies[-1])
    paths = [generate(s, tmp_path / str(i)) for i, s in enumerate(copies)]
    run(sys.executable, "-m", "pyflakes", *paths)
    run(sys.executable, "-m", "pycodestyle", "--max-line-length=120", *paths)


def test_python_names(tmp_path):
    m = load(generate(NAMES, tmp_path))
    assert m.DTYPES["class"] is m.class__ and m.DTYPES["class_"] is m.class_ and m.DTYPES["Segment"] is m.Segment_
    assert m.class__.names == ("def", "None")  # field names stay as they are
    assert [e.name for e in m.open_] == ["mro_", "_x__", "pass_", "value", "None_"] and m.open_.None_ == 4
    with m.create(shm_name("names")) as seg:
        assert seg.close_ is seg.structure("close") and isinstance(seg.close_, shmgen.Queue)
        assert seg.close_.enqueue({"def": 1, "None": 2}) and seg.close_.dequeue()["None"] == 2
        assert seg.present_.fetch_add(3) == 0 and seg.import_.shape == (2,)
        assert seg.created_.push((7,)) and seg._shmgen_layout_.push(9) and seg.structure("_shmgen_layout").pop() == 9
        assert seg.ok.acquire() is not None and seg.present("present")
    assert seg.closed


def _reserved(array):
    """The names of a `static const char *const array[]` in context_py.c."""
    text = open(CONTEXT_PY).read()
    body = re.search(r"%s\[\] = \{(.*?)\};" % array, text, re.S).group(1)
    return set(re.findall(r'"([^"]+)"', body))


@pytest.mark.parametrize("schema", [NAMES, os.path.join(GOLDEN, "everything", "segment.yaml")])
def test_reserved_names_are_exactly_what_python_defines(schema, tmp_path):
    m = load(generate(schema, tmp_path))
    from_schema = {e.__name__ for e in vars(m).values() if isinstance(e, type) and issubclass(e, shmgen.IntEnum)}
    from_schema |= {k for k, v in vars(m).items() if any(v is d for d in m.DTYPES.values())}
    module_defs = {k for k in vars(m) if not k.startswith("__")} - from_schema
    assert module_defs == _reserved("module_names")
    structures = {k for k, v in vars(m.Segment).items() if isinstance(v, shmgen.structure)}
    segment_defs = {k for k in dir(m.Segment) if not k.startswith("__")} - structures
    assert segment_defs == _reserved("segment_names")
    assert set(keyword.kwlist) == _reserved("keywords")


def test_versions_agree():
    out = run(BIN, "--version").stdout
    assert out.split()[1] == shmgen.__version__
    assert "runtime ABI %d" % shmgen.ABI_VERSION in out
