# SPDX-License-Identifier: MIT

"""test_layout.py — every NumPy dtype of a generated module is the C layout.

For each golden schema (tests/generator/codegen/golden/*, tests/schema/good/*:
padding before and after small fields, tail padding, bool/char arrays,
nested arrays of structs, enums, atomic fields), the test generates the
Python module and the C header, compiles a probe that prints the C
compiler's sizeof, _Alignof and offsetof of every type, field and structure
element, and compares each with the dtype's itemsize, alignment, field
offsets and field sizes, and with `shmgen layout --json` (names, order,
element hashes)."""

import glob
import json
import os
import subprocess

import pytest

from conftest import BIN, BINARY_DIR, SOURCE_DIR, generate, load, run

SCHEMAS = sorted(glob.glob(os.path.join(SOURCE_DIR, "tests", "generator", "codegen", "golden", "*", "segment.yaml")) +
                 glob.glob(os.path.join(SOURCE_DIR, "tests", "schema", "good", "*.yaml")))
C_SCALARS = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t", "i8": "int8_t",
             "i16": "int16_t", "i32": "int32_t", "i64": "int64_t", "f32": "float", "f64": "double", "bool": "bool"}


def c_elem_type(doc, s):
    """The C type of structure s's element in the generated header."""
    seg = doc["segment"]
    if s["array_len"]:
        return "%s_%s_elem_t" % (seg, s["name"])
    if s["ref"] == "scalar":
        return C_SCALARS[s["base"]]
    return "%s_%s_t" % (seg, s["base"])


def probe_source(doc):
    """A C program printing "key size align" / "key offset size" lines."""
    seg, lines = doc["segment"], []
    for t in doc["types"]:
        ct = "%s_%s_t" % (seg, t["name"])
        lines.append('printf("type %s %%zu %%zu\\n", sizeof(%s), _Alignof(%s));' % (t["name"], ct, ct))
        for f in t["fields"]:
            lines.append('printf("field %s.%s %%zu %%zu\\n", offsetof(%s, %s), sizeof(((%s *)0)->%s));'
                         % (t["name"], f["name"], ct, f["name"], ct, f["name"]))
    for s in doc["structures"]:
        ct = c_elem_type(doc, s)
        lines.append('printf("elem %s %%zu %%zu\\n", sizeof(%s), _Alignof(%s));' % (s["name"], ct, ct))
    return ('#include <stddef.h>\n#include <stdio.h>\n#include "%s.h"\nint main(void)\n{\n    %s\n    return 0;\n}\n'
            % (seg, "\n    ".join(lines)))


def c_layout(doc, gen_dir, work):
    """{key: (a, b)} from the compiled probe."""
    src, exe = work / "probe.c", work / "probe"
    src.write_text(probe_source(doc))
    cc = os.environ.get("SHMGEN_C_COMPILER", "cc")
    run(cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", gen_dir,
        "-I", os.path.join(SOURCE_DIR, "runtime", "include"), "-I", os.path.join(BINARY_DIR, "runtime", "include"),
        src, "-o", exe)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    return {(k, name): (int(a), int(b)) for k, name, a, b in (line.split() for line in out.splitlines())}


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda p: os.path.relpath(p, SOURCE_DIR))
def test_dtypes_are_the_c_layout(schema, tmp_path):
    doc = json.loads(run(BIN, "layout", schema, "--json").stdout)
    mod = load(generate(schema, tmp_path / "py"))
    run(BIN, "generate", schema, "-o", tmp_path / "c")
    c = c_layout(doc, tmp_path / "c", tmp_path)
    checked = 0
    for t in doc["types"]:
        dt = mod.DTYPES[t["name"]]
        assert (dt.itemsize, dt.alignment) == c[("type", t["name"])] == (t["size"], t["align"]), t["name"]
        assert list(dt.names) == [f["name"] for f in t["fields"]]
        for f in t["fields"]:
            fdt, offset = dt.fields[f["name"]][:2]
            assert (offset, fdt.itemsize) == c[("field", "%s.%s" % (t["name"], f["name"]))], (t["name"], f["name"])
            assert (offset, fdt.itemsize) == (f["offset"], f["size"])
            checked += 1
    for s, desc in zip(doc["structures"], mod.LAYOUT.structures):
        assert desc.name == s["name"] and desc.kind == s["kind"] and desc.capacity == s["capacity"]
        elem = (desc.dtype.itemsize, desc.dtype.alignment)
        assert elem == c[("elem", s["name"])] == (s["elem_size"], s["elem_align"]), s["name"]
        assert desc.elem_hash == int(s["elem_hash"], 16) and desc.since == s["since"]
        checked += 1
    assert mod.LAYOUT_HASH == int(doc["layout_hash"], 16) and mod.SCHEMA_VERSION == doc["version"]
    assert checked == sum(len(t["fields"]) for t in doc["types"]) + len(doc["structures"])


def test_the_padding_schema_really_has_padding():
    """The corpus above covers padding before, between and after fields."""
    doc = json.loads(run(BIN, "layout", os.path.join(SOURCE_DIR, "tests", "schema", "good", "padding.yaml"),
                         "--json").stdout)
    assert any(f["padding_before"] for t in doc["types"] for f in t["fields"])
    assert any(t["tail_padding"] for t in doc["types"])
