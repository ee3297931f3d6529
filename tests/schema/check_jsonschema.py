#!/usr/bin/env python3
# SPDX-License-Identifier: MIT

"""Checks schema/segment.schema.json with a real JSON Schema validator.

Every tests/schema/good/*.yaml and examples/*/segment.yaml must validate;
every bad schema listed in SHAPE_ERRORS (mistakes a JSON Schema can see)
must be rejected.  Exit 0 ok, 1 failure, 77 when python3-jsonschema or
python3-yaml is missing (the caller reports a skip).
Usage: check_jsonschema.py SOURCE_DIR
"""
import glob
import json
import os
import sys

try:
    import jsonschema
    import yaml
except ImportError as exc:  # the caller turns 77 into a skip
    print(f"skip: {exc} (install python3-jsonschema and python3-yaml)")
    sys.exit(77)

SHAPE_ERRORS = [
    "01-unknown-top-key", "02-missing-segment", "03-missing-version", "04-missing-structures",
    "05-empty-structures", "06-segment-not-identifier", "07-segment-keyword", "08-name-too-long",
    "09-version-zero", "10-version-not-integer", "11-size-bad-unit", "14-unknown-kind", "18-char-alone",
    "19-array-length-zero", "20-array-length-negative", "21-capacity-zero", "22-capacity-negative",
    "33-initial-on-queue", "35-atomic-bad-type", "36-atomic-capacity", "42-field-keyword-name",
    "44-empty-type", "45-nested-mapping-field", "47-structure-key-typo", "48-missing-kind-and-type",
    "51-enum-empty", "54-reserved-identifier", "55-two-dim-array", "56-sequence-as-type",
    "57-enum-value-out-of-range", "58-structure-not-mapping", "61-top-level-sequence",
    "66-topic-subscribers-zero", "67-topic-subscribers-too-many", "69-topic-history-negative",
    "70-topic-policy-typo", "71-topic-policy-not-a-name", "72-topic-deadline-with-lap",
    "73-topic-deadline-default-policy", "74-topic-deadline-not-integer", "75-topic-without-capacity",
    "76-topic-key-typo", "77-topic-params-on-queue", "78-latest-with-capacity",
    "79-latest-with-initial-and-history", "80-kind-typo-topic", "81-topic-subscribers-wrong-type",
    "82-topic-history-too-large",
]


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def main():
    src = sys.argv[1]
    with open(os.path.join(src, "schema", "segment.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    failures = 0
    good = sorted(glob.glob(os.path.join(src, "tests", "schema", "good", "*.yaml")))
    good += sorted(glob.glob(os.path.join(src, "examples", "*", "segment.yaml")))
    for path in good:
        errors = list(validator.iter_errors(load_yaml(path)))
        for e in errors:
            print(f"{path}: valid schema rejected: {'/'.join(map(str, e.path))}: {e.message}")
        failures += bool(errors)
    for name in SHAPE_ERRORS:
        path = os.path.join(src, "tests", "schema", "bad", name + ".yaml")
        if validator.is_valid(load_yaml(path)):
            print(f"{path}: invalid schema accepted")
            failures += 1
    print(f"{len(good)} valid and {len(SHAPE_ERRORS)} invalid schemas checked, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
