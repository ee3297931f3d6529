/*
 * SPDX-License-Identifier: MIT
 *
 * launcher.c — runs the game_server example (the README's demo): creates
 * the `game_server` segment, starts the server, AI and analytics processes,
 * shows that all of them are attached to the one segment, waits for the
 * match to end (bounded), then balances the books: every hit and move the
 * AI sent was applied or found its monster dead, every kill was reported,
 * every spawn and kill reached its subscriber on `events`, the leaderboard
 * is ranked, the tick stream has no hole, and every pool
 * slot came back.  Ends with a verdict line.
 *
 * Exits 0 when everything checks out, 1 otherwise.  Depends on game.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "game.h"

#define U(x) ((unsigned long long)(x))

typedef struct pids {
    char text[256];
    size_t len;
    unsigned n;
} pids_t;

static void add_pid(pid_t pid, bool alive, void *ctx)
{
    pids_t *p = ctx;
    if (!alive || p->len >= sizeof p->text - 16) return;
    p->len += (size_t)snprintf(p->text + p->len, sizeof p->text - p->len, "%s%ld", p->n ? ", " : "", (long)pid);
    p->n++;
}

/* Waits (bounded) until the three roles are attached, then lists them. */
static void show_attached(game_server_t *seg)
{
    unsigned count = 0;
    uint64_t deadline = ex_now_ms() + 3000;
    while (ex_now_ms() < deadline &&
           (shmgen_segment_attach_count(game_server_segment(seg), &count) != 0 || count < 4))
        ex_sleep_ms(1);
    pids_t p = {.len = 0};
    if (shmgen_segment_visit_processes(game_server_segment(seg), add_pid, &p) == 0)
        printf("[launcher  pid %ld] %u processes attached to the one segment: pids %s\n", (long)getpid(), p.n, p.text);
}

static int check_books(game_server_t *seg)
{
    game_server_totals_t *t = game_totals(seg);
    uint64_t hits = atomic_load(&t->damage_sent), applied = atomic_load(&t->damage_applied);
    uint64_t late = atomic_load(&t->damage_stale), moves = atomic_load(&t->commands_sent);
    uint64_t moved = atomic_load(&t->commands_applied), moves_late = atomic_load(&t->commands_stale);
    uint64_t kills = atomic_load(&t->kills), reported = atomic_load(&t->kills_reported);
    int failures = 0;
    printf("[launcher  pid %ld] books: %llu hits = %llu applied + %llu too late; %llu moves = %llu applied + %llu too late; "
           "%llu kills, %llu reported\n",
           (long)getpid(), U(hits), U(applied), U(late), U(moves), U(moved), U(moves_late), U(kills), U(reported));
    if (hits != applied + late || hits == 0) failures += ex_fail("hits do not balance");
    if (moves != moved + moves_late || moves == 0) failures += ex_fail("moves do not balance");
    if (kills != reported || kills == 0) failures += ex_fail("kills do not balance");
    if (game_server_damage_queue_size(seg) || game_server_ai_commands_size(seg) || game_server_undo_size(seg))
        failures += ex_fail("queues or the kill log not drained");
    if (game_server_monsters_num_allocated(seg) || game_server_players_num_allocated(seg))
        failures += ex_fail("pool slots still held");
    return failures;
}

/* Every spawn and kill was published once on `events`, and each subscriber
 * saw every one of the kind it counts (block: a live subscriber loses none). */
static int check_events(game_server_t *seg)
{
    game_server_totals_t *t = game_totals(seg);
    uint64_t spawned = atomic_load(&t->spawned), kills = atomic_load(&t->kills);
    uint64_t published = game_server_events_published(seg);
    int failures = 0;
    printf("[launcher  pid %ld] events: %llu published = %llu spawns + %llu kills; the ai saw %llu spawns, the "
           "analytics %llu kills\n",
           (long)getpid(), U(published), U(spawned), U(kills), U(atomic_load(&t->spawns_seen)),
           U(atomic_load(&t->kills_seen)));
    if (published != spawned + kills || spawned == 0) failures += ex_fail("events do not balance");
    if (atomic_load(&t->spawns_seen) != spawned) failures += ex_fail("the ai missed spawn events");
    if (atomic_load(&t->kills_seen) != kills) failures += ex_fail("the analytics missed kill events");
    if (game_server_events_evictions(seg) != 0) failures += ex_fail("a subscriber was evicted");
    return failures;
}

static int check_ticks_and_leaders(game_server_t *seg)
{
    int failures = 0;
    static game_server_stats_t w[GAME_TICKS];
    size_t n = game_server_frame_stats_last_n(seg, w, GAME_TICKS);
    if (game_server_tick_load(seg) != GAME_TICKS || n != GAME_TICKS || w[n - 1].tick != GAME_TICKS)
        failures += ex_fail("tick %llu, %zu frame stats", U(game_server_tick_load(seg)), n);
    for (size_t i = 1; i < n; i++)
        if (w[i].tick != w[i - 1].tick + 1) failures += ex_fail("frame stats jump from tick %llu", U(w[i - 1].tick));
    if (!game_server_leaderboard_present(seg)) return failures + ex_fail("no leaderboard in a version 4 segment");
    const game_server_player_t *lb = game_server_leaderboard_data(seg);
    for (int i = 1; i < GAME_PLAYERS; i++)
        if (lb[i].score > lb[i - 1].score) failures += ex_fail("leaderboard out of order at %d", i);
    if (lb[0].id == 0 || lb[0].score <= 0) failures += ex_fail("leaderboard is empty");
    return failures;
}

static bool start_roles(const char *name, ex_proc_t *procs)
{
    const char *roles[] = {"game_server_server", "game_server_ai", "game_server_analytics"};
    const char *args[] = {name, NULL};
    for (int i = 0; i < 3; i++) {
        if (ex_spawn(&procs[i], roles[i], args) != 0) {
            for (int j = 0; j < i; j++) ex_kill(&procs[j]);
            return false;
        }
    }
    return true;
}

int main(void)
{
    ex_line_buffered();
    char name[96];
    ex_shm_name(name, sizeof name, "game_server");
    game_server_t *seg;
    int rc = game_server_create(name, NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "create %s: %s\n", name, shmgen_strerror(rc));
        return 1;
    }
    shmgen_segment_meta_t meta;
    shmgen_segment_get_meta(game_server_segment(seg), &meta);
    printf("[launcher  pid %ld] created segment %s: schema v%u, %u structures, %.1f MiB; starting server, ai, analytics\n",
           (long)getpid(), name, meta.schema_version, meta.nstructs, (double)meta.total_size / (1024.0 * 1024.0));
    ex_proc_t procs[3];
    int failures = 0;
    if (!start_roles(name, procs)) failures += ex_fail("cannot start the roles");
    if (!failures) show_attached(seg);
    if (!failures && ex_wait_all(procs, 3, 20000) != 0) failures += ex_fail("a role process failed or timed out");
    if (!failures) failures += check_books(seg) + check_events(seg) + check_ticks_and_leaders(seg);
    (void)game_server_close(seg);
    if (failures) {
        printf("game_server: FAILED (%d problems)\n", failures);
        return 1;
    }
    printf("game_server: OK - 3 processes shared one segment for %d ticks; every hit, move and kill accounted for\n",
           GAME_TICKS);
    return 0;
}
