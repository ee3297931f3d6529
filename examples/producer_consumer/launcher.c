/*
 * SPDX-License-Identifier: MIT
 *
 * launcher.c — runs the producer_consumer example: creates the `prodcons`
 * segment under a unique name, starts one producer and one consumer (both
 * executables next to this one), waits for them (bounded), and checks that
 * all 1,000 messages were received in order and nothing was left behind.
 *
 * Exits 0 when everything checks out, 1 otherwise.  Depends on the generated
 * prodcons.h and ex_launch.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "prodcons.h"

#define MESSAGES 1000

int main(void)
{
    ex_line_buffered();
    char name[96];
    ex_shm_name(name, sizeof name, "prodcons");
    prodcons_t *seg;
    int rc = prodcons_create(name, NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "create %s: %s\n", name, shmgen_strerror(rc));
        return 1;
    }
    printf("[launcher pid %ld] segment %s created: queue of %llu messages\n", (long)getpid(), name,
           (unsigned long long)prodcons_messages_capacity(seg));

    ex_proc_t procs[2];
    const char *cons_args[] = {name, NULL};
    const char *prod_args[] = {name, "1000", NULL};
    int failures = 0;
    if (ex_spawn(&procs[0], "prodcons_consumer", cons_args) != 0) failures++;
    if (!failures && ex_spawn(&procs[1], "prodcons_producer", prod_args) != 0) {
        ex_kill(&procs[0]);
        failures++;
    }
    if (!failures && ex_wait_all(procs, 2, 20000) != 0)
        failures += ex_fail("a role process failed or timed out");

    uint64_t received = prodcons_received_in_order_load(seg);
    if (received != MESSAGES)
        failures += ex_fail("consumer received %llu of %d messages in order", (unsigned long long)received, MESSAGES);
    if (prodcons_messages_size(seg) != 0)
        failures += ex_fail("%llu messages left in the queue", (unsigned long long)prodcons_messages_size(seg));
    if (!prodcons_producer_done_load(seg)) failures += ex_fail("producer never finished");
    (void)prodcons_close(seg);

    if (failures) {
        printf("producer_consumer: FAILED (%d problems)\n", failures);
        return 1;
    }
    printf("producer_consumer: OK, %d messages sent and received in order\n", MESSAGES);
    return 0;
}
