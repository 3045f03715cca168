/* line_pingpong: the floor of a delegated call. Two threads on two CPUs hand one 64-byte cache line back and
 * forth, spinning with `pause`, and nothing else: one round trip is the least a request to another CPU and
 * its answer can cost in this VM. bench/vm/run-vm-bench runs it on two of Linux's CPUs in the same boot as
 * the co-kernel's delegated calls (the proxy's CPU and the job's CPU talk through such lines).
 *
 * Usage: line_pingpong [ROUNDS [REPEATS]]   (defaults 20000 round trips, best of 5)
 * Output: "line_pingpong  NS ns/round trip  (CPUs A and B)".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static _Alignas(64) volatile long line; /* odd: the partner's turn; even: the main thread's */
static _Alignas(64) long rounds_total;
static int partner_cpu = -1;

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set); /* best effort: one CPU only means both threads share it */
}

static void* partner(void* arg) {
    pin((int)(intptr_t)arg);
    partner_cpu = sched_getcpu();
    for (long i = 0; i < rounds_total; i++) {
        while (__atomic_load_n(&line, __ATOMIC_ACQUIRE) != 2 * i + 1)
            __builtin_ia32_pause();
        __atomic_store_n(&line, 2 * i + 2, __ATOMIC_RELEASE);
    }
    return NULL;
}

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char** argv) {
    long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    long repeats = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
    if (rounds < 1 || repeats < 1) {
        fprintf(stderr, "usage: line_pingpong [ROUNDS [REPEATS]] (both positive)\n");
        return 2;
    }
    rounds_total = rounds * (repeats + 1); /* the first run warms up and is not counted */
    pin(0);
    pthread_t t;
    if (pthread_create(&t, NULL, partner, (void*)(intptr_t)1) != 0) {
        fprintf(stderr, "line_pingpong: pthread_create failed\n");
        return 1;
    }
    double best = 1e30;
    long i = 0;
    for (long r = 0; r <= repeats; r++) {
        int64_t t0 = now_ns();
        for (long k = 0; k < rounds; k++, i++) {
            __atomic_store_n(&line, 2 * i + 1, __ATOMIC_RELEASE);
            while (__atomic_load_n(&line, __ATOMIC_ACQUIRE) != 2 * i + 2)
                __builtin_ia32_pause();
        }
        double ns = (double)(now_ns() - t0) / (double)rounds;
        if (r > 0 && ns < best)
            best = ns;
    }
    pthread_join(t, NULL);
    printf("line_pingpong %10.1f ns/round trip  (CPUs %d and %d)\n", best, sched_getcpu(), partner_cpu);
    return 0;
}
