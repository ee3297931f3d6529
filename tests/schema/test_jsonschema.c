/*
 * SPDX-License-Identifier: MIT
 *
 * test_jsonschema.c — schema/segment.schema.json checked by a real JSON Schema
 * validator (python3-jsonschema): every good schema and every
 * examples/<name>/segment.yaml validates, the bad schemas whose mistake is one
 * of shape are rejected.  Skips, saying so, when python3 or its jsonschema /
 * yaml modules are missing.  Depends on tests/schema/check_jsonschema.py.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "helpers.h"

Test(jsonschema, good_schemas_validate_and_shape_errors_do_not)
{
    char cmd[1024];
    int status;
    if (system("command -v python3 >/dev/null 2>&1") != 0) cr_skip_test("python3 not installed");
    snprintf(cmd, sizeof cmd, "python3 '%s/check_jsonschema.py' '%s'", SCHEMA_TEST_DIR, SHMGEN_SOURCE_DIR);
    status = system(cmd);
    cr_assert(WIFEXITED(status), "the validator did not run");
    if (WEXITSTATUS(status) == 77) cr_skip_test("python3-jsonschema or python3-yaml missing: JSON Schema not checked");
    cr_expect_eq(WEXITSTATUS(status), 0, "see the validator's output above");
}
