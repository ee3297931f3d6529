/*
 * SPDX-License-Identifier: MIT
 *
 * server.c — the server role of game_server: the authority over the world.
 * Each tick it spawns monsters into the `monsters` pool, applies the AI's
 * moves (`ai_commands`) and the players' hits (`damage_queue`), releases
 * killed monsters (crediting the player and logging the kill on `undo`),
 * redraws the `collision` grid, and pushes a `frame_stats` record.  Every
 * spawn and every kill is published on the `events` topic, which the AI and
 * the analytics subscribe to (`block`: none of them misses one; the match
 * starts once both are subscribed).  It owns `tick` and `match_active`.
 *
 * Usage: game_server_server SHM_NAME.  Depends on game.h.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "game.h"

typedef struct server {
    game_server_t *seg;
    game_server_totals_t *tot;
    game_server_players_handle_t players[GAME_PLAYERS];
    uint32_t *grid;
    uint32_t marked[1000]; /* grid cells set last tick */
    unsigned nmarked, alive, bosses, window_damage, undo_full, errors;
    uint32_t next_id;
    uint64_t rng;
} server_t;

static const char *const player_names[GAME_PLAYERS] = {"ann", "bob", "cyd", "dee", "eve", "fay", "gus", "hal"};

static float rnd(server_t *s, float max)
{
    return (float)(ex_rand(&s->rng) % 10000) * max / 10000.0f;
}

static bool spawn_players(server_t *s)
{
    for (uint32_t i = 0; i < GAME_PLAYERS; i++) {
        s->players[i] = game_server_players_acquire(s->seg);
        game_server_player_t *p = game_server_players_get(s->seg, s->players[i]);
        if (!p) return false;
        *p = (game_server_player_t){.id = i + 1, .pos = {rnd(s, GAME_GRID), rnd(s, GAME_GRID), 0}};
        snprintf(p->name, sizeof p->name, "%s", player_names[i]);
    }
    return true;
}

static void spawn_monsters(server_t *s)
{
    for (int n = 0; n < 3 && s->alive < GAME_MONSTERS_TARGET; n++) {
        game_server_monsters_handle_t h = game_server_monsters_acquire(s->seg);
        game_server_monster_t *m = game_server_monsters_get(s->seg, h);
        if (!m) return; /* pool full */
        bool boss = ex_rand(&s->rng) % 10 == 0;
        *m = (game_server_monster_t){.id = ++s->next_id, .pos = {rnd(s, GAME_GRID), rnd(s, GAME_GRID), 0},
                                     .hp = boss ? 120 : 30,
                                     .kind = boss ? GAME_SERVER_SPAWN_KIND_BOSS : GAME_SERVER_SPAWN_KIND_MINION};
        snprintf(m->name, sizeof m->name, "%s-%u", boss ? "boss" : "minion", (unsigned)(m->id % 100000u));
        s->alive++;
        s->bosses += boss;
        atomic_fetch_add(&s->tot->spawned, 1);
        if (game_publish_event(s->seg, GAME_SERVER_EVENT_KIND_SPAWNED, m->id, 0) != 0) s->errors++;
    }
}

static void apply_commands(server_t *s)
{
    game_server_ai_command_t cmd[128];
    size_t n;
    while ((n = game_server_ai_commands_dequeue_bulk(s->seg, cmd, 128)) > 0) {
        for (size_t i = 0; i < n; i++) {
            game_server_monsters_handle_t h = {.raw = {.bits = cmd[i].monster}};
            game_server_monster_t *m = game_server_monsters_get(s->seg, h);
            if (!m) { /* killed after the AI looked */
                atomic_fetch_add(&s->tot->commands_stale, 1);
                continue;
            }
            m->pos.x += cmd[i].move.x;
            m->pos.y += cmd[i].move.y;
            atomic_fetch_add(&s->tot->commands_applied, 1);
        }
    }
}

static void kill_monster(server_t *s, game_server_monsters_handle_t h, game_server_monster_t *m, uint32_t source)
{
    bool boss = m->kind == GAME_SERVER_SPAWN_KIND_BOSS;
    uint32_t id = m->id;
    uint64_t entry = (uint64_t)id << 32 | source;
    if (game_server_monsters_release(s->seg, h) != 0) {
        s->errors++;
        return;
    }
    s->alive--;
    s->bosses -= boss;
    if (source >= 1 && source <= GAME_PLAYERS) {
        game_server_player_t *p = game_server_players_get(s->seg, s->players[source - 1]);
        if (p) p->score += boss ? 50 : 10;
    }
    atomic_fetch_add(&s->tot->kills, 1);
    if (game_publish_event(s->seg, GAME_SERVER_EVENT_KIND_KILLED, id, source) != 0) s->errors++;
    /* The analytics drains the kill log every 100 ms, far faster than 64
     * kills come; a full log is a lost entry, which the launcher will see. */
    if (game_server_undo_push(s->seg, &entry) != 0) s->undo_full++;
}

static unsigned apply_damage(server_t *s)
{
    game_server_damage_t d[128];
    size_t n;
    unsigned events = 0;
    while ((n = game_server_damage_queue_dequeue_bulk(s->seg, d, 128)) > 0) {
        for (size_t i = 0; i < n; i++) {
            game_server_monsters_handle_t h = {.raw = {.bits = d[i].target}};
            game_server_monster_t *m = game_server_monsters_get(s->seg, h);
            if (!m) { /* two players hit the same monster: the second hit comes too late */
                atomic_fetch_add(&s->tot->damage_stale, 1);
                continue;
            }
            atomic_fetch_add(&s->tot->damage_applied, 1);
            m->hp -= d[i].amount;
            if (m->hp <= 0) kill_monster(s, h, m, d[i].source);
        }
        events += (unsigned)n;
    }
    return events;
}

static void mark_cell(game_server_monsters_handle_t h, game_server_monster_t *m, void *ctx)
{
    server_t *s = ctx;
    uint32_t cell = game_cell(m->pos.x, m->pos.y);
    if (s->grid[cell] == 0 && s->nmarked < 1000) {
        s->grid[cell] = (uint32_t)h.raw.bits; /* the low half of a handle: slot index + 1 */
        s->marked[s->nmarked++] = cell;
    }
}

static void rebuild_grid(server_t *s)
{
    for (unsigned i = 0; i < s->nmarked; i++) s->grid[s->marked[i]] = 0;
    s->nmarked = 0;
    (void)game_server_monsters_visit(s->seg, mark_cell, s);
}

static void move_players(server_t *s)
{
    for (int i = 0; i < GAME_PLAYERS; i++) {
        game_server_player_t *p = game_server_players_get(s->seg, s->players[i]);
        if (!p) continue;
        p->pos.x += rnd(s, 2.0f) - 1.0f;
        p->pos.y += rnd(s, 2.0f) - 1.0f;
        if (p->pos.x < 0 || p->pos.x >= GAME_GRID) p->pos.x = GAME_GRID / 2;
        if (p->pos.y < 0 || p->pos.y >= GAME_GRID) p->pos.y = GAME_GRID / 2;
    }
}

/* One tick of the match. */
static void tick(server_t *s)
{
    uint64_t t = game_server_tick_fetch_add(s->seg, 1) + 1;
    spawn_monsters(s);
    apply_commands(s);
    unsigned events = apply_damage(s);
    s->window_damage += events;
    move_players(s);
    rebuild_grid(s);
    game_server_stats_t st = {.tick = t, .monsters = s->alive, .damage_events = events};
    atomic_store(&st.processed, atomic_load(&s->tot->damage_applied));
    (void)game_server_frame_stats_push_overwrite(s->seg, &st); /* a full ring drops its oldest record */
    if (t % GAME_REPORT_EVERY == 0) {
        printf("[server    pid %ld] tick %3llu: %2u monsters (%u bosses), %3u damage events, %3llu kills so far\n",
               (long)getpid(), (unsigned long long)t, s->alive, s->bosses, s->window_damage,
               (unsigned long long)atomic_load(&s->tot->kills));
        s->window_damage = 0;
    }
}

static void release_cb(game_server_monsters_handle_t h, game_server_monster_t *m, void *ctx)
{
    server_t *s = ctx;
    (void)m;
    if (game_server_monsters_release(s->seg, h) != 0) s->errors++;
}

/* After the last tick: let the AI stop, apply what it sent last, let the
 * analytics read the final state, then give every slot back. */
static void finish(server_t *s)
{
    game_server_match_active_store(s->seg, false);
    if (!game_wait_flag(&s->tot->ai_finished, 5000)) s->errors++;
    apply_commands(s);
    (void)apply_damage(s);
    atomic_store(&s->tot->server_finished, true);
    if (!game_wait_flag(&s->tot->analytics_finished, 5000)) s->errors++;
    (void)game_server_monsters_visit(s->seg, release_cb, s);
    for (int i = 0; i < GAME_PLAYERS; i++)
        if (game_server_players_release(s->seg, s->players[i]) != 0) s->errors++;
    rebuild_grid(s); /* no monster left: clears the grid */
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 2) {
        fprintf(stderr, "usage: %s SHM_NAME\n", argv[0]);
        return 2;
    }
    static server_t s = {.rng = 7};
    s.seg = game_open("server", argv[1]);
    if (!s.seg) return 1;
    s.tot = game_totals(s.seg);
    s.grid = game_server_collision_data(s.seg);
    if (!spawn_players(&s)) s.errors++;
    uint64_t wait_until = ex_now_ms() + 5000;
    while (game_event_subscribers(s.seg) < 2 && ex_now_ms() < wait_until) ex_sleep_ms(1);
    if (game_event_subscribers(s.seg) < 2) s.errors++;
    game_server_match_active_store(s.seg, true);
    uint64_t next = ex_now_ms();
    for (int t = 0; t < GAME_TICKS && s.errors == 0; t++) {
        tick(&s);
        next += GAME_TICK_MS;
        uint64_t now = ex_now_ms();
        if (next > now) ex_sleep_ms((unsigned)(next - now));
    }
    finish(&s);
    printf("[server    pid %ld] match over after %llu ticks: %u monsters spawned, %llu killed, %llu events published\n",
           (long)getpid(), (unsigned long long)game_server_tick_load(s.seg), s.next_id,
           (unsigned long long)atomic_load(&s.tot->kills), (unsigned long long)game_server_events_published(s.seg));
    if (s.errors || s.undo_full) fprintf(stderr, "server: %u errors, %u kills not logged\n", s.errors, s.undo_full);
    return game_server_close(s.seg) == 0 && s.errors == 0 ? 0 : 1;
}
