/*
 * SPDX-License-Identifier: MIT
 *
 * main.c — the consumer project's program: creates its segment, round-trips
 * readings through the queue and the ring, verifies the live segment against
 * the schema, and prints "sensor: ok".  Usage: sensor SHM_NAME
 */
#include <stdio.h>

#include "sensor.h"

int main(int argc, char **argv)
{
    sensor_t *s;
    sensor_reading_t in = {.id = 7, .value = 2.5}, out = {0};
    int rc;
    if (argc != 2) return 2;
    if ((rc = sensor_create(argv[1], NULL, &s)) != 0) {
        fprintf(stderr, "create: %s (%s)\n", shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    if (sensor_readings_enqueue(s, &in) != 0 || sensor_readings_dequeue(s, &out) != 0 || out.id != 7) return 1;
    if (sensor_latest_push_overwrite(s, &in) < 0 || sensor_latest_last_n(s, &out, 1) != 1 || out.value != 2.5) return 1;
    sensor_count_fetch_add(s, 3);
    if (sensor_count_load(s) != 3 || sensor_verify(argv[1], NULL) != 0) return 1;
    if (sensor_close(s) != 0) return 1;
    printf("sensor: ok\n");
    return 0;
}
