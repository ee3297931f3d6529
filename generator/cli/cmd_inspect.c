/*
 * SPDX-License-Identifier: MIT
 *
 * cmd_inspect.c — `shmgen inspect NAME [--json] [--watch SECONDS]`: prints a
 * read-only snapshot of the live segment NAME; --watch repeats it until
 * SIGINT/SIGTERM (exit 0): on a terminal it redraws the screen like top (the
 * only ANSI escapes shmgen writes, and only when stdout is a terminal); in a
 * pipe each frame follows the last, and with --json each frame is one line
 * (NDJSON).  Exit: 0, or 2 when the segment cannot be read (absent,
 * corrupt).  Logic in generator/live/inspect.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "shmgen/errors.h"
#include "shmgen/segment.h"
#include "shmgen_gen/json_out.h"
#include "shmgen_gen/live.h"

typedef struct args {
    const char *name;
    bool json;
    double watch; /* seconds; 0: once */
    bool tty;     /* stdout is a terminal: --watch may redraw it */
} args_t;

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0 && v <= 86400)) return -1; /* also refuses NaN and inf */
    *out = v;
    return 0;
}

enum { OPT_JSON, OPT_WATCH, NOPTS };
static const shmgen_cli_option_t options[NOPTS + 1] = {
    [OPT_JSON] = {"--json", 0, NULL,
                  "machine-readable snapshot (format \"shmgen-inspect/1\",\nsee docs/inspect.md); with --watch one "
                  "object per line\n(NDJSON)"},
    [OPT_WATCH] = {"--watch", 0, "SECONDS",
                   "repeat every SECONDS until Ctrl-C / SIGTERM (exit 0); on\na terminal the screen is redrawn, in a "
                   "pipe frames\nfollow each other (no ANSI escapes)"},
};

static const shmgen_cli_exit_t exits[] = {{0, "shown"}, {2, "NAME is absent or corrupt"}, {0, NULL}};

static int parse(int argc, char **argv, args_t *a)
{
    static const char *const names[] = {"NAME"};
    shmgen_cli_value_t v[NOPTS] = {{0}};
    shmgen_cli_spec_t spec = {v, names, 1, 1};
    size_t n;
    int rc = shmgen_cli_parse(&shmgen_cmd_inspect, &spec, argc, argv, &a->name, &n);
    if (rc != 0) return rc;
    a->json = v[OPT_JSON].given;
    if (v[OPT_WATCH].given && parse_seconds(v[OPT_WATCH].value, &a->watch) != 0)
        return shmgen_cli_usage_error(&shmgen_cmd_inspect, "--watch takes a number of seconds (0 < s <= 86400)");
    a->tty = isatty(STDOUT_FILENO) == 1;
    return 0;
}

/* A structure whose own header does not validate makes the snapshot an error. */
static int first_bind_error(const shmgen_inspect_t *snap)
{
    for (size_t i = 0; i < snap->nstructs; i++)
        if (snap->structs[i].bind_error) {
            char name[sizeof snap->name], structure[SHMGEN_NAME_MAX + 1];
            fprintf(stderr, "shmgen inspect: %s: structure '%s': %s\n",
                    shmgen__out_printable(snap->name, name, sizeof name),
                    shmgen__out_printable(snap->structs[i].info.name, structure, sizeof structure),
                    shmgen_strerror(snap->structs[i].bind_error));
            return snap->structs[i].bind_error;
        }
    return 0;
}

/* One snapshot, printed; returns the runtime code.  A redraw clears the
 * screen first, only on a terminal and never in JSON; in a pipe the text
 * frames of a watch are separated by a blank line. */
static int show(const args_t *a, bool watching)
{
    shmgen_inspect_t snap = {0};
    int rc = shmgen_inspect_take(a->name, &snap);
    bool redraw = watching && a->tty && !a->json;
    if (redraw) fputs("\033[H\033[2J", stdout);
    if (rc != 0) shmgen_cli_runtime_error(&shmgen_cmd_inspect, a->name, rc);
    else if (a->json) shmgen_inspect_print_json(&snap, watching, stdout);
    else shmgen_inspect_print_text(&snap, stdout);
    if (redraw && rc == 0) printf("\n(every %g s; Ctrl-C to quit)\n", a->watch);
    else if (watching && !a->json && rc == 0) putchar('\n');
    if (rc == 0) rc = first_bind_error(&snap);
    fflush(stdout);
    shmgen_inspect_free(&snap);
    return rc;
}

/* Sleeps `seconds` unless a stop signal arrives (nanosleep returns EINTR). */
static void pause_for(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (!stop_requested && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int watch(const args_t *a)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: the signal must cut the sleep short */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (show(a, true) != 0) return SHMGEN_EXIT_ERROR;
    /* Later failures (the segment went away, is being recreated) are shown
     * and the watch goes on: that is what one watches for. */
    while (!stop_requested) {
        pause_for(a->watch);
        if (!stop_requested) (void)show(a, true);
    }
    return SHMGEN_EXIT_OK;
}

static int run(int argc, char **argv)
{
    args_t a = {0};
    if (parse(argc, argv, &a) != 0) return SHMGEN_EXIT_ERROR;
    if (a.watch > 0) return watch(&a);
    return show(&a, false) == 0 ? SHMGEN_EXIT_OK : SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_inspect = {
    "inspect",
    "show a live segment's structures, fill levels, processes (read-only)",
    "shmgen inspect NAME [--json] [--watch SECONDS]",
    "Attaches to the live segment NAME read-only (never writes, never changes the\n"
    "attach count) and prints its format version, layout hash, schema segment name\n"
    "and version, total size, owner and permission bits, every structure (name,\n"
    "kind, element size, capacity, fill level: queue/stack/ring size or pool slots\n"
    "in use, ring drops, an atomic's value, a latest value's version, a topic's\n"
    "published count, offset and size), the processes in the roles it knows (a\n"
    "ring's producer and consumer, with their names from /proc), each topic's\n"
    "policy, history, evictions and subscribers (name, pid and process name,\n"
    "alive, position, lag, losses, evicted), the attached processes and the\n"
    "attach count.  Work per structure is bounded: a pool larger than 4 MiB is\n"
    "counted from evenly spaced slots and its fill marked '~'; a topic has at\n"
    "most 1024 subscriber records.",
    options,
    exits,
    run,
};
