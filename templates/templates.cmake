# SPDX-License-Identifier: MIT
#
# templates/templates.cmake — the templates embedded in shmgen, relative to
# templates/ (python/: the module of `shmgen generate --lang python`).  Every
# file of this folder is listed (test_generate fails on a
# template that is not, and the build fails on a listed file that is missing);
# a new kind needs only its kinds/<kind>.h.tmpl here: the names it generates
# are checked for collisions as the template defines them.
# Included by generator/codegen/CMakeLists.txt.
set(SHMGEN_TEMPLATES
  segment.h.tmpl
  segment.c.tmpl
  forward.h.tmpl
  partials/banner.tmpl
  partials/type.h.tmpl
  partials/verify.c.tmpl
  kinds/array.h.tmpl
  kinds/atomic.h.tmpl
  kinds/atomic_optional.h.tmpl
  kinds/pool.h.tmpl
  kinds/queue.h.tmpl
  kinds/ring.h.tmpl
  kinds/stack.h.tmpl
  kinds/topic.h.tmpl
  kinds/latest.h.tmpl
  python/segment.py.tmpl
  python/dtype.py.tmpl)
