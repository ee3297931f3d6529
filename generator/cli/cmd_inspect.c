/*
 * cmd_inspect.c — `shmgen inspect NAME [--json] [--watch SECONDS]`: prints a
 * read-only snapshot of the live segment NAME; --watch redraws it like top
 * until SIGINT/SIGTERM (exit 0).  Exit: 0, or 2 when the segment cannot be
 * read (absent, corrupt).  Logic in generator/live/inspect.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "shmgen/errors.h"
#include "shmgen/segment.h"
#include "shmgen_gen/live.h"

typedef struct args {
    const char *name;
    bool json;
    double watch; /* seconds; 0: once */
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

static int parse(int argc, char **argv, args_t *a)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) a->json = true;
        else if (strcmp(argv[i], "--watch") == 0) {
            if (i + 1 >= argc || parse_seconds(argv[++i], &a->watch) != 0)
                return shmgen_cli_usage_error(&shmgen_cmd_inspect, "--watch takes a number of seconds (0 < s <= 86400)");
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return shmgen_cli_usage_error(&shmgen_cmd_inspect, "unknown option '%s'", argv[i]);
        } else if (!a->name) {
            a->name = argv[i];
        } else {
            return shmgen_cli_usage_error(&shmgen_cmd_inspect, "too many arguments");
        }
    }
    if (!a->name || !a->name[0]) return shmgen_cli_usage_error(&shmgen_cmd_inspect, "needs NAME");
    return 0;
}

static void report_error(const char *name, int rc)
{
    const char *detail = shmgen_segment_last_detail();
    fprintf(stderr, "shmgen inspect: %s: %s%s%s\n", name, shmgen_strerror(rc), detail[0] ? ": " : "", detail);
}

/* A structure whose own header does not validate makes the snapshot an error. */
static int first_bind_error(const shmgen_inspect_t *snap)
{
    for (size_t i = 0; i < snap->nstructs; i++)
        if (snap->structs[i].bind_error) {
            fprintf(stderr, "shmgen inspect: %s: structure '%s': %s\n", snap->name, snap->structs[i].info.name,
                    shmgen_strerror(snap->structs[i].bind_error));
            return snap->structs[i].bind_error;
        }
    return 0;
}

/* One snapshot, printed; returns the runtime code. */
static int show(const args_t *a, bool clear)
{
    shmgen_inspect_t snap = {0};
    int rc = shmgen_inspect_take(a->name, &snap);
    if (clear) fputs("\033[H\033[2J", stdout);
    if (rc != 0) report_error(a->name, rc);
    else if (a->json) shmgen_inspect_print_json(&snap, stdout);
    else shmgen_inspect_print_text(&snap, stdout);
    if (clear && rc == 0 && !a->json) printf("\n(every %g s; Ctrl-C to quit)\n", a->watch);
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
    "and version, total size, every structure (name, kind, element size, capacity,\n"
    "fill level: queue/stack/ring size or pool slots in use, ring drops, offset and\n"
    "size), the attached processes and the attach count.\n"
    "\n"
    "  --json            machine-readable snapshot (see docs/inspect.md)\n"
    "  --watch SECONDS   redraw every SECONDS until Ctrl-C / SIGTERM (exit 0)\n"
    "\n"
    "exit: 0, or 2 when NAME is absent or corrupt",
    run,
};
