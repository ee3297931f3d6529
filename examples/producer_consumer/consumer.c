/*
 * SPDX-License-Identifier: MIT
 *
 * consumer.c — the consumer role of producer_consumer: takes messages from
 * the `messages` queue with a blocking dequeue until the producer is done and
 * the queue is empty, checking that they arrive in order and intact, and
 * publishes the in-order count in `received_in_order`.
 *
 * Usage: prodcons_consumer SHM_NAME.  Exits 1 on any out-of-order or damaged
 * message.  Depends on the generated prodcons.h and ex_launch.h.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ex_launch.h"
#include "prodcons.h"

/* True when m is exactly what the producer sends as message number seq. */
static bool message_ok(const prodcons_message_t *m, uint64_t seq)
{
    char text[sizeof m->text];
    snprintf(text, sizeof text, "message #%u", (unsigned)(seq % 1000000000u));
    return m->seq == seq && m->payload == (uint32_t)(seq * 7 + 1) && strncmp(text, m->text, sizeof text) == 0;
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 2) {
        fprintf(stderr, "usage: %s SHM_NAME\n", argv[0]);
        return 2;
    }
    prodcons_t *seg;
    int rc = prodcons_open(argv[1], NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "consumer: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }

    uint64_t expected = 0;
    unsigned timeouts = 0;
    prodcons_message_t m, first = {0}, last = {0};
    for (;;) {
        /* Read the flag before trying: if it was set and the queue is still
         * empty afterwards, every message has been taken. */
        bool done = prodcons_producer_done_load(seg);
        rc = prodcons_messages_dequeue_wait(seg, &m, 100);
        if (rc == SHMGEN_TIMEOUT || rc == SHMGEN_EMPTY) {
            if (done) break;
            timeouts++;
            continue;
        }
        if (rc != 0 || !message_ok(&m, expected)) {
            fprintf(stderr, "consumer: message %llu: %s\n", (unsigned long long)expected,
                    rc ? shmgen_strerror(rc) : "out of order or damaged");
            (void)prodcons_close(seg);
            return 1;
        }
        if (expected == 0) first = m;
        last = m;
        prodcons_received_in_order_store(seg, ++expected);
    }
    printf("[consumer pid %ld] received %llu messages in order, \"%s\" .. \"%s\"; %u idle waits\n",
           (long)getpid(), (unsigned long long)expected, first.text, last.text, timeouts);
    return prodcons_close(seg) == 0 ? 0 : 1;
}
