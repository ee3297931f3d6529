/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_aq.cpp — atomic_queue (Maxim Egorushkin's header-only C++ queues) as a
 * peer, placed in POSIX shared memory with placement new.
 *
 * Only the fixed-size AtomicQueue2<T, N> is usable across processes: it keeps
 * its indices (std::atomic<unsigned>), its per-slot states
 * (std::atomic<unsigned char>) and its elements inline, with no pointer and
 * no allocator, so every process can map the region at a different address.
 * The B/B2 forms hold a heap pointer and cannot be shared.  SPSC=true is the
 * ring comparison, SPSC=false (MPMC) the queue comparison.  Both use
 * try_push/try_pop with the harness's backoff, exactly as our cases do.
 * Depends on libatomic-queue-dev (headers) and the harness.  C++17.
 */
#include "ipc_bench.h"
#include "ipc_harness.h"

#include <atomic_queue/atomic_queue.h>

#include <cstring>
#include <new>
#include <type_traits>

namespace {

static_assert(std::atomic<unsigned>::is_always_lock_free, "cross-process atomics must be lock-free");
static_assert(std::atomic<unsigned char>::is_always_lock_free, "cross-process atomics must be lock-free");
static_assert(std::is_trivially_copyable<bench_msg64_t>::value, "elements are copied bytewise");

template <class T, bool SPSC>
using Queue = atomic_queue::AtomicQueue2<T, BENCH_CAPACITY, true, true, false, SPSC>;

/* The object is exactly head and tail (one cache line each), the state bytes
 * and the elements: no vtable, no pointer, nothing process-local. */
template <class Q, class T> constexpr bool inline_only()
{
    return !std::is_polymorphic<Q>::value &&
           sizeof(Q) == 2 * 64 + BENCH_CAPACITY * (sizeof(unsigned char) + sizeof(T));
}
static_assert(inline_only<Queue<uint64_t, true>, uint64_t>(), "queue must live entirely inline");
static_assert(inline_only<Queue<bench_msg64_t, true>, bench_msg64_t>(), "queue must live entirely inline");
static_assert(inline_only<Queue<uint64_t, false>, uint64_t>(), "queue must live entirely inline");
static_assert(inline_only<Queue<bench_msg64_t, false>, bench_msg64_t>(), "queue must live entirely inline");

template <class T> void fill(T &m, uint64_t seq) { bench_fill(&m, sizeof(T), seq); }
template <class T> uint64_t seq_of(const T &m) { return bench_seq_of(&m); }

template <class Q> size_t region_bytes()
{
    return (sizeof(Q) + 4095) / 4096 * 4096;
}

/* The parent constructs the queue(s) once; children only map the region. */
template <class Q, int N> int setup(bench_job_t *job)
{
    void *mem = bench_region_create(job, region_bytes<Q>() * N);
    if (!mem)
        return 1;
    for (int i = 0; i < N; i++)
        new (static_cast<char *>(mem) + region_bytes<Q>() * i) Q();
    bench_region_unmap(mem, region_bytes<Q>() * N);
    return 0;
}

void teardown(bench_job_t *job)
{
    bench_region_unlink(job);
}

template <class Q> int produce(bench_job_t *job, unsigned index)
{
    Q *q = static_cast<Q *>(bench_region_map(job, region_bytes<Q>()));
    if (!q)
        return 1;
    typename Q::value_type m{};
    uint64_t n = bench_share(job, index);
    bench_start(job, index);
    for (uint64_t i = 0; i < n; i++) {
        unsigned spins = 0;
        fill(m, bench_seq(job, index, i));
        while (!q->try_push(m))
            if (bench_relax(job, &spins))
                return 1;
    }
    bench_end(job, index);
    bench_region_unmap(q, region_bytes<Q>());
    return 0;
}

template <class Q> int consume(bench_job_t *job, unsigned index)
{
    Q *q = static_cast<Q *>(bench_region_map(job, region_bytes<Q>()));
    if (!q)
        return 1;
    typename Q::value_type m{};
    unsigned role = job->c->producers + index;
    uint64_t n = bench_share(job, role), sum = 0;
    bench_start(job, role);
    for (uint64_t i = 0; i < n; i++) {
        unsigned spins = 0;
        while (!q->try_pop(m))
            if (bench_relax(job, &spins))
                return 1;
        uint64_t s = seq_of(m);
        if (job->c->producers == 1 && s != i) {
            bench_error(job, "out of order", s, i);
            return 1;
        }
        sum += s;
    }
    bench_end(job, role);
    bench_add_sum(job, sum);
    bench_region_unmap(q, region_bytes<Q>());
    return 0;
}

/* Ping-pong through two SPSC queues: role 0 sends i on the first and expects
 * i + 1 back on the second. */
using PingQ = Queue<uint64_t, true>;

int bounce(bench_job_t *job, unsigned role)
{
    size_t one = region_bytes<PingQ>();
    char *mem = static_cast<char *>(bench_region_map(job, one * 2));
    if (!mem)
        return 1;
    PingQ *out = reinterpret_cast<PingQ *>(mem + (role == 0 ? 0 : one));
    PingQ *in = reinterpret_cast<PingQ *>(mem + (role == 0 ? one : 0));
    bench_lat_t lat = {};
    if (role == 0 && bench_lat_init(&lat, job) != 0)
        return 1;
    bench_start(job, role);
    for (uint64_t i = 0; i < job->msgs; i++) {
        uint64_t v = i;
        unsigned spins = 0;
        int64_t t0 = role == 0 && bench_lat_timed(i) ? bench_now_ns() : 0;
        if (role == 0 && !out->try_push(v))
            return 1;
        while (!in->try_pop(v))
            if (bench_relax(job, &spins))
                return 1;
        if (role == 0) {
            if (t0)
                bench_lat_add(&lat, bench_now_ns() - t0);
            if (v != i + 1) {
                bench_error(job, "ping-pong reply", v, i + 1);
                return 1;
            }
        }
        if (role == 1 && !out->try_push(v + 1))
            return 1;
    }
    bench_end(job, role);
    if (role == 0)
        bench_lat_report(job, &lat);
    bench_region_unmap(mem, one * 2);
    return 0;
}

int ping(bench_job_t *job, unsigned index) { return bounce(job, index); }
int pong(bench_job_t *job, unsigned index) { return bounce(job, 1 + index); }

template <class T, bool SPSC>
constexpr bench_case_t make(const char *id, const char *label, unsigned p, unsigned c, uint64_t n)
{
    using Q = Queue<T, SPSC>;
    return bench_case_t{id, label, BENCH_THROUGHPUT, sizeof(T), p, c, n,
                        setup<Q, 1>, produce<Q>, consume<Q>, teardown};
}

} // namespace

extern "C" {
const bench_case_t bench_aq_cases[] = {
    make<uint64_t, true>("aq_spsc_8", "atomic_queue spsc 8B", 1, 1, 16000000),
    make<bench_msg64_t, true>("aq_spsc_64", "atomic_queue spsc 64B", 1, 1, 4000000),
    make<uint64_t, false>("aq_mpmc_8", "atomic_queue mpmc 1p1c 8B", 1, 1, 16000000),
    make<bench_msg64_t, false>("aq_mpmc_64", "atomic_queue mpmc 1p1c 64B", 1, 1, 4000000),
    make<uint64_t, false>("aq_mpmc2_8", "atomic_queue mpmc 2p2c 8B", 2, 2, 4000000),
    make<bench_msg64_t, false>("aq_mpmc2_64", "atomic_queue mpmc 2p2c 64B", 2, 2, 2000000),
    bench_case_t{"pingpong_aq", "ping-pong atomic_queue", BENCH_ROUNDTRIP, 8, 1, 1, 1000000,
                 setup<PingQ, 2>, ping, pong, teardown},
    bench_case_t{},
};
}
