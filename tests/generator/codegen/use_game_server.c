/*
 * SPDX-License-Identifier: MIT
 *
 * use_game_server.c — calls every generated accessor of the golden
 * game_server schema with the right types.  Not linked or run: test_compile.c
 * compiles it with gcc and clang (-std=c11 -Wall -Wextra -Werror -pedantic)
 * and as C++, to prove the typed API type-checks without casts.
 */
#include <string.h>

#include "game_server.h"

static void on_monster(game_server_monsters_handle_t h, game_server_monster_t *m, void *ctx)
{
    (void)h;
    *(uint32_t *)ctx += m->id;
}

int use_everything(game_server_t *gs);

int use_everything(game_server_t *gs)
{
    game_server_vec3_t v = {1.0f, 2.0f, 3.0f}, vs[4];
    game_server_monster_t m, *mp;
    game_server_stats_t st[2], *slot;
    const game_server_stats_t *peeked;
    game_server_monsters_handle_t h;
    uint64_t u = 0, tick;
    uint32_t sum = 0, *cell, owner = 0;
    bool active = false;
    int rc = 0;
    size_t n;

    memset(&m, 0, sizeof m);
    m.kind = GAME_SERVER_SPAWN_KIND_BOSS;
    /* pool */
    h = game_server_monsters_acquire(gs);
    if (game_server_monsters_handle_valid(h) && (mp = game_server_monsters_get(gs, h))) *mp = m;
    rc |= game_server_monsters_adopt(gs, h);
    rc |= game_server_monsters_visit(gs, on_monster, &sum);
    rc |= game_server_monsters_release(gs, h);
    n = (size_t)(game_server_monsters_num_allocated(gs) + game_server_monsters_capacity(gs));
    /* array */
    if ((cell = game_server_collision_at(gs, 3))) *cell = 7;
    rc |= game_server_collision_set(gs, 4, &sum);
    rc |= game_server_collision_get(gs, 4, &sum);
    n += (size_t)(game_server_collision_data(gs) != NULL) + (size_t)game_server_collision_capacity(gs) +
         (size_t)game_server_collision_size(gs);
    /* queue */
    rc |= game_server_damage_queue_enqueue(gs, &v);
    rc |= game_server_damage_queue_dequeue(gs, &v);
    n += game_server_damage_queue_enqueue_bulk(gs, vs, 0) + game_server_damage_queue_dequeue_bulk(gs, vs, 4);
    n += (size_t)(game_server_damage_queue_size(gs) + game_server_damage_queue_capacity(gs));
    rc |= game_server_damage_queue_wait_data(gs, 0) | game_server_damage_queue_wait_space(gs, 0);
    rc |= game_server_damage_queue_enqueue_wait(gs, &v, 1) | game_server_damage_queue_dequeue_wait(gs, &v, 1);
    /* ring (atomic fields inside the element) */
    memset(st, 0, sizeof st);
    rc |= game_server_frame_stats_push(gs, &st[0]) | game_server_frame_stats_pop(gs, &st[1]);
    rc |= game_server_frame_stats_push_overwrite(gs, &st[0]);
    n += game_server_frame_stats_push_bulk(gs, st, 2) + game_server_frame_stats_pop_bulk(gs, st, 2) +
         game_server_frame_stats_last_n(gs, st, 2);
    n += (size_t)(game_server_frame_stats_size(gs) + game_server_frame_stats_capacity(gs) +
                  game_server_frame_stats_dropped(gs));
    rc |= game_server_frame_stats_wait_data(gs, 0) | game_server_frame_stats_wait_space(gs, 0);
    rc |= game_server_frame_stats_push_wait(gs, &st[0], 1) | game_server_frame_stats_pop_wait(gs, &st[1], 1);
    n += (size_t)(game_server_frame_stats_pushed(gs) - game_server_frame_stats_popped(gs));
    if ((slot = game_server_frame_stats_reserve(gs))) *slot = st[0];
    rc |= game_server_frame_stats_commit(gs);
    if ((peeked = game_server_frame_stats_peek(gs))) n += (size_t)(peeked != NULL);
    rc |= game_server_frame_stats_release(gs);
    rc |= game_server_frame_stats_release_producer(gs) | game_server_frame_stats_release_consumer(gs);
    /* stack */
    rc |= game_server_undo_push(gs, &u) | game_server_undo_pop(gs, &u);
    n += (size_t)(game_server_undo_size(gs) + game_server_undo_capacity(gs));
    rc |= game_server_undo_wait_data(gs, 0) | game_server_undo_wait_space(gs, 0);
    rc |= game_server_undo_push_wait(gs, &u, 1) | game_server_undo_pop_wait(gs, &u, 1);
    /* the segment */
    rc |= game_server_recover(gs);
    rc |= game_server_owner_id(gs, &owner);
    n += owner;
    /* atomics */
    game_server_tick_store(gs, 5);
    tick = game_server_tick_load(gs) + game_server_tick_exchange(gs, 6) + game_server_tick_fetch_add(gs, 1) +
           game_server_tick_fetch_sub(gs, 1);
    if (!game_server_tick_compare_exchange(gs, &tick, 9)) rc |= 1;
    game_server_match_active_store(gs, true);
    active = game_server_match_active_load(gs) && game_server_match_active_exchange(gs, false);
    if (!game_server_match_active_compare_exchange(gs, &active, true)) rc |= 2;
    /* a `since` structure */
    if (game_server_leaderboard_present(gs)) rc |= game_server_leaderboard_get(gs, 0, &m);
    n += (size_t)(game_server_leaderboard_at(gs, 0) != NULL);
    return rc + (int)n + (game_server_segment(gs) != NULL) + (game_server_layout() != NULL);
}
