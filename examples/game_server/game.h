/*
 * SPDX-License-Identifier: MIT
 *
 * game.h — the rules of the game_server example shared by its processes:
 * the world and grid sizes, the match length, and small helpers over the
 * generated game_server.h.  Depends on game_server.h and ex_launch.h.
 */
#ifndef GAME_H
#define GAME_H

#include <stdatomic.h>

#include "ex_launch.h"
#include "game_server.h"

#define GAME_TICKS 250          /* one match */
#define GAME_TICK_MS 10         /* 100 ticks per second: a 2.5 s match */
#define GAME_REPORT_EVERY 50    /* ticks between the server's lines */
#define GAME_GRID 256           /* collision grid: GAME_GRID x GAME_GRID cells, one per world unit */
#define GAME_PLAYERS 8
#define GAME_MONSTERS_TARGET 60
#define GAME_LEADERS_SHOWN 3

/* The one element of `totals`. */
static inline game_server_totals_t *game_totals(game_server_t *seg)
{
    return game_server_totals_at(seg, 0);
}

/* The grid cell of a position (clamped into the world). */
static inline uint32_t game_cell(float x, float y)
{
    int cx = x < 0 ? 0 : x >= GAME_GRID ? GAME_GRID - 1 : (int)x;
    int cy = y < 0 ? 0 : y >= GAME_GRID ? GAME_GRID - 1 : (int)y;
    return (uint32_t)(cy * GAME_GRID + cx);
}

/* Waits up to timeout_ms for an atomic flag of `totals` to become true. */
static inline bool game_wait_flag(_Atomic bool *flag, unsigned timeout_ms)
{
    uint64_t deadline = ex_now_ms() + timeout_ms;
    while (!atomic_load(flag)) {
        if (ex_now_ms() > deadline) return false;
        ex_sleep_ms(1);
    }
    return true;
}

/* ---- the events topic ---------------------------------------------------- */

#define GAME_EVENT_WAIT_MS 1000 /* the longest the server waits for a slow subscriber */

/* Subscriber records of `events` in use (the AI and the analytics once they are up). */
static inline unsigned game_event_subscribers(game_server_t *seg)
{
    shmgen_topic_sub_info_t info;
    unsigned n = 0;
    for (uint32_t i = 0; i < game_server_events_max_subscribers(seg); i++)
        n += game_server_events_subscriber_at(seg, i, &info) == 0;
    return n;
}

/* Publishes one event, written in place into the slot the topic lends.  The
 * topic is `block`: while a live subscriber is `capacity` events behind this
 * waits (at most GAME_EVENT_WAIT_MS).  Returns 0 or the error. */
static inline int game_publish_event(game_server_t *seg, game_server_event_kind_t kind, uint32_t monster,
                                     uint32_t player)
{
    game_server_event_t *ev;
    int rc = game_server_events_loan_wait(seg, &ev, GAME_EVENT_WAIT_MS);
    if (rc != 0) return rc;
    *ev = (game_server_event_t){.kind = kind, .monster = monster, .player = player, .tick = game_server_tick_load(seg)};
    return game_server_events_publish(seg);
}

/* Takes every event published and not yet taken, counting those of `kind`
 * into *count.  Returns 0, or the error that stopped it. */
static inline int game_drain_events(game_server_events_sub_t *sub, game_server_event_kind_t kind, _Atomic uint64_t *count)
{
    game_server_event_t ev;
    int rc;
    while ((rc = game_server_events_take(sub, &ev)) == 0)
        if (ev.kind == kind) atomic_fetch_add(count, 1);
    return rc == SHMGEN_EMPTY ? 0 : rc;
}

/* Opens the segment named on the command line, or prints why not. */
static inline game_server_t *game_open(const char *role, const char *name)
{
    game_server_t *seg = NULL;
    int rc = game_server_open(name, NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "%s: open %s: %s %s\n", role, name, shmgen_strerror(rc), shmgen_segment_last_detail());
        return NULL;
    }
    return seg;
}

#endif /* GAME_H */
