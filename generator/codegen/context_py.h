/*
 * SPDX-License-Identifier: MIT
 *
 * context_py.h — the Python part of the template context (codegen, private):
 * Python names of the schema's types, enums, enum values and structures, and
 * the NumPy spelling of every field and element type, for
 * templates/python/segment.py.tmpl.  Depends on the schema model and value.h.
 */
#ifndef SHMGEN_CODEGEN_CONTEXT_PY_H
#define SHMGEN_CODEGEN_CONTEXT_PY_H

#include "shmgen_gen/value.h"
#include "shmgen_schema/model.h"

/* Adds `py_name` to every type, enum, enum value and structure of root (the
 * context shmgen_gen_context built for s), `py_format` to every field,
 * `py_elem` to every structure and `py_mode` (`0o600`) to root
 * (docs/templates.md).  A name that is a Python
 * keyword or that the generated module, its Segment class or IntEnum use
 * themselves gets '_' appended until it is free.  0, or -1 on out-of-memory. */
int shmgen__py_context(const shmgen_schema_t *s, shmgen_value_t *root);

#endif
