/*
 * SPDX-License-Identifier: MIT
 *
 * analytics.c — the analytics role of game_server: a reader that never
 * touches the world.  Every 100 ms it summarises the newest ticks from
 * `frame_stats` (last_n, without consuming), drains the kill log on `undo`,
 * takes the kills announced on `events` (its "analytics" subscription), and
 * ranks the players into `leaderboard` (a structure added in schema
 * version 3: skipped when the segment is older).
 *
 * Usage: game_server_analytics SHM_NAME.  Depends on game.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "game.h"

#define LOOK_MS 100
#define REPORT_EVERY 5  /* looks between lines */
#define WINDOW 50       /* ticks summarised per line */

typedef struct analytics {
    game_server_t *seg;
    game_server_totals_t *tot;
    game_server_events_sub_t events;
    game_server_player_t ranked[64];
    unsigned nranked;
    uint64_t last_kill; /* monster id << 32 | player id */
} analytics_t;

static void collect_player(game_server_players_handle_t h, game_server_player_t *p, void *ctx)
{
    analytics_t *a = ctx;
    (void)h;
    if (a->nranked < 64) a->ranked[a->nranked++] = *p;
}

static int by_score(const void *x, const void *y)
{
    const game_server_player_t *a = x, *b = y;
    return a->score < b->score ? 1 : a->score > b->score ? -1 : (int)a->id - (int)b->id;
}

/* Ranks the players and publishes the top ones in `leaderboard`. */
static void rank(analytics_t *a)
{
    a->nranked = 0;
    (void)game_server_players_visit(a->seg, collect_player, a);
    if (a->nranked == 0) return; /* the server has already released them */
    qsort(a->ranked, a->nranked, sizeof a->ranked[0], by_score);
    if (!game_server_leaderboard_present(a->seg)) return;
    for (uint64_t i = 0; i < game_server_leaderboard_capacity(a->seg); i++) {
        game_server_player_t empty = {0};
        if (game_server_leaderboard_set(a->seg, i, i < a->nranked ? &a->ranked[i] : &empty) != 0) return;
    }
}

static void drain_kills(analytics_t *a)
{
    uint64_t entry;
    while (game_server_undo_pop(a->seg, &entry) == 0) {
        if (a->last_kill == 0) a->last_kill = entry; /* LIFO: the first popped is the newest */
        atomic_fetch_add(&a->tot->kills_reported, 1);
    }
}

static const char *player_name(const analytics_t *a, uint32_t id)
{
    for (unsigned i = 0; i < a->nranked; i++)
        if (a->ranked[i].id == id) return a->ranked[i].name;
    return "?";
}

static void report(analytics_t *a)
{
    game_server_stats_t w[WINDOW];
    size_t n = game_server_frame_stats_last_n(a->seg, w, WINDOW);
    if (n == 0 || a->nranked == 0) return;
    double monsters = 0, damage = 0;
    for (size_t i = 0; i < n; i++) {
        monsters += w[i].monsters;
        damage += w[i].damage_events;
    }
    printf("[analytics pid %ld] ticks %llu-%llu: avg %4.1f monsters, %3.1f hits/tick; leader %s (%lld pts)",
           (long)getpid(), (unsigned long long)w[0].tick, (unsigned long long)w[n - 1].tick, monsters / (double)n,
           damage / (double)n, a->ranked[0].name, (long long)a->ranked[0].score);
    if (a->last_kill)
        printf("; last kill: monster #%u by %s", (unsigned)(a->last_kill >> 32), player_name(a, (uint32_t)a->last_kill));
    printf("\n");
    a->last_kill = 0;
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 2) {
        fprintf(stderr, "usage: %s SHM_NAME\n", argv[0]);
        return 2;
    }
    static analytics_t a;
    a.seg = game_open("analytics", argv[1]);
    if (!a.seg) return 1;
    a.tot = game_totals(a.seg);
    int rc = game_server_events_subscribe(a.seg, "analytics", &a.events);
    if (rc != 0) {
        fprintf(stderr, "analytics: subscribe to events: %s\n", shmgen_strerror(rc));
        return 1;
    }
    uint64_t deadline = ex_now_ms() + 5000;
    while (!game_server_match_active_load(a.seg) && ex_now_ms() < deadline) ex_sleep_ms(1);
    for (unsigned looks = 1; game_server_match_active_load(a.seg) && rc == 0; looks++) {
        rc = game_drain_events(&a.events, GAME_SERVER_EVENT_KIND_KILLED, &a.tot->kills_seen);
        drain_kills(&a);
        rank(&a);
        if (looks % REPORT_EVERY == 0) report(&a);
        ex_sleep_ms(LOOK_MS);
    }
    /* the server publishes the last kills while it ends the match */
    bool ok = game_wait_flag(&a.tot->server_finished, 5000);
    if (rc == 0) rc = game_drain_events(&a.events, GAME_SERVER_EVENT_KIND_KILLED, &a.tot->kills_seen);
    if (game_server_events_unsubscribe(&a.events) != 0 && rc == 0) rc = SHMGEN_INVALID_ARGUMENT;
    if (rc != 0) fprintf(stderr, "analytics: events: %s\n", shmgen_strerror(rc));
    drain_kills(&a);
    rank(&a);
    atomic_store(&a.tot->analytics_finished, true);
    if (a.nranked >= GAME_LEADERS_SHOWN)
        printf("[analytics pid %ld] final leaderboard: 1. %s %lld  2. %s %lld  3. %s %lld; %llu kills reported\n",
               (long)getpid(), a.ranked[0].name, (long long)a.ranked[0].score, a.ranked[1].name,
               (long long)a.ranked[1].score, a.ranked[2].name, (long long)a.ranked[2].score,
               (unsigned long long)atomic_load(&a.tot->kills_reported));
    return game_server_close(a.seg) == 0 && ok && rc == 0 ? 0 : 1;
}
