/*
 * SPDX-License-Identifier: MIT
 *
 * use_kitchen_sink.c — calls every generated accessor of the topics and
 * latest values of the golden kitchen_sink schema (a struct, an array element
 * and a scalar; always present and `since` ones) with the right types.  Not
 * linked or run: test_compile.c compiles it with gcc and clang (-std=c11
 * -Wall -Wextra -Werror -pedantic), to prove the typed API type-checks
 * without casts.
 */
#include <string.h>

#include "kitchen_sink.h"

int use_topics(kitchen_sink_t *ks);

/* Publisher and subscriber of feed (a struct element), zero copy and copies. */
static int use_feed(kitchen_sink_t *ks)
{
    kitchen_sink_inner_t in, *slot;
    const kitchen_sink_inner_t *got;
    kitchen_sink_feed_sub_t sub;
    shmgen_topic_sub_info_t info;
    int rc = 0;

    memset(&in, 0, sizeof in);
    if ((rc |= kitchen_sink_feed_loan(ks, &slot)) == 0) *slot = in;
    rc |= kitchen_sink_feed_publish(ks);
    if (kitchen_sink_feed_loan_wait(ks, &slot, 1) == 0) slot->a = 1;
    rc |= kitchen_sink_feed_publish_copy(ks, &in) | kitchen_sink_feed_publish_wait(ks, &in, 1);
    rc |= kitchen_sink_feed_release_publisher(ks);
    rc |= kitchen_sink_feed_subscribe(ks, "analytics", &sub);
    if (kitchen_sink_feed_read(&sub, &got) == 0) in.b = got->b;
    rc |= kitchen_sink_feed_release(&sub);
    rc |= kitchen_sink_feed_take(&sub, &in) | kitchen_sink_feed_take_wait(&sub, &in, 1) | kitchen_sink_feed_wait(&sub, 1);
    rc |= kitchen_sink_feed_subscriber_at(ks, 0, &info);
    rc |= kitchen_sink_feed_unsubscribe(&sub);
    return rc + (int)(kitchen_sink_feed_position(&sub) + kitchen_sink_feed_lag(&sub) + kitchen_sink_feed_lost(&sub) +
                      kitchen_sink_feed_published(ks) + kitchen_sink_feed_capacity(ks) +
                      kitchen_sink_feed_max_subscribers(ks) + kitchen_sink_feed_evictions(ks));
}

/* An array element (wrapped in its struct) and a `since` topic of a scalar. */
static int use_cmds_and_late_feed(kitchen_sink_t *ks)
{
    kitchen_sink_cmds_elem_t cmd, *cslot;
    const kitchen_sink_cmds_elem_t *cgot;
    kitchen_sink_cmds_sub_t csub;
    uint32_t v = 0, *vslot;
    const uint32_t *vgot;
    kitchen_sink_late_feed_sub_t lsub;
    int rc = 0;

    memset(&cmd, 0, sizeof cmd);
    if (kitchen_sink_cmds_loan(ks, &cslot) == 0) cslot->v[0] = 1;
    rc |= kitchen_sink_cmds_publish(ks) | kitchen_sink_cmds_publish_copy(ks, &cmd);
    rc |= kitchen_sink_cmds_subscribe(ks, "x", &csub);
    if (kitchen_sink_cmds_read(&csub, &cgot) == 0) cmd = *cgot;
    rc |= kitchen_sink_cmds_release(&csub) | kitchen_sink_cmds_take(&csub, &cmd);
    if (kitchen_sink_late_feed_present(ks) && kitchen_sink_late_feed_loan(ks, &vslot) == 0) *vslot = 7;
    rc |= kitchen_sink_late_feed_publish(ks) | kitchen_sink_late_feed_publish_copy(ks, &v);
    rc |= kitchen_sink_late_feed_subscribe(ks, "late", &lsub);
    if (kitchen_sink_late_feed_read(&lsub, &vgot) == 0) v = *vgot;
    rc |= kitchen_sink_late_feed_release(&lsub) | kitchen_sink_late_feed_take_wait(&lsub, &v, 1);
    return rc + (int)(v + kitchen_sink_late_feed_published(ks) + kitchen_sink_late_feed_evictions(ks));
}

/* Latest values: always present (scalars) and `since` (atomic fields inside). */
static int use_latest(kitchen_sink_t *ks)
{
    kitchen_sink_scalars_t cfg;
    kitchen_sink_counters_t late;
    uint64_t version = 0;
    int rc = 0;

    memset(&cfg, 0, sizeof cfg);
    memset(&late, 0, sizeof late);
    rc |= kitchen_sink_config_store(ks, &cfg) | kitchen_sink_config_load(ks, &cfg, &version);
    rc |= kitchen_sink_config_load(ks, &cfg, NULL) | kitchen_sink_config_wait(ks, version, 1);
    version += kitchen_sink_config_version(ks);
    rc |= kitchen_sink_late_cfg_store(ks, &late) | kitchen_sink_late_cfg_load(ks, &late, &version);
    rc |= kitchen_sink_late_cfg_wait(ks, kitchen_sink_late_cfg_version(ks), 1);
    return rc + (int)version + (int)kitchen_sink_late_cfg_present(ks);
}

int use_topics(kitchen_sink_t *ks)
{
    return use_feed(ks) + use_cmds_and_late_feed(ks) + use_latest(ks);
}
