/*
 * SPDX-License-Identifier: MIT
 *
 * ai.c — the AI role of game_server: every 20 ms it looks at the world
 * (visiting the `monsters` and `players` pools), steers each monster toward
 * its nearest player (`ai_commands`), and lets each player strike the
 * monsters the `collision` grid shows within reach (`damage_queue`).  It
 * never writes the world itself: the server applies what it sends.  As the
 * "ai" subscriber of `events` it counts the spawns the server announces.
 *
 * Usage: game_server_ai SHM_NAME.  Depends on game.h.
 */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "game.h"

#define ROUND_MS 20
#define REACH 6           /* grid cells a player strikes around itself */
#define REPORT_EVERY 25   /* rounds between lines */

typedef struct ai {
    game_server_t *seg;
    game_server_totals_t *tot;
    game_server_events_sub_t events;
    const uint32_t *grid;
    uint64_t slot_bits[1024 + 1];  /* grid value (slot + 1) -> handle bits seen this round */
    uint32_t slot_round[1024 + 1]; /* the round slot_bits[i] was seen in */
    struct { uint64_t bits; float x, y; } mon[1024];
    struct { uint32_t id; float x, y; } pl[64];
    unsigned nmon, npl, round;
    uint64_t rng;
} ai_t;

static void see_monster(game_server_monsters_handle_t h, game_server_monster_t *m, void *ctx)
{
    ai_t *a = ctx;
    uint32_t slot = (uint32_t)h.raw.bits; /* slot index + 1, as in the grid */
    if (a->nmon >= 1024 || slot > 1024) return;
    a->mon[a->nmon].bits = h.raw.bits;
    a->mon[a->nmon].x = m->pos.x;
    a->mon[a->nmon].y = m->pos.y;
    a->nmon++;
    a->slot_bits[slot] = h.raw.bits;
    a->slot_round[slot] = a->round;
}

static void see_player(game_server_players_handle_t h, game_server_player_t *p, void *ctx)
{
    ai_t *a = ctx;
    (void)h;
    if (a->npl >= 64) return;
    a->pl[a->npl].id = p->id;
    a->pl[a->npl].x = p->pos.x;
    a->pl[a->npl].y = p->pos.y;
    a->npl++;
}

static void steer(ai_t *a)
{
    for (unsigned i = 0; i < a->nmon && a->npl > 0; i++) {
        float best = 1e30f, dx = 0, dy = 0;
        for (unsigned j = 0; j < a->npl; j++) {
            float x = a->pl[j].x - a->mon[i].x, y = a->pl[j].y - a->mon[i].y;
            if (x * x + y * y < best) {
                best = x * x + y * y;
                dx = x;
                dy = y;
            }
        }
        float len = sqrtf(best) + 1e-3f;
        game_server_ai_command_t cmd = {.monster = a->mon[i].bits, .move = {1.5f * dx / len, 1.5f * dy / len, 0}};
        if (game_server_ai_commands_enqueue(a->seg, &cmd) == 0) atomic_fetch_add(&a->tot->commands_sent, 1);
    }
}

static void strike(ai_t *a)
{
    for (unsigned j = 0; j < a->npl; j++) {
        unsigned hits = 0;
        for (int dy = -REACH; dy <= REACH && hits < 2; dy++) {
            for (int dx = -REACH; dx <= REACH && hits < 2; dx++) {
                uint32_t slot = a->grid[game_cell(a->pl[j].x + (float)dx, a->pl[j].y + (float)dy)];
                if (slot == 0 || slot > 1024 || a->slot_round[slot] != a->round) continue;
                game_server_damage_t d = {.target = a->slot_bits[slot], .amount = 5 + (int32_t)(ex_rand(&a->rng) % 10),
                                          .source = a->pl[j].id};
                if (game_server_damage_queue_enqueue(a->seg, &d) == 0) {
                    atomic_fetch_add(&a->tot->damage_sent, 1);
                    hits++;
                }
            }
        }
    }
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 2) {
        fprintf(stderr, "usage: %s SHM_NAME\n", argv[0]);
        return 2;
    }
    static ai_t a = {.rng = 99};
    a.seg = game_open("ai", argv[1]);
    if (!a.seg) return 1;
    a.tot = game_totals(a.seg);
    a.grid = game_server_collision_data(a.seg);
    int rc = game_server_events_subscribe(a.seg, "ai", &a.events);
    if (rc != 0) {
        fprintf(stderr, "ai: subscribe to events: %s\n", shmgen_strerror(rc));
        return 1;
    }
    uint64_t deadline = ex_now_ms() + 5000;
    while (!game_server_match_active_load(a.seg) && ex_now_ms() < deadline) ex_sleep_ms(1);
    while (game_server_match_active_load(a.seg) && rc == 0) {
        rc = game_drain_events(&a.events, GAME_SERVER_EVENT_KIND_SPAWNED, &a.tot->spawns_seen);
        a.round++;
        a.nmon = a.npl = 0;
        (void)game_server_monsters_visit(a.seg, see_monster, &a);
        (void)game_server_players_visit(a.seg, see_player, &a);
        steer(&a);
        strike(&a);
        if (a.round % REPORT_EVERY == 0)
            printf("[ai        pid %ld] round %3u: steering %2u monsters toward %u players, %4llu hits sent\n",
                   (long)getpid(), a.round, a.nmon, a.npl, (unsigned long long)atomic_load(&a.tot->damage_sent));
        ex_sleep_ms(ROUND_MS);
    }
    /* every spawn was published before the match ended: take the last ones */
    if (rc == 0) rc = game_drain_events(&a.events, GAME_SERVER_EVENT_KIND_SPAWNED, &a.tot->spawns_seen);
    if (game_server_events_unsubscribe(&a.events) != 0 && rc == 0) rc = SHMGEN_INVALID_ARGUMENT;
    atomic_store(&a.tot->ai_finished, true);
    printf("[ai        pid %ld] done after %u rounds: %llu moves and %llu hits sent, %llu spawns announced\n",
           (long)getpid(), a.round, (unsigned long long)atomic_load(&a.tot->commands_sent),
           (unsigned long long)atomic_load(&a.tot->damage_sent), (unsigned long long)atomic_load(&a.tot->spawns_seen));
    if (rc != 0) fprintf(stderr, "ai: events: %s\n", shmgen_strerror(rc));
    return game_server_close(a.seg) == 0 && rc == 0 ? 0 : 1;
}
