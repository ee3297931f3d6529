// SPDX-License-Identifier: MIT
//
// main.cpp — the C++ consumer's program: the generated C header used from
// C++17, the same round trip as find_package_project/main.c; prints
// "sensor_cxx: ok".  Usage: sensor_cxx SHM_NAME
#include <cstdio>

#include "sensor.h"

int main(int argc, char **argv)
{
    sensor_t *s = nullptr;
    sensor_reading_t in{}, out{}; // members by name: the struct may carry explicit padding fields
    in.id = 7;
    in.value = 2.5;
    if (argc != 2) return 2;
    if (int rc = sensor_create(argv[1], nullptr, &s); rc != 0) {
        std::fprintf(stderr, "create: %s (%s)\n", shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    if (sensor_readings_enqueue(s, &in) != 0 || sensor_readings_dequeue(s, &out) != 0 || out.id != 7) return 1;
    if (sensor_verify(argv[1], nullptr) != 0 || sensor_close(s) != 0) return 1;
    std::printf("sensor_cxx: ok\n");
    return 0;
}
