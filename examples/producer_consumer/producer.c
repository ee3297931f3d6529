/*
 * SPDX-License-Identifier: MIT
 *
 * producer.c — the producer role of producer_consumer: sends COUNT numbered
 * messages through the `messages` queue, blocking (with a timeout) while the
 * queue is full, then raises `producer_done`.
 *
 * Usage: prodcons_producer SHM_NAME COUNT.  Depends on the generated
 * prodcons.h and the examples' ex_launch.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ex_launch.h"
#include "prodcons.h"

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 3) {
        fprintf(stderr, "usage: %s SHM_NAME COUNT\n", argv[0]);
        return 2;
    }
    uint64_t count = strtoull(argv[2], NULL, 10);
    prodcons_t *seg;
    int rc = prodcons_open(argv[1], NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "producer: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }

    unsigned full_waits = 0;
    for (uint64_t i = 0; i < count && rc == 0; i++) {
        prodcons_message_t m = {.seq = i, .payload = (uint32_t)(i * 7 + 1)};
        snprintf(m.text, sizeof m.text, "message #%u", (unsigned)(i % 1000000000u));
        rc = prodcons_messages_enqueue(seg, &m);
        if (rc == SHMGEN_FULL) {
            /* The consumer is behind: sleep in the kernel until a slot frees. */
            full_waits++;
            rc = prodcons_messages_enqueue_wait(seg, &m, 5000);
        }
    }
    if (rc != 0) {
        fprintf(stderr, "producer: enqueue: %s\n", shmgen_strerror(rc));
        (void)prodcons_close(seg);
        return 1;
    }
    prodcons_producer_done_store(seg, true);
    printf("[producer pid %ld] sent %llu messages; waited for space %u times (queue capacity %llu)\n",
           (long)getpid(), (unsigned long long)count, full_waits,
           (unsigned long long)prodcons_messages_capacity(seg));
    return prodcons_close(seg) == 0 ? 0 : 1;
}
