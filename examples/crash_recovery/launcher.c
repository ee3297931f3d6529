/*
 * SPDX-License-Identifier: MIT
 *
 * launcher.c — runs the crash_recovery example: creates the `crashy`
 * segment, starts a producer of JOBS jobs and a consumer, and KILLS times
 * SIGKILLs the consumer mid-stream and starts a new one, which attaches and
 * carries on.  Afterwards it checks that no job was consumed twice, that at
 * most one job (the one in flight) was lost per kill, and that the attach
 * count is right at every step (dead consumers are not counted).
 *
 * Exits 0 when everything checks out, 1 otherwise.  Depends on crashy.h and
 * ex_launch.h.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crashy.h"
#include "ex_launch.h"

#define JOBS 24000
#define JOBS_ARG "24000"
#define KILLS 5

static unsigned attach_count(crashy_t *seg)
{
    unsigned n = 0;
    if (shmgen_segment_attach_count(crashy_segment(seg), &n) != 0) return 0;
    return n;
}

/* Waits (bounded) until pred(seg, arg) holds. */
static bool wait_until(crashy_t *seg, bool (*pred)(crashy_t *, uint64_t), uint64_t arg)
{
    uint64_t deadline = ex_now_ms() + 15000;
    while (!pred(seg, arg)) {
        if (ex_now_ms() > deadline) return false;
        ex_sleep_ms(1);
    }
    return true;
}

static bool consumed_at_least(crashy_t *seg, uint64_t n)
{
    return crashy_consumed_load(seg) >= n;
}

static bool consumers_at_least(crashy_t *seg, uint64_t n)
{
    return crashy_consumers_started_load(seg) >= n;
}

/* Kills the running consumer once it has consumed its share, starts the
 * next one, and checks the attach count before and after.  Returns the
 * number of failed checks. */
static int kill_and_replace(crashy_t *seg, const char *name, ex_proc_t *consumer, int k)
{
    const char *args[] = {name, NULL};
    int failures = 0;
    if (!wait_until(seg, consumed_at_least, (uint64_t)JOBS * (unsigned)k / (KILLS + 1)))
        return ex_fail("consumer made no progress before kill #%d", k);
    ex_kill(consumer);
    if (!WIFSIGNALED(consumer->status)) return ex_fail("consumer exited by itself before kill #%d", k);
    uint64_t consumed = crashy_consumed_load(seg);
    unsigned after_kill = attach_count(seg);
    if (ex_spawn(consumer, "crashy_consumer", args) != 0) return ex_fail("cannot start a new consumer");
    if (!wait_until(seg, consumers_at_least, (uint64_t)k + 1)) return ex_fail("new consumer never attached");
    unsigned after_attach = attach_count(seg);
    printf("[launcher] kill #%d: SIGKILLed the consumer after %llu jobs; attach count %u -> new consumer pid %ld "
           "attached, count %u\n",
           k, (unsigned long long)consumed, after_kill, (long)consumer->pid, after_attach);
    /* The producer is still attached: it ends only after kills_done. */
    if (after_kill != 2) failures += ex_fail("attach count after kill #%d is %u, expected 2", k, after_kill);
    if (after_attach != 3) failures += ex_fail("attach count after re-attach #%d is %u, expected 3", k, after_attach);
    return failures;
}

/* Counts jobs marked once, more than once, and not at all. */
static int check_jobs(crashy_t *seg)
{
    uint64_t produced = crashy_produced_load(seg), once = 0, dup = 0, lost = 0;
    for (uint64_t seq = 0; seq < produced; seq++) {
        uint8_t d = *crashy_done_at(seg, seq);
        once += d == 1;
        dup += d > 1;
        if (d == 0) {
            printf("[launcher] job %llu was in flight at a kill: lost\n", (unsigned long long)seq);
            lost++;
        }
    }
    printf("[launcher] produced %llu, consumed %llu, lost %llu, duplicated %llu, kills %d\n",
           (unsigned long long)produced, (unsigned long long)once, (unsigned long long)lost, (unsigned long long)dup,
           KILLS);
    int failures = 0;
    if (produced != JOBS) failures += ex_fail("produced %llu of %d jobs", (unsigned long long)produced, JOBS);
    if (dup != 0) failures += ex_fail("%llu jobs consumed twice", (unsigned long long)dup);
    if (lost > KILLS) failures += ex_fail("%llu jobs lost for %d kills", (unsigned long long)lost, KILLS);
    if (crashy_jobs_size(seg) != 0) failures += ex_fail("jobs left in the queue");
    return failures;
}

int main(void)
{
    ex_line_buffered();
    char name[96];
    ex_shm_name(name, sizeof name, "crashy");
    crashy_t *seg;
    int rc = crashy_create(name, NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "create %s: %s\n", name, shmgen_strerror(rc));
        return 1;
    }
    printf("[launcher pid %ld] segment %s created; %d jobs, the consumer will be SIGKILLed %d times\n",
           (long)getpid(), name, JOBS, KILLS);
    ex_proc_t procs[2]; /* producer, current consumer */
    const char *cons_args[] = {name, NULL};
    const char *prod_args[] = {name, JOBS_ARG, NULL};
    int failures = 0;
    if (ex_spawn(&procs[1], "crashy_consumer", cons_args) != 0 || ex_spawn(&procs[0], "crashy_producer", prod_args) != 0)
        failures += ex_fail("cannot start the roles");
    for (int k = 1; k <= KILLS && !failures; k++) failures += kill_and_replace(seg, name, &procs[1], k);
    crashy_kills_done_store(seg, true); /* now the producer may end the stream */
    if (ex_wait_all(procs, 2, 20000) != 0) failures += ex_fail("a role process failed or timed out");
    failures += check_jobs(seg);
    unsigned left = attach_count(seg);
    printf("[launcher] attach count after everyone else left: %u\n", left);
    if (left != 1) failures += ex_fail("attach count is %u, expected 1 (the launcher)", left);
    (void)crashy_close(seg);
    if (failures) {
        printf("crash_recovery: FAILED (%d problems)\n", failures);
        return 1;
    }
    printf("crash_recovery: OK, %d kills survived, no job consumed twice\n", KILLS);
    return 0;
}
