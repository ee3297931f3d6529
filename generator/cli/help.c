/*
 * SPDX-License-Identifier: MIT
 *
 * help.c — `shmgen --help`, `shmgen help NAME` and the manual page, all
 * rendered from the command table (see help.h).  The manual page uses the
 * same words as the help texts (tests/generator/cli compares them), in roff:
 * text escaped so that a '-' stays a hyphen-minus and no line starts a
 * request.  Depends on cli.h and shmgen/version.h.
 */
#include "help.h"

#include <stdbool.h>
#include <string.h>

#include "shmgen/version.h"

const shmgen_command_t *const shmgen_cli_commands[] = {
    &shmgen_cmd_check,  &shmgen_cmd_layout,  &shmgen_cmd_generate, &shmgen_cmd_compat,
    &shmgen_cmd_verify, &shmgen_cmd_inspect, &shmgen_cmd_list,    &shmgen_cmd_rm,
};
const size_t shmgen_cli_ncommands = sizeof shmgen_cli_commands / sizeof shmgen_cli_commands[0];

static const char tagline[] = "Typed, lock-free shared-memory segments for C, generated from segment.yaml.";

/* The exit codes every command shares (each command's table narrows them). */
static const shmgen_cli_exit_t common_exits[] = {
    {0, "success"},
    {1, "difference found (compat: breaking, verify: mismatch)"},
    {2, "error"},
    {0, NULL},
};

/* Width of the option column of `shmgen help NAME`. */
#define OPT_COLUMN 23

/* ---- plain text ---------------------------------------------------------- */

/* "  -o, --output DIR": the option's left column, without padding. */
static int print_option_tag(const shmgen_cli_option_t *o, FILE *out)
{
    int n = fprintf(out, "  ");
    if (o->short_name) n += fprintf(out, "-%c, ", o->short_name);
    n += fprintf(out, "%s", o->name);
    if (o->arg) n += fprintf(out, " %s", o->arg);
    return n;
}

static void print_option(const shmgen_cli_option_t *o, FILE *out)
{
    int used = print_option_tag(o, out);
    const char *line = o->help;
    if (used >= OPT_COLUMN - 1) fprintf(out, "\n"), used = 0;
    for (;;) {
        size_t len = strcspn(line, "\n");
        fprintf(out, "%*s%.*s\n", OPT_COLUMN - used, "", (int)len, line);
        used = 0;
        if (!line[len]) break;
        line += len + 1;
    }
}

static void print_exits(const shmgen_cli_exit_t *e, const char *label, FILE *out)
{
    fprintf(out, "%s", label);
    for (size_t i = 0; e[i].meaning; i++) fprintf(out, "%s%d %s", i ? ", " : " ", e[i].code, e[i].meaning);
    fprintf(out, "\n");
}

void shmgen_cli_print_overview(FILE *out)
{
    fprintf(out, "usage: shmgen COMMAND [ARGS...]\n\n%s\n\ncommands:\n", tagline);
    for (size_t i = 0; i < shmgen_cli_ncommands; i++)
        fprintf(out, "  %-10s %s\n", shmgen_cli_commands[i]->name, shmgen_cli_commands[i]->summary);
    fprintf(out, "\n  shmgen help COMMAND   details of one command\n"
                 "  shmgen help --man     the manual page (roff; installed as shmgen.1)\n"
                 "  shmgen --version      the generator version\n\n");
    print_exits(common_exits, "exit codes:", out);
}

void shmgen_cli_print_help(const shmgen_command_t *cmd, FILE *out)
{
    fprintf(out, "usage: %s\n\n%s\n", cmd->usage, cmd->description);
    if (cmd->options && cmd->options[0].name) {
        fprintf(out, "\noptions:\n");
        for (const shmgen_cli_option_t *o = cmd->options; o->name; o++) print_option(o, out);
    }
    fprintf(out, "\n");
    print_exits(cmd->exits, "exit:", out);
}

/* ---- roff ------------------------------------------------------------------ */

/* len bytes of s as roff text: '\' and '-' escaped, a leading '.' or '\''
 * neutralised so the line is never read as a request. */
static void roff_text(const char *s, size_t len, FILE *out)
{
    if (len && (s[0] == '.' || s[0] == '\'')) fputs("\\&", out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\') fputs("\\e", out);
        else if (s[i] == '-') fputs("\\-", out);
        else fputc(s[i], out);
    }
}

static void roff_line(const char *s, size_t len, FILE *out)
{
    roff_text(s, len, out);
    fputc('\n', out);
}

/* One paragraph of a description: runs of lines starting with two spaces
 * are kept as written (.nf), the others filled. */
static void roff_paragraph(const char *p, size_t plen, FILE *out)
{
    bool verbatim = false;
    fputs(".PP\n", out);
    for (const char *end = p + plen; p < end;) {
        size_t len = strcspn(p, "\n");
        bool indented = len >= 2 && p[0] == ' ' && p[1] == ' ';
        if (len > (size_t)(end - p)) len = (size_t)(end - p);
        if (indented != verbatim) fputs(indented ? ".nf\n" : ".fi\n", out), verbatim = indented;
        roff_line(p, len, out);
        p += len + (p + len < end);
    }
    if (verbatim) fputs(".fi\n", out);
}

static void roff_description(const char *d, FILE *out)
{
    while (*d) {
        const char *brk = strstr(d, "\n\n");
        size_t len = brk ? (size_t)(brk - d) : strlen(d);
        roff_paragraph(d, len, out);
        d += len + (brk ? 2 : 0);
    }
}

static void roff_option(const shmgen_cli_option_t *o, FILE *out)
{
    fputs(".TP\n", out);
    if (o->short_name) fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
    fputs("\\fB", out);
    roff_text(o->name, strlen(o->name), out);
    fputs("\\fR", out);
    if (o->arg) fputs(" \\fI", out), roff_text(o->arg, strlen(o->arg), out), fputs("\\fR", out);
    fputc('\n', out);
    for (const char *line = o->help; *line;) {
        size_t len = strcspn(line, "\n");
        roff_line(line, len, out);
        line += len + (line[len] != '\0');
    }
}

static void roff_exits(const shmgen_cli_exit_t *e, FILE *out)
{
    fputs(".PP\nexit:", out);
    for (size_t i = 0; e[i].meaning; i++) {
        fprintf(out, "%s%d ", i ? ", " : " ", e[i].code);
        roff_text(e[i].meaning, strlen(e[i].meaning), out);
    }
    fputc('\n', out);
}

static void roff_command(const shmgen_command_t *cmd, FILE *out)
{
    fprintf(out, ".SS %s\n", cmd->name);
    roff_line(cmd->summary, strlen(cmd->summary), out);
    fputs(".PP\nusage: ", out);
    roff_line(cmd->usage, strlen(cmd->usage), out);
    roff_description(cmd->description, out);
    if (cmd->options && cmd->options[0].name) {
        fputs(".PP\noptions:\n", out);
        for (const shmgen_cli_option_t *o = cmd->options; o->name; o++) roff_option(o, out);
    }
    roff_exits(cmd->exits, out);
}

static void roff_header(FILE *out)
{
    fprintf(out, ".\\\" SPDX-License-Identifier: MIT\n"
                 ".\\\" shmgen.1 -- written by `shmgen help --man` from the command table of\n"
                 ".\\\" generator/cli; do not edit.\n"
                 ".TH SHMGEN 1 \"\" \"shmgen %s\" \"shmgen manual\"\n"
                 ".nh\n.ad l\n"
                 ".SH NAME\nshmgen \\- typed, lock\\-free shared\\-memory segments for C, generated from YAML\n"
                 ".SH SYNOPSIS\n\\fBshmgen\\fR \\fICOMMAND\\fR [\\fIARGS\\fR...]\n.br\n"
                 "\\fBshmgen help\\fR [\\fICOMMAND\\fR | \\fB\\-\\-man\\fR]\n.br\n\\fBshmgen \\-\\-version\\fR\n"
                 ".SH DESCRIPTION\n",
            SHMGEN_VERSION_STRING);
    roff_line(tagline, strlen(tagline), out);
    fputs("A schema (segment.yaml) describes a POSIX shared\\-memory segment: named arrays, queues,\n"
          "stacks, rings, atomics and object pools of your own structs.\n"
          "\\fBshmgen\\fR checks it, generates a typed C header and a layout verifier from it,\n"
          "compares two versions of it, and looks at live segments read\\-only.\n",
          out);
}

void shmgen_cli_print_man(FILE *out)
{
    roff_header(out);
    fputs(".SH COMMANDS\n", out);
    for (size_t i = 0; i < shmgen_cli_ncommands; i++) roff_command(shmgen_cli_commands[i], out);
    fputs(".SH EXIT STATUS\n", out);
    for (size_t i = 0; common_exits[i].meaning; i++) {
        fprintf(out, ".TP\n.B %d\n", common_exits[i].code);
        roff_line(common_exits[i].meaning, strlen(common_exits[i].meaning), out);
    }
    fputs(".SH FILES\n.TP\n.I /dev/shm\nwhere the live segments are (list, inspect, verify)\n"
          ".SH SEE ALSO\nThe shmgen documentation: README.md and docs/ of the sources \\(em schema.md (the\n"
          "schema format), cli.md (the command line), compatibility.md (the change classes),\n"
          "guarantees.md (what the runtime promises), cmake.md (build integration).\n",
          out);
}
