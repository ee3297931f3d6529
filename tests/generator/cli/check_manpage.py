#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check_manpage.py SHMGEN MANPAGE -- the manual page the build rendered says
what `shmgen --help` and `shmgen help COMMAND` say: it is what
`shmgen help --man` prints now (not stale), groff reads it without a warning,
and, rendered as text, it holds every paragraph of every command's help (its
usage, description, each option with its text, its exit codes), every
command's summary and every exit code of `shmgen --help`, compared with
whitespace collapsed; and the help fits 80 columns (usage lines aside).
Exit 0, or 1 with what is missing."""
import subprocess
import sys


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def collapse(text):
    return " ".join(text.split())


def main():
    shmgen, page = sys.argv[1], sys.argv[2]
    problems = []
    with open(page, encoding="ascii") as f:
        built = f.read()
    if run(shmgen, "help", "--man").stdout != built:
        problems.append(f"{page} differs from `shmgen help --man`: stale")
    warnings = run("groff", "-man", "-Tascii", "-ww", "-z", page).stderr
    if warnings:
        problems.append(f"groff warnings:\n{warnings}")
    man = collapse(run("groff", "-man", "-Tascii", "-P-cbou", page).stdout)

    overview = run(shmgen, "--help").stdout
    listing = overview.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    commands = [line.split(None, 1) for line in listing.splitlines()]
    if len(commands) < 7:
        problems.append(f"--help lists {len(commands)} commands")
    exits = overview.split("exit codes:", 1)[1]
    for code in exits.split(", "):
        if collapse(code) not in man:
            problems.append(f"exit code '{collapse(code)}' of --help is not in the manual page")
    for name, summary in commands:
        for line in run(shmgen, "help", name).stdout.splitlines():
            if len(line) > 80 and not line.startswith("usage: "):
                problems.append(f"{name}: a help line wider than 80 columns: {line}")
        if f"{name} {collapse(summary)}" not in man:
            problems.append(f"{name}: the summary '{summary}' is not in the manual page")
        for block in run(shmgen, "help", name).stdout.split("\n\n"):
            if collapse(block) not in man:
                problems.append(f"{name}: this part of `shmgen help {name}` is not in the manual page:\n{block}")
    for p in problems:
        print(p)
    print(f"{len(commands)} commands compared, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
